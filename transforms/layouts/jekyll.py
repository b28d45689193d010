"""Jekyll posts (the finance mirror): YAML front matter, HTML body, link footer.

Front matter is parsed by python-frontmatter with ``yaml.SafeLoader`` only, so a
hostile ``!!python/object`` tag is an error, never an executed constructor.
"""
from __future__ import annotations

import datetime as dt
import re

import frontmatter
import yaml

from transforms.layouts.base import Envelope
from transforms.metadata import parse_datetime
from transforms.sites import is_share_url

NAME = "jekyll"
_OPEN = re.compile(r"\A\ufeff?\s*---[ \t]*\n")
_CLOSE = re.compile(r"^---[ \t]*$", re.M)
_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$", re.M)
# Footer lines: <http://...> autolinks and [返回…](…)｜[返回首页](…) navigation.
_AUTOLINK = re.compile(r"^[ \t]*<(?P<url>https?://[^>\s]+)>[ \t]*$", re.M)
_BACK_LINKS = re.compile(r"^[ \t]*\[返回[^\]]*\]\([^)]*\).*$", re.M)


def detect(text: str) -> bool:
    if not _OPEN.match(text):
        return False
    rest = text[_OPEN.match(text).end():]
    return bool(_CLOSE.search(rest)) and bool(_KEY_LINE.search(rest[: _CLOSE.search(rest).start()]))


def _load_front_matter(text: str, rules: list[str]) -> tuple[dict, str]:
    """Parse the header safely; fall back to ``key: value`` lines when YAML fails."""
    handler = frontmatter.YAMLHandler()
    try:
        fm, content = handler.split(text.lstrip("\ufeff"))
        data = yaml.load(fm, Loader=yaml.SafeLoader)
        if not isinstance(data, dict):
            raise yaml.YAMLError("front matter is not a mapping")
        return data, content
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        rules.append(f"front_matter_invalid:{type(exc).__name__}")
        m = _OPEN.match(text)
        rest = text[m.end():]
        close = _CLOSE.search(rest)
        header, content = rest[: close.start()], rest[close.end():]
        data = {k.group("key"): k.group("value").strip().strip("'\"") for k in _KEY_LINE.finditer(header)}
        return data, content


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [v for v in str(value).split() if v]


def _as_title(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    if value is None:
        return None
    return parse_datetime(str(value))


def split(text: str) -> Envelope:
    rules: list[str] = []
    data, content = _load_front_matter(text, rules)
    url = share = None
    for m in _AUTOLINK.finditer(content):
        link = m.group("url")
        if is_share_url(link):
            share = share or link
        else:
            url = url or link
    body = _BACK_LINKS.sub("", _AUTOLINK.sub("", content))
    published = _as_datetime(data.get("date"))
    return Envelope(
        layout=NAME,
        body=body,
        title=_as_title(data.get("title")),
        url=url,
        share_url=share,
        published=published,
        date_source="front_matter" if published else None,
        categories=_as_list(data.get("categories") or data.get("category")),
        tags=_as_list(data.get("tags") or data.get("tag")),
        rules_fired=rules,
    )
