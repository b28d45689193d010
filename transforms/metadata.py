"""Metadata helpers: timestamps, URL dates, tickers, people lists.

Times without an offset are in the general table's default zone (China time,
UTC+08:00, for these corpora); every value leaves here timezone-aware and is
converted to UTC by the pipeline.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterable

from transforms.general_rules import Widget, default_tz, numeral

DEFAULT_TZ = default_tz()
# Plausible publication window: anything outside is damage, not a date.
MIN_YEAR, MAX_YEAR = 1990, 2100

_ISO_LIKE = re.compile(
    r"^\s*(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:[T\s]+(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2})(?:\.\d+)?)?秒?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|UTC|GMT)?\s*$",
    re.I,
)

# Weekday optional, then day, English month, year and clock: the RFC 2822 shape.
_RFC2822_SHAPE = re.compile(
    r"^\s*(?:[A-Z][a-z]{2},?\s+)?\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{4}\s+\d{1,2}:\d{2}")


def make_datetime(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0,
                  tz: dt.tzinfo = DEFAULT_TZ, two_digit_year: bool = False) -> dt.datetime | None:
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
        return DEFAULT_TZ
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


def _rfc2822(text: str) -> dt.datetime | None:
    """``Sun, 28 Jun 2020 12:53:23 +0000`` (feeds and mail); None when it is not one."""
    if not _RFC2822_SHAPE.match(text):
        return None
    try:
        t = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if t is None:
        return None
    if t.tzinfo is None:  # "-0000": the zone is unknown; the general table's default stands
        t = t.replace(tzinfo=DEFAULT_TZ)
    return t if MIN_YEAR <= t.year <= MAX_YEAR else None


def epoch_datetime(value: int | float | str) -> dt.datetime | None:
    """Epoch seconds, or milliseconds when that large (feed comments, scripts, scrapers' records);
    None outside 1990..2100, where an epoch is damage, not a date."""
    try:
        epoch = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    seconds = epoch / 1000 if epoch > 10**11 else epoch
    if 631152000 <= seconds <= 4102444800:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    return None


def parse_datetime(text: str | None) -> dt.datetime | None:
    """Parse the timestamp shapes these files use (ISO-like, Chinese, RFC 2822); None when it is not a date."""
    if not text:
        return None
    m = _ISO_LIKE.match(str(text)[:64])
    if not m:
        return _rfc2822(str(text)[:64])
    g = m.groupdict()
    tz = _tz(g["tz"])
    if tz is None:  # "+99:99": the clock reading cannot be placed in time, so it is no date
        return None
    return make_datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0),
                         int(g["S"] or 0), tz)


_DATE_GROUPS = frozenset("ymdHMS")


def date_from_match(m: re.Match[str], default_year: int | None = None) -> dt.datetime | None:
    """Build a datetime from a regex match with named groups y m d [H M S].

    The numerals may be ASCII, full-width or Chinese (``二〇二〇年九月九日``).
    """
    g: dict[str, int] = {}
    for k, v in m.groupdict().items():
        if v and k in _DATE_GROUPS:
            n = numeral(v)
            if n is None:
                return None
            g[k] = n
    year = g.get("y", default_year)
    if year is None or "m" not in g or "d" not in g:
        return None
    return make_datetime(year, g["m"], g["d"], g.get("H", 0), g.get("M", 0), g.get("S", 0),
                         two_digit_year="y" in g and len(m.group("y").strip()) <= 2)


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


def tickers_from_widget(widget: Widget, html: str) -> list[str]:
    """Stock codes named by a stock widget (its table's ``codes`` and ``markets``), as ``CODE.MARKET``."""
    found: list[str] = []
    for m in [m for p in widget.codes for m in p.finditer(html)]:
        market = widget.markets.get(m.group("market"))
        if market:
            t = f"{m.group('code').upper()}.{market}"
            if t not in found:
                found.append(t)
    return found


_PAIRS = {")": "(", "）": "（", "]": "[", "】": "【", "}": "{"}
_URL_TRAILING = "。，,.;；:：!！?？、"
_BRACKETS = re.compile(r"[()（）\[\]【】{}]")


def url_as_written(candidate: str) -> str:
    """A URL cut out of running text, exactly as written: non-ASCII characters and brackets it
    opens itself (``…/某标题（图）-123456.html``) stay; a closing bracket it never opened, and
    sentence punctuation after it, belong to the text around it."""
    if not _BRACKETS.search(candidate):  # nearly every URL: nothing to balance
        return candidate.rstrip(_URL_TRAILING)
    depth: dict[str, int] = {}
    for i, ch in enumerate(candidate):
        if ch in "(（[【{":
            depth[ch] = depth.get(ch, 0) + 1
        elif ch in _PAIRS:
            opener = _PAIRS[ch]
            if not depth.get(opener):
                candidate = candidate[:i]
                break
            depth[opener] -= 1
    return candidate.rstrip(_URL_TRAILING)


_NAME_SPLIT = re.compile(r"[、，,/／;；\s]+|(?<=[\u4e00-\u9fff])和(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])及(?=[\u4e00-\u9fff])")


# Latin names keep their inner spaces ("Jane Doe"): they are split at commas, "and", "&" and slashes.
_LATIN_NAME_SPLIT = re.compile(r"\s*(?:[、，,/／;；&|｜]|\band\b)\s*")
_LATIN_NAMES = re.compile(r"^[A-Za-z][A-Za-z.'’ -]*(?:\s*(?:[,，;；&/]|\band\b)\s*[A-Za-z][A-Za-z.'’ -]*)*$")


def split_names(text: str) -> list[str]:
    """Split a credit like ``陈洁、李珊珊、周天`` (or ``Jane Doe and John Roe``) into names."""
    parts = _LATIN_NAME_SPLIT.split(text.strip()) if _LATIN_NAMES.match(text.strip()) else _NAME_SPLIT.split(text)
    return [n.strip("：:()（）[]【】 ") for n in parts if n.strip("：:()（）[]【】 ")]


def merge_unique(*lists: Iterable[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        for x in items:
            if x and x not in out:
                out.append(x)
    return out
