"""Gold-free defect counts of a set of cleaned records: what a user checks to judge a folder at a glance.

No gold record is needed: each measure is a sign in the output itself that the
cleaning missed something the spec (``CLEANING_SPEC.md``) says a clean record never
has — Markdown syntax left in a text, a feed or CMS footer line, a text that lost
every paragraph break, a source or credit line still in the text, a missing date or
URL, a bare domain standing in for the outlet's name. ``news-etl profile`` prints
them before and after installing its draft, so the draft's effect is measured on the
same terms the issue's whole-mirror targets use.

Pure functions over mappings with ``text``, ``published_at``, ``url`` and
``publisher`` (a record's fields, as the profiler keeps them).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Markdown the renderer should have turned into structure: images, links, strikethrough,
# headings, rules, bold, quotes at the start of a line; and the site generator's own syntax
# that only its build renders (Liquid ``{% include … %}``, ``{{ site.x }}``, kramdown ``{: .class}``).
_MARKDOWN = re.compile(r"!\[[^\]\n]*\]\(|\]\((?:https?:|/|#)|~~[^~\n]+~~|^#{1,6} |^(?:-{3,}|\*{3,}|_{3,})$"
                       r"|\*\*[^*\n]+\*\*|^> |\{%-?\s*\w+.*?%\}|\{\{\s*\w.*?\}\}|^\{:\s*[.#]", re.M)
# Feed and CMS footers: the WordPress feed footer and its plugins, post-tag lines, embed markers,
# share kits and view or comment counters.
_FOOTER = re.compile(r"\|\s*Permalink\b|Add to del\.icio\.us|Feed enhanced by|get_post_time\(|^Post tags\s*:"
                     r"|wp-embedded-content|^©\s*\S.{0,40}?\s+for\s+\S|^(?:Share this|Like this|分享到|分享至)\s*[:：]"
                     r"|(?:阅读|閱讀|浏览|瀏覽|Views?)\s*[：:]?\s*\d[\d,]*\s*次|\d+\s*(?:条评论|條評論|comments?)\s*$",
                     re.M | re.I)
# A line that names where the text came from or who credited it: 来源/原文来自/本文转自, 文 | A, 编辑 | B.
_SOURCE_LINE = re.compile(r"^(?:[(（]?\s*[\u4e00-\u9fff]{0,4}?(?:来源|來源|出处|出處)\s*[：:|｜]|原文(?:来自|來自|链接|連結)"
                          r"|本文(?:转自|轉自|来自|來自|转载|轉載)|(?:文|图|圖|编辑|編輯|责编|責編|排版|校对|校對|作者)\s*[：:|｜]"
                          r"|Submitted by )", re.M)
_BARE_DOMAIN = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.I)
ONE_BLOCK_CHARS = 200  # a one-block text this long has lost its paragraph breaks; a short one may be one paragraph

DEFECTS = ("markdown left", "footers left", "one-block texts", "source lines left", "undated", "no url",
           "bare-domain publishers")


def defects_of(record: Mapping) -> set[str]:
    """The defects one record shows (names from :data:`DEFECTS`)."""
    text = record.get("text") or ""
    out = set()
    if _MARKDOWN.search(text):
        out.add("markdown left")
    if _FOOTER.search(text):
        out.add("footers left")
    if "\n\n" not in text and len(text) >= ONE_BLOCK_CHARS:
        out.add("one-block texts")
    if _SOURCE_LINE.search(text):
        out.add("source lines left")
    if not record.get("published_at"):
        out.add("undated")
    if not record.get("url"):
        out.add("no url")
    if _BARE_DOMAIN.match((record.get("publisher") or "").strip()):
        out.add("bare-domain publishers")
    return out


def defect_counts(records: Iterable[Mapping]) -> dict[str, int]:
    """Records showing each defect, every name of :data:`DEFECTS` present (0 when none), plus ``records``."""
    counts = dict.fromkeys(DEFECTS, 0)
    n = 0
    for record in records:
        n += 1
        for d in defects_of(record):
            counts[d] += 1
    return {"records": n, **counts}
