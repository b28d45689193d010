"""What every layout hands on: the :class:`Envelope` of one raw file."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from transforms.records import Image


@dataclass
class Envelope:
    """Header metadata and body of one file, before any cleaning of the body.

    ``body`` is HTML (possibly with Markdown residue the layout has already
    stripped); ``published`` holds an explicit timestamp from the header, if any.
    """

    layout: str
    body: str
    title: str | None = None
    url: str | None = None
    share_url: str | None = None
    published: dt.datetime | None = None
    date_source: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)  # a record's own editor field (JSON records)
    # Publisher evidence of the header: og:site_name, a source name, a site suffix cut off the title.
    site_name: str | None = None
    source_name: str | None = None
    title_suffix: str | None = None
    rules_fired: list[str] = field(default_factory=list)
