"""One cleaned page reduced to what the profiler learns from.

The profiler reuses the pipeline's output (its paragraphs, metadata and the
trace of what the general rules removed) instead of parsing pages again, so a
profile costs one cleaning pass.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from transforms.records import Record

# og:site_name in either attribute order; only the head of the page is searched.
_SITE_NAME = (
    re.compile(rb"""<meta[^>]{0,200}?property\s*=\s*["']og:site_name["'][^>]{0,200}?content\s*=\s*["']([^"'<>]{1,80})""",
               re.I),
    re.compile(rb"""<meta[^>]{0,200}?content\s*=\s*["']([^"'<>]{1,80})["'][^>]{0,200}?property\s*=\s*["']og:site_name""",
               re.I),
)
_HEAD_BYTES = 65536


@dataclass(frozen=True, slots=True)
class Page:
    """A page as the pipeline cleaned it, plus the self-names it carries."""

    source_path: str
    layout: str
    site: str | None  # the table the pipeline used, if any
    title: str | None
    url: str | None
    publisher: str | None
    published_at: dt.datetime | None
    date_source: str | None
    authors: tuple[str, ...]
    paragraphs: tuple[str, ...]
    removed: tuple[tuple[str, str], ...]  # (rule, snippet) the rules took out
    site_name: str | None  # og:site_name

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def og_site_name(raw: bytes, encoding: str | None) -> str | None:
    """The ``og:site_name`` a page declares, decoded as the page was."""
    head = raw[:_HEAD_BYTES]
    if b"og:site_name" not in head:
        return None
    for pattern in _SITE_NAME:
        m = pattern.search(head)
        if m:
            try:
                name = m.group(1).decode(encoding or "utf-8", "replace").strip()
            except LookupError:
                name = m.group(1).decode("utf-8", "replace").strip()
            return name or None
    return None


def page_from_record(record: Record, removed: list[tuple[str, str]], raw: bytes = b"") -> Page:
    return Page(
        source_path=record.source_path, layout=record.layout, site=record.site, title=record.title, url=record.url,
        publisher=record.publisher, published_at=record.published_at, date_source=record.date_source,
        authors=tuple(record.authors),
        paragraphs=tuple(p for p in record.text.split("\n\n") if p), removed=tuple(removed),
        site_name=og_site_name(raw, record.encoding) if raw else None,
    )
