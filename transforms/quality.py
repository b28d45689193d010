"""Quality flags and a language tag for a clean record. Flags never drop a record:
downstream users filter on them.
"""
from __future__ import annotations

import datetime as dt
import re

from transforms.records import Record

SHORT_TEXT_CHARS = 80
EARLIEST_PLAUSIBLE = dt.datetime(1995, 1, 1, tzinfo=dt.UTC)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")
# Characters that exist only in traditional script (a small, frequent sample).
_TRADITIONAL = re.compile(r"[們這個來說時會為國對於與後學經發開關這還過進們們實體點當處網頁電話導報聞際產]")
_SIMPLIFIED = re.compile(r"[们这个来说时会为国对于与后学经发开关还过进实体点当处网页电话导报闻际产]")


def language_of(text: str) -> str:
    """``zh-Hans``, ``zh-Hant``, ``ja``, ``ko``, ``en`` or ``und``, by script counts."""
    sample = text[:5000]
    han, latin = len(_HAN.findall(sample)), len(_LATIN.findall(sample))
    if len(_KANA.findall(sample)) > 20:
        return "ja"
    if len(_HANGUL.findall(sample)) > 20:
        return "ko"
    if han >= 10 and han >= latin / 4:
        trad, simp = len(_TRADITIONAL.findall(sample)), len(_SIMPLIFIED.findall(sample))
        return "zh-Hant" if trad > simp else "zh-Hans"
    if latin >= 20:
        return "en"
    return "und"


def quality_flags(record: Record, now: dt.datetime) -> list[str]:
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
        han, latin = len(_HAN.findall(text[:5000])), len(_LATIN.findall(text[:5000]))
        if han < (han + latin) / 2:
            flags.append("mostly_non_cjk")
    if "fallback_extractor" in record.rules_fired or record.layout in ("html", "text"):
        flags.append("fallback_extractor")
    return flags
