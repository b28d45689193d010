"""Feed-archive files: ``<!--epoch-ms-->``, ``[title](url)``, an underline, HTML."""
from __future__ import annotations

import datetime as dt
import re

from transforms.layouts.base import Envelope

NAME = "feed"
_HEAD = re.compile(
    r"\A\ufeff?\s*<!--\s*(?P<epoch>\d{9,13})\s*-->\s*\n\s*\[(?P<title>[^\n]*)\]"
    r"\((?P<url>(?:[^()\s]|\([^()\s]*\))*)\)[ \t]*\n[ \t]*[-=]{3,}[ \t]*\n?"  # a URL may hold balanced parentheses
)


def detect(text: str) -> bool:
    return bool(_HEAD.match(text))


def split(text: str) -> Envelope:
    m = _HEAD.match(text)
    epoch = int(m.group("epoch"))
    seconds = epoch / 1000 if epoch > 10**11 else epoch
    published = None
    # Epochs outside 1990..2100 are damage, not dates.
    if 631152000 <= seconds <= 4102444800:
        published = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    return Envelope(
        layout=NAME,
        body=text[m.end():],
        title=m.group("title"),
        url=m.group("url") or None,
        published=published,
        date_source="epoch_comment" if published else None,
    )
