"""Last resort: text with no recognisable header; paragraphs are blank-line runs."""
from __future__ import annotations

import html
import re

from transforms.layouts.base import Envelope

NAME = "text"
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_BLOCK_TAG = re.compile(r"<(?:p|div|br|h[1-6]|ul|ol|li|table|blockquote|section|article|figure|pre|hr)\b", re.I)


def detect(text: str) -> bool:
    return bool(text.strip())


def paragraphs_html(text: str, escape: bool = True) -> str:
    """Blank-line runs as ``<p>`` elements; the text escaped unless it may hold inline HTML of its own
    (a post body's ``<img>``, ``<a>``, ``<figcaption>``, which must stay markup)."""
    paragraphs = [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]
    return "".join(f"<p>{html.escape(p) if escape else p}</p>" for p in paragraphs)


def has_block_markup(body: str) -> bool:
    """Whether a body holds HTML block elements; one without any is text whose paragraphs are blank-line runs."""
    return bool(_BLOCK_TAG.search(body))


def split(text: str) -> Envelope:
    return Envelope(layout=NAME, body=paragraphs_html(text))
