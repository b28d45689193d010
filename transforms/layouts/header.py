"""One header grammar for feed-like files, read by shape rather than by generator.

Archive generators write the same header in many spellings::

    <!--1593348803000-->            an epoch comment (optional)
    [Title](https://example.org/a)  the title, as a link, a ``#`` heading or a plain line
    ------                          an underline (``-`` or ``=``)
    日期：Sun, 28 Jun 2020 12:53:23 +0000   a date line (optional; 时间/发布时间/Date/…)

The feed and mirror layouts, and the Jekyll layout after a front matter, all
read their header with :func:`read_header`, so a new generator that writes any
mix of these parts is recognised without a new layout. The date may be an epoch
(ms or s), RFC 2822, ISO 8601 or a Chinese form (``2020年6月28日 12:53``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from transforms.metadata import epoch_datetime, parse_datetime

_EPOCH = re.compile(r"\A\ufeff?\s*<!--\s*(?P<epoch>\d{9,13})\s*-->[ \t]*\n")
# The title line: a link (whose URL may hold balanced parentheses), a heading, or plain text that
# does not open like markup (a tag, a list, a quote, a table, front matter, an image).
_TITLE = re.compile(
    r"[ \t]*(?:\[(?P<ltitle>[^\n]*)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))*)\)"
    r"|(?P<hashes>#{1,4})[ \t]+(?P<htitle>[^\n]+?)[ \t#]*"
    r"|(?P<ptitle>[^\s<#\-=\[>*|!`+{}][^\n]{0,300}?))[ \t]*\n"
)
_UNDERLINE = re.compile(r"[ \t]*[-=]{3,}[ \t]*(?:\n|\Z)")
_BLANK = re.compile(r"[ \t]*\n")
# A labelled date line: "日期：…", "时间：…", "发布时间：…", "Date: …", "Published: …".
_DATE_LINE = re.compile(
    r"[ \t]*(?:[*_]{1,2})?(?:日期|时间|時間|发布时间|發佈時間|發布時間|发布日期|發佈日期|发表时间|發表時間|更新时间|更新時間"
    r"|Date|Published|Posted|Pubdate|pubDate)(?:[*_]{1,2})?[ \t]*[：:][ \t]*(?P<value>[^\n]{6,80}?)[ \t]*(?:\n|\Z)",
    re.I,
)
# A title line this long is a paragraph, not a title.
_MAX_TITLE = 200


@dataclass
class Header:
    """What a feed-like header gave: its parts and where the body starts."""

    title: str
    title_kind: str  # "link", "heading" or "plain"
    url: str | None
    published: dt.datetime | None
    date_source: str | None
    end: int


def _date_lines(text: str, pos: int) -> tuple[dt.datetime | None, int]:
    """A labelled date line at ``pos`` (blank lines before it skipped): its date and the end."""
    probe = pos
    while (b := _BLANK.match(text, probe)) and b.end() > probe:
        probe = b.end()
    m = _DATE_LINE.match(text, probe)
    if not m:
        return None, pos
    return parse_datetime(m.group("value")), m.end()


def read_header(text: str, *, kinds: frozenset[str] = frozenset({"link", "heading", "plain"})) -> Header | None:
    """The header at the start of ``text`` if it has the shape above, else None.

    A title line and an underline are required (the underline is what tells a
    header from a paragraph); ``kinds`` narrows the title forms accepted.
    """
    pos = 0
    published: dt.datetime | None = None
    source: str | None = None
    e = _EPOCH.match(text)
    if e:
        pos = e.end()
        published = epoch_datetime(e.group("epoch"))
        source = "epoch_comment" if published else None
    elif text.startswith("\ufeff"):
        pos = 1
    while (b := _BLANK.match(text, pos)) and b.end() > pos:
        pos = b.end()
    t = _TITLE.match(text, pos)
    if not t:
        return None
    if t.group("ltitle") is not None:
        kind, title, url = "link", t.group("ltitle"), t.group("url") or None
    elif t.group("hashes"):
        kind, title, url = "heading", t.group("htitle"), None
    else:
        kind, title, url = "plain", t.group("ptitle"), None
    if kind not in kinds or len(title) > _MAX_TITLE:
        return None
    pos = t.end()
    # A date may also stand between the title and its underline.
    before, after_date = _date_lines(text, pos)
    if before is not None and _UNDERLINE.match(text, after_date):
        pos = after_date
    u = _UNDERLINE.match(text, pos)
    if not u:
        return None
    pos = u.end()
    after, pos = _date_lines(text, pos)  # a labelled line is the header's even when its value is no date
    line_date = before or after
    if published is None and line_date is not None:
        published, source = line_date, "header_date"
    return Header(title=title.strip(), title_kind=kind, url=url, published=published, date_source=source, end=pos)
