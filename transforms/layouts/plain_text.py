"""Last resort: a file with no recognisable header; its body is Markdown or blank-line paragraphs.

A Markdown file that opens with a heading (``# 标题``) names itself by it, as Markdown
documents do; plain text never has a title here (its first line may be a sentence).
"""
from __future__ import annotations

import re

from transforms.body_format import body_html
from transforms.layouts.base import Envelope

NAME = "text"
_LEADING_HEADING = re.compile(r"\A\s*#{1,6}[ \t]+(?P<title>[^\n]*?)[ \t#]*(?:\n|\Z)")


def detect(text: str) -> bool:
    return bool(text.strip())


def split(text: str) -> Envelope:
    body, fmt = body_html(text, inline_html=False)
    if fmt != "markdown":
        return Envelope(layout=NAME, body=body)
    title = None
    m = _LEADING_HEADING.match(text)
    if m and m.group("title").strip():
        title = m.group("title").strip()
        body, _ = body_html(text[m.end():], inline_html=False)
    return Envelope(layout=NAME, body=body, title=title, rules_fired=["body:markdown"])
