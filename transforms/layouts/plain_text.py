"""Last resort: text with no recognisable header; paragraphs are blank-line runs."""
from __future__ import annotations

import html

from transforms.layouts.base import Envelope

NAME = "text"


def detect(text: str) -> bool:
    return bool(text.strip())


def split(text: str) -> Envelope:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return Envelope(layout=NAME, body=body)
