"""The two things a raw file can become: a :class:`Record` or a :class:`Reject`.

Plain dataclasses so that the transforms stay free of Arrow and Prefect; the
conversion to Arrow lives in :mod:`schemas`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Image:
    """An article image; QR codes, pixels and chart widgets never become one."""

    url: str
    caption: str | None = None


@dataclass
class Record:
    """A clean article, ready for the ``articles`` dataset."""

    doc_id: str
    source_path: str
    content_sha256: str
    size_bytes: int
    layout: str
    site: str | None
    title: str | None
    published_at: dt.datetime | None
    date_source: str | None
    publisher: str | None
    url: str | None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tickers: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    text: str = ""
    encoding: str | None = None
    rules_fired: list[str] = field(default_factory=list)
    # Set after cleaning, by the quality and dedup steps.
    quality_flags: list[str] = field(default_factory=list)
    language: str | None = None
    duplicate_of: str | None = None

    @property
    def text_chars(self) -> int:
        return len(self.text)


@dataclass
class Reject:
    """An input that is not an article, with a machine-readable reason code."""

    source_path: str
    content_sha256: str
    size_bytes: int
    reason: str
    detail: str


# Reason codes a Reject may carry; documented for users in the README and docs/reject_reasons.md.
REJECT_REASONS: dict[str, str] = {
    "empty": "the file has no bytes, or only whitespace, NULs or invisible characters",
    "binary": "the file is an image or other binary data, not text",
    "undecodable": "no text encoding decodes the bytes cleanly",
    "too_large": "the file is larger than the configured per-file limit",
    "unknown_layout": "the text is not a news article in any known layout",
    "no_content": "a known layout, but neither a title nor any body text",
    "read_error": "the file could not be read from storage",
    "symlink_outside_root": "a symbolic link whose target is outside the input root; it is never followed",
    "error": "an unexpected error while cleaning; the detail holds the traceback summary",
    "worker_crash": "cleaning the file killed its worker process each time it was tried (alone); the detail names "
                    "the signal, e.g. 'worker killed by SIGKILL'. The file is tried again by the next run",
}
