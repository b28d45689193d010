"""Last resort: a file with no recognisable header; its body is Markdown or blank-line paragraphs.

Two ways such a file still names itself, both by shape:

- a Markdown file that opens with a heading (``# 标题``), as Markdown documents do;
- a text file whose first line is short, ends without a sentence's punctuation and is
  followed by labelled lines (``来源：X``, ``作者：A``, ``日期：…``) or a bare date line
  (``2021-05-09 10:30``, ``2021年5月9日``): the title line of a text archive. Its date line
  gives ``published``; its source and credit lines stay as blocks of their own, for the
  block rules that read them, as they would under any other header.

Any other first line may be a sentence, so plain text has no title otherwise.
"""
from __future__ import annotations

import re

from transforms.body_format import body_html, paragraphs_html
from transforms.layouts.base import Envelope
from transforms.metadata import parse_datetime

NAME = "text"
_LEADING_HEADING = re.compile(r"\A\s*#{1,6}[ \t]+(?P<title>[^\n]*?)[ \t#]*(?:\n|\Z)")
_TITLE_LINE = re.compile(r"\A\ufeff?\s*(?P<title>[^\s<#>\[|*!-][^\n]{1,80}?)[ \t]*\n")
_SENTENCE_END = re.compile(r"[。！？!?；;，,：:…]$|[。！？!?]”$")
# A labelled line of a text header: its label, then its value.
_META_LINE = re.compile(
    r"[ \t]*(?P<label>来源|來源|出处|出處|作者|记者|記者|文|编辑|編輯|责任编辑|責任編輯|责编|責編|日期|时间|時間|发布时间|發布時間"
    r"|发布日期|發布日期|发表时间|發表時間|Source|Author|By|Date|Published)[ \t]*[：:|｜][ \t]*(?P<value>[^\n]{1,80}?)[ \t]*(?:\n|\Z)",
    re.I)
_DATE_LABELS = frozenset({"日期", "时间", "時間", "发布时间", "發布時間", "发布日期", "發布日期", "发表时间", "發表時間",
                          "date", "published"})
# A bare date line: "2021-05-09 10:30", "2021/5/9", "2021年5月9日 10:30".
_DATE_LINE = re.compile(r"[ \t]*(?P<value>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:[ \tT]+\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?)"
                        r"[ \t]*(?:\n|\Z)")
_BLANK = re.compile(r"[ \t]*\n")
_MAX_META_LINES = 6


def detect(text: str) -> bool:
    return bool(text.strip())


def _text_header(text: str) -> tuple[str, list[str], str | None, int] | None:
    """(title, the header's other lines, its date text, where the body starts) of a text
    archive's header, or None when the first line is not a title by the shape above."""
    t = _TITLE_LINE.match(text)
    if not t or _SENTENCE_END.search(t.group("title")):
        return None
    pos, lines, date = t.end(), [], None
    if (b := _BLANK.match(text, pos)) and b.end() > pos:
        pos = b.end()  # one blank line may stand under the title
    while len(lines) + (date is not None) < _MAX_META_LINES:
        if m := _META_LINE.match(text, pos):
            if m.group("label").lower() in _DATE_LABELS and date is None:
                date = m.group("value")
            else:
                lines.append(m.group(0).strip())
        elif (m := _DATE_LINE.match(text, pos)) and date is None:
            date = m.group("value")
        else:
            break
        pos = m.end()
    if not lines and date is None:
        return None
    return t.group("title").strip(), lines, date, pos


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
    title, lines, date, end = header
    published = parse_datetime(date) if date else None
    rest = paragraphs_html(text[end:])
    return Envelope(layout=NAME, body=paragraphs_html("\n\n".join(lines)) + rest, title=title, published=published,
                    date_source="header_date" if published else None, rules_fired=["text:title_line"])
