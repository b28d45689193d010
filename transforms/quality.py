"""Quality flags and a language tag for a clean record. Flags never drop a record:
downstream users filter on them.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from transforms.records import Record

SHORT_TEXT_CHARS = 80
EARLIEST_PLAUSIBLE = dt.datetime(1995, 1, 1, tzinfo=dt.UTC)
# Only the first SAMPLE_CHARS characters of a text are counted.
SAMPLE_CHARS = 5000
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_KANA_RANGE = (0x3040, 0x30FF)
_HANGUL_RANGE = (0xAC00, 0xD7AF)
_LATIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Characters that exist only in traditional script (a small, frequent sample).
_TRADITIONAL = "們這個來說時會為國對於與後學經發開關這還過進們們實體點當處網頁電話導報聞際產"
_SIMPLIFIED = "们这个来说时会为国对于与后学经发开关还过进实体点当处网页电话导报闻际产"

# One class byte per BMP code point, a bit per script; code points above the BMP
# (and lone surrogates) belong to none of them. Counting is then one table lookup
# and one bincount over the sample instead of a regex pass per script.
_HAN, _KANA, _HANGUL, _LAT, _TRAD, _SIMP = 1, 2, 4, 8, 16, 32
_CLASS = np.zeros(0x10000, dtype=np.uint8)
for _lo, _hi in _HAN_RANGES:
    _CLASS[_lo:_hi + 1] |= _HAN
_CLASS[_KANA_RANGE[0]:_KANA_RANGE[1] + 1] |= _KANA
_CLASS[_HANGUL_RANGE[0]:_HANGUL_RANGE[1] + 1] |= _HANGUL
for _bit, _chars in ((_LAT, _LATIN), (_TRAD, _TRADITIONAL), (_SIMP, _SIMPLIFIED)):
    _CLASS[[ord(c) for c in set(_chars)]] |= _bit
del _lo, _hi, _bit, _chars


class ScriptCounts(NamedTuple):
    """Characters of each script in the first SAMPLE_CHARS characters of a text."""

    han: int
    kana: int
    hangul: int
    latin: int
    traditional: int  # of the traditional-only sample characters (all Han)
    simplified: int  # of the simplified-only sample characters (all Han)


def script_counts(text: str) -> ScriptCounts:
    sample = text[:SAMPLE_CHARS]
    if not sample:
        return ScriptCounts(0, 0, 0, 0, 0, 0)
    cp = np.frombuffer(sample.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # above the BMP everything lands on U+FFFF, a noncharacter of no class
    n = np.bincount(_CLASS[np.minimum(cp, 0xFFFF)], minlength=64).tolist()
    return ScriptCounts(han=n[_HAN] + n[_HAN | _TRAD] + n[_HAN | _SIMP], kana=n[_KANA], hangul=n[_HANGUL],
                        latin=n[_LAT], traditional=n[_HAN | _TRAD], simplified=n[_HAN | _SIMP])


def language_of(text: str, counts: ScriptCounts | None = None) -> str:
    """``zh-Hans``, ``zh-Hant``, ``ja``, ``ko``, ``en`` or ``und``, by script counts."""
    c = counts if counts is not None else script_counts(text)
    if c.kana > 20:
        return "ja"
    if c.hangul > 20:
        return "ko"
    if c.han >= 10 and c.han >= c.latin / 4:
        return "zh-Hant" if c.traditional > c.simplified else "zh-Hans"
    if c.latin >= 20:
        return "en"
    return "und"


def quality_flags(record: Record, now: dt.datetime, counts: ScriptCounts | None = None) -> list[str]:
    """Flags for records a careful user may want to filter out."""
    flags: list[str] = []
    text = record.text
    if not text:
        flags.append("empty_text")
    elif len(text) < SHORT_TEXT_CHARS:
        flags.append("short_text")
    if record.published_at is None:
        flags.append("no_date")
    elif not EARLIEST_PLAUSIBLE <= record.published_at <= now + dt.timedelta(days=1):
        flags.append("date_out_of_range")
    if not record.title:
        flags.append("no_title")
    if not record.url:
        flags.append("no_url")
    if not record.publisher:
        flags.append("no_publisher")
    if text:
        c = counts if counts is not None else script_counts(text)
        if c.han < (c.han + c.latin) / 2:
            flags.append("mostly_non_cjk")
    if "fallback_extractor" in record.rules_fired or record.layout in ("html", "text"):
        flags.append("fallback_extractor")
    if "publisher:domain" in record.rules_fired:  # nothing named the outlet: a bare domain stands in
        flags.append("publisher_from_domain")
    return flags


def assess(record: Record, now: dt.datetime) -> tuple[list[str], str]:
    """``(quality_flags(record, now), language_of(record.text))``, counting the scripts once."""
    counts = script_counts(record.text)
    return quality_flags(record, now, counts), language_of(record.text, counts)
