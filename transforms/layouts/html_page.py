"""Fallback for a whole HTML page of an unknown layout: metadata from ``<head>``."""
from __future__ import annotations

import re

from transforms.layouts.base import Envelope
from transforms.metadata import parse_datetime

NAME = "html"
_LOOKS_HTML = re.compile(r"<(?:html|head|body|article|div|p|section|main)\b", re.I)
_META = re.compile(r"<meta\s+[^>]*>", re.I)
_ATTR = re.compile(r"""(\w[\w:-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_TITLE = re.compile(r"<title[^>]*>(?P<t>.*?)</title>", re.I | re.S)
_CANONICAL = re.compile(r"""<link\s+[^>]*rel=["']canonical["'][^>]*>""", re.I)
_TITLE_SUFFIX = re.compile(r"\s*[|｜_–—-]\s*[^|｜_–—-]{1,30}$")
_DATE_KEYS = ("article:published_time", "og:published_time", "pubdate", "publishdate", "date", "dc.date", "datepublished")


def detect(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text[:20000]))


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(tag)}


def split(text: str) -> Envelope:
    meta: dict[str, str] = {}
    for tag in _META.findall(text[:200000]):
        a = _attrs(tag)
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        if key and "content" in a:
            meta.setdefault(key, a["content"])
    title = meta.get("og:title")
    if not title:
        t = _TITLE.search(text[:200000])
        title = _TITLE_SUFFIX.sub("", t.group("t")) if t else None
    url = meta.get("og:url")
    if not url:
        c = _CANONICAL.search(text[:200000])
        url = _attrs(c.group(0)).get("href") if c else None
    published = None
    for key in _DATE_KEYS:
        if meta.get(key):
            published = parse_datetime(meta[key])
            if published:
                break
    return Envelope(layout=NAME, body=text, title=title, url=url, published=published,
                    date_source="meta" if published else None)
