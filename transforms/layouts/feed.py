"""Feed-archive files: a feed-like header (see :mod:`transforms.layouts.header`: an
optional epoch comment, ``[title](url)`` or a plain title line, an underline, an
optional date line), then the item's body (HTML, Markdown or plain text).
"""
from __future__ import annotations

from transforms.layouts.base import Envelope
from transforms.layouts.header import read_header

NAME = "feed"
_KINDS = frozenset({"link", "plain"})


def detect(text: str) -> bool:
    return read_header(text, kinds=_KINDS) is not None


def split(text: str) -> Envelope:
    h = read_header(text, kinds=_KINDS)
    assert h is not None  # split is only called on what detect accepted
    return Envelope(
        layout=NAME,
        body=text[h.end:],
        title=h.title,
        url=h.url,
        published=h.published,
        date_source=h.date_source,
        rules_fired=[f"header:{h.title_kind}"] + (["header:date_line"] if h.date_source == "header_date" else []),
    )
