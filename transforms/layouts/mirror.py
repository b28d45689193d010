"""Mirror pages: a feed-like header whose title is a ``###`` heading (see
:mod:`transforms.layouts.header`), Markdown navigation and promo
lines around the article HTML, a share/QR footer with the original URL.
"""
from __future__ import annotations

import re

from transforms.general_rules import general_rules
from transforms.layouts.base import Envelope
from transforms.layouts.header import read_header
from transforms.metadata import url_as_written
from transforms.sites import is_share_url

NAME = "mirror"
_KINDS = frozenset({"heading"})
# The original article: 原文地址（需翻墙访问）：URL / 原文链接：URL
_ORIGINAL = re.compile(r"原文(?:地址|链接|網址|链结|連結)[^：:\n]{0,12}[：:]\s*(?:<a[^>]*>)?\s*(?P<url>https?://[^\s<>'\"]+)")
# Start of the share footer (a mirror table's ``footer_texts``); everything after it belongs to
# the mirror, and so does an ``<hr>`` right before it. Found with ``str.find``: a pattern that opens
# with an optional group is tried at every position of the page, which cost more than the rest of the split.
_FOOTER_HR = re.compile(r"<hr\s*/?>")
# Markdown residue the mirror writes between HTML blocks: whole lines of headings or rules.
# The pattern is anchored on the newline before the line (a literal the regex engine scans
# for quickly) rather than on ``^`` in multiline mode (tried at every position); the first
# line, which has no newline before it, is matched on its own.
_MD_LINE_BODY = r"[ \t]*(?:#{1,6}[ \t][^\n]*|[-=*_]{3,}[ \t]*)(?=\n|\Z)"
_MD_FIRST_LINE = re.compile(_MD_LINE_BODY)
_MD_LINE = re.compile(r"\n" + _MD_LINE_BODY)


def detect(text: str) -> bool:
    return read_header(text, kinds=_KINDS) is not None


def _footer_start(rest: str) -> int | None:
    """Where the share footer starts: its first line, or an ``<hr>`` (and whitespace) right before it."""
    found = [i for i in (rest.find(t) for t in general_rules().footer_texts) if i != -1]
    if not found:
        return None
    start = min(found)
    end = start
    while end and rest[end - 1].isspace():
        end -= 1
    hr = rest.rfind("<", 0, end)
    if hr != -1 and _FOOTER_HR.fullmatch(rest, hr, end):
        return hr
    return start


def _strip_markdown_lines(rest: str) -> tuple[str, int]:
    """Empty every Markdown heading or rule line (the line break stays); the number emptied."""
    n = 0
    first = _MD_FIRST_LINE.match(rest)
    if first:
        rest, n = rest[first.end():], 1
    body, more = _MD_LINE.subn("\n", rest)
    return body, n + more


def split(text: str) -> Envelope:
    h = read_header(text, kinds=_KINDS)
    assert h is not None  # split is only called on what detect accepted
    rest = text[h.end:]
    rules: list[str] = []
    url = share = None
    for o in _ORIGINAL.finditer(rest):
        link = url_as_written(o.group("url"))
        if is_share_url(link):
            share = share or link
        elif url is None:
            url = link
    footer = _footer_start(rest)
    if footer is not None:
        rest = rest[:footer]
        rules.append("mirror:share_footer")
    body, n = _strip_markdown_lines(rest)
    if n:
        rules.append(f"mirror:markdown_lines×{n}")
    return Envelope(layout=NAME, body=body, title=h.title, url=url, share_url=share, published=h.published,
                    date_source=h.date_source, rules_fired=rules)
