"""Last resort: a file with no recognisable header; its body is Markdown or blank-line paragraphs.

Two ways such a file still names itself, both by shape:

- a Markdown file that opens with a heading (``# 标题``), as Markdown documents do;
- a text file whose first line is short, ends without a sentence's punctuation and is
  followed by labelled lines (``来源：X``, ``作者：A``, ``日期：…``) or a bare date line
  (``2021-05-09 10:30``, ``2021年5月9日``, ``March 8, 2022``) or an English byline (``By NAME``):
  the title line of a text archive. Its date line gives ``published`` and its link line
  (``原文链接：URL``) the URL. Chinese source and credit lines stay as blocks of their own, for
  the block rules that read them, as they would under any other header; the block rules read
  no English labels, so ``Source:``, ``Author:`` and ``By NAME`` are read here, where the
  header's shape says they are metadata and not a sentence of the story.

Any other first line may be a sentence, so plain text has no title otherwise.
"""
from __future__ import annotations

import re

from transforms.body_format import body_html, paragraphs_html
from transforms.layouts.base import Envelope
from transforms.metadata import parse_datetime, split_names

NAME = "text"
_LEADING_HEADING = re.compile(r"\A\s*#{1,6}[ \t]+(?P<title>[^\n]*?)[ \t#]*(?:\n|\Z)")
_TITLE_LINE = re.compile(r"\A\ufeff?\s*(?P<title>[^\s<#>\[|*!-][^\n]{1,80}?)[ \t]*\n")
_SENTENCE_END = re.compile(r"[。！？!?；;，,：:…]$|[。！？!?]”$")
# A labelled line of a text header: its label, then its value.
_META_LINE = re.compile(
    r"[ \t]*(?P<label>来源|來源|出处|出處|作者|记者|記者|文|编辑|編輯|责任编辑|責任編輯|责编|責編|日期|时间|時間|发布时间|發布時間"
    r"|发布日期|發布日期|发表时间|發表時間|原文链接|原文鏈接|原文地址|原文网址|原文網址|链接|鏈接|网址|網址"
    r"|Source|Author|Authors|By|Date|Published|URL|Link|Original)[ \t]*[：:|｜][ \t]*(?P<value>[^\n]{1,80}?)[ \t]*(?:\n|\Z)",
    re.I)
# "By Maria Keller", "By Ann Lee and Tom Wu": an English byline on a line of its own (no colon).
_BYLINE = re.compile(r"[ \t]*By[ \t]+(?P<value>[A-Z][^\n]{1,60}?)[ \t]*(?:\n|\Z)")
_URL_LABELS = frozenset({"原文链接", "原文鏈接", "原文地址", "原文网址", "原文網址", "链接", "鏈接", "网址", "網址", "url", "link",
                         "original"})
_SOURCE_LABELS_EN = frozenset({"source"})
_AUTHOR_LABELS_EN = frozenset({"author", "authors", "by"})
_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in names}
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?" \
         r"|Nov(?:ember)?|Dec(?:ember)?)\.?"
# An English date: "March 8, 2022", "Mar. 8, 2022", "8 March 2022" (a clock reading may follow).
_EN_DATE = re.compile(rf"(?:(?P<m1>{_MONTH})[ \t]+(?P<d1>\d{{1,2}}),?[ \t]+(?P<y1>\d{{4}})"
                      rf"|(?P<d2>\d{{1,2}})[ \t]+(?P<m2>{_MONTH})[ \t]+(?P<y2>\d{{4}}))"
                      r"(?P<clock>[ \t,]+\d{1,2}:\d{2}(?::\d{2})?)?", re.I)
_DATE_LABELS = frozenset({"日期", "时间", "時間", "发布时间", "發布時間", "发布日期", "發布日期", "发表时间", "發表時間",
                          "date", "published"})
# A bare date line: "2021-05-09 10:30", "2021/5/9", "2021年5月9日 10:30".
_DATE_LINE = re.compile(r"[ \t]*(?P<value>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:[ \tT]+\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
                        rf"|{_EN_DATE.pattern})[ \t]*(?:\n|\Z)", re.I)
_BLANK = re.compile(r"[ \t]*\n")
_MAX_META_LINES = 6


def _iso_date(value: str) -> str:
    """An English date as ISO (``March 8, 2022`` -> ``2022-03-08``), for ``parse_datetime``; others as they are."""
    m = _EN_DATE.fullmatch(value.strip())
    if not m:
        return value
    month = _MONTHS[(m.group("m1") or m.group("m2")).rstrip(".").lower()]
    day, year = m.group("d1") or m.group("d2"), m.group("y1") or m.group("y2")
    return f"{year}-{month:02d}-{int(day):02d}" + (f" {m.group('clock').strip(' ,')}" if m.group("clock") else "")


def detect(text: str) -> bool:
    return bool(text.strip())


def _text_header(text: str) -> tuple[str, list[str], str | None, int, dict[str, list[str]]] | None:
    """(title, the header's lines left for the block rules, its date text, where the body starts,
    the url/source/author values read here) of a text archive's header, or None when the first
    line is not a title by the shape above."""
    t = _TITLE_LINE.match(text)
    if not t or _SENTENCE_END.search(t.group("title")):
        return None
    pos, lines, date = t.end(), [], None
    meta: dict[str, list[str]] = {"url": [], "source": [], "authors": []}
    if (b := _BLANK.match(text, pos)) and b.end() > pos:
        pos = b.end()  # one blank line may stand under the title
    while len(lines) + (date is not None) + sum(map(len, meta.values())) < _MAX_META_LINES:
        if m := _META_LINE.match(text, pos):
            label = m.group("label").lower()
            if label in _DATE_LABELS and date is None:
                date = m.group("value")
            elif label in _URL_LABELS:
                meta["url"].append(m.group("value"))
            elif label in _SOURCE_LABELS_EN:
                meta["source"].append(m.group("value"))
            elif label in _AUTHOR_LABELS_EN:
                meta["authors"].extend(split_names(m.group("value")))
            else:
                lines.append(m.group(0).strip())
        elif (m := _DATE_LINE.match(text, pos)) and date is None:
            date = m.group("value")
        elif m := _BYLINE.match(text, pos):
            meta["authors"].extend(split_names(m.group("value")))
        else:
            break
        pos = m.end()
    if not lines and date is None and not any(meta.values()):
        return None
    return t.group("title").strip(), lines, date, pos, meta


def split(text: str) -> Envelope:
    body, fmt = body_html(text, inline_html=False)
    if fmt == "markdown":
        m = _LEADING_HEADING.match(text)
        if m and m.group("title").strip():
            body, _ = body_html(text[m.end():], inline_html=False)
            return Envelope(layout=NAME, body=body, title=m.group("title").strip(), rules_fired=["body:markdown"])
        return Envelope(layout=NAME, body=body, rules_fired=["body:markdown"])
    header = _text_header(text)
    if header is None:
        return Envelope(layout=NAME, body=body)
    title, lines, date, end, meta = header
    published = parse_datetime(_iso_date(date)) if date else None
    rest = paragraphs_html(text[end:])
    url = next((u for u in meta["url"] if u.startswith(("http://", "https://"))), None)
    return Envelope(layout=NAME, body=paragraphs_html("\n\n".join(lines)) + rest, title=title, published=published,
                    date_source="header_date" if published else None, url=url,
                    source_name=meta["source"][0] if meta["source"] else None,
                    authors=list(dict.fromkeys(meta["authors"])), rules_fired=["text:title_line"])
