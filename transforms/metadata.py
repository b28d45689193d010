"""Metadata helpers: timestamps, URL dates, tickers, people lists.

Times without an offset are China time (UTC+08:00) for these outlets; every
value leaves here timezone-aware and is converted to UTC by the pipeline.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
# Plausible publication window: anything outside is damage, not a date.
MIN_YEAR, MAX_YEAR = 1990, 2100

_ISO_LIKE = re.compile(
    r"^\s*(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:[T\s]+(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2})(?:\.\d+)?)?秒?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|UTC|GMT)?\s*$",
    re.I,
)


def make_datetime(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0,
                  tz: dt.tzinfo = CHINA_TZ, two_digit_year: bool = False) -> dt.datetime | None:
    """A validated aware datetime, or None for impossible or implausible values.

    Only a year *written* with two digits (``/gb/20/8/31/``) is read as 19xx/20xx;
    a four-digit ``0001`` is an implausible year, not 2001.
    """
    if two_digit_year and y < 100:
        y += 2000 if y < 70 else 1900
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return dt.datetime(y, m, d, hh, mm, ss, tzinfo=tz)
    except ValueError:
        return None


def _tz(text: str | None) -> dt.tzinfo | None:
    """The zone a timestamp names (China time when it names none); None for an impossible offset."""
    if not text:
        return CHINA_TZ
    if text.upper() in ("Z", "UTC", "GMT"):
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4])
    if minutes >= 60:
        return None
    try:
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    except ValueError:  # 24 hours or more
        return None


def parse_datetime(text: str | None) -> dt.datetime | None:
    """Parse the timestamp shapes these files use; None when it is not a date."""
    if not text:
        return None
    m = _ISO_LIKE.match(str(text)[:64])
    if not m:
        return None
    g = m.groupdict()
    tz = _tz(g["tz"])
    if tz is None:  # "+99:99": the clock reading cannot be placed in time, so it is no date
        return None
    return make_datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0),
                         int(g["S"] or 0), tz)


def date_from_match(m: re.Match[str], default_year: int | None = None) -> dt.datetime | None:
    """Build a datetime from a regex match with named groups y m d [H M S]."""
    g = {k: v for k, v in m.groupdict().items() if v}
    year = int(g["y"]) if "y" in g else default_year
    if year is None or "m" not in g or "d" not in g:
        return None
    return make_datetime(year, int(g["m"]), int(g["d"]), int(g.get("H", 0)), int(g.get("M", 0)), int(g.get("S", 0)),
                         two_digit_year=len(g.get("y", "")) <= 2 and "y" in g)


def date_from_url(url: str | None, patterns: Iterable[re.Pattern[str]]) -> dt.datetime | None:
    if not url:
        return None
    for p in patterns:
        m = p.search(url)
        if m:
            d = date_from_match(m)
            if d:
                return d
    return None


# Generic URL date shapes for outlets without a rule: /2020/08/23/, /20200823/, /2020-08-23/
GENERIC_URL_DATES: tuple[re.Pattern[str], ...] = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>[01]?\d)[/-](?P<d>[0-3]?\d)(?:/|\b)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:/|\b)"),
)

# Stock widgets name a market by Eastmoney's numeric prefix: 1.601169 -> 601169.SH.
_MARKETS = {"0": "SZ", "1": "SH", "116": "HK", "105": "US", "106": "US", "107": "US", "128": "HK", "153": "US"}
_WIDGET_CODE = re.compile(r"""(?:nid=|unify/r/)(?P<market>\d{1,3})\.(?P<code>[0-9A-Za-z_.]+?)(?=[&"'\s|<]|$)""")
_DATA_CODE = re.compile(r"""data-code=["'](?P<code>[0-9A-Za-z_]+)\|(?P<market>\d{1,3})\|""")


def tickers_from_widget(html: str) -> list[str]:
    """Stock codes named by an Eastmoney stock widget, as ``CODE.MARKET``."""
    found: list[str] = []
    for m in list(_DATA_CODE.finditer(html)) + list(_WIDGET_CODE.finditer(html)):
        market = _MARKETS.get(m.group("market"))
        if market:
            t = f"{m.group('code').upper()}.{market}"
            if t not in found:
                found.append(t)
    return found


_NAME_SPLIT = re.compile(r"[、，,/／;；\s]+|(?<=[\u4e00-\u9fff])和(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])及(?=[\u4e00-\u9fff])")


def split_names(text: str) -> list[str]:
    """Split a credit like ``陈洁、李珊珊、周天`` into names."""
    return [n.strip("：:()（）[]【】 ") for n in _NAME_SPLIT.split(text) if n.strip("：:()（）[]【】 ")]


def merge_unique(*lists: Iterable[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        for x in items:
            if x and x not in out:
                out.append(x)
    return out
