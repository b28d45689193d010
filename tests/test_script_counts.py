"""The script counts behind quality flags and the language tag: one table lookup
per character, checked against the regexes they replaced."""
from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_properties import PROFILE
from transforms import quality
from transforms.records import Record

_REF = {
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "kana": re.compile(r"[\u3040-\u30ff]"),
    "hangul": re.compile(r"[\uac00-\ud7af]"),
    "latin": re.compile(r"[A-Za-z]"),
    "traditional": re.compile(r"[們這個來說時會為國對於與後學經發開關這還過進們們實體點當處網頁電話導報聞際產]"),
    "simplified": re.compile(r"[们这个来说时会为国对于与后学经发开关还过进实体点当处网页电话导报闻际产]"),
}


def _ref_language(text: str) -> str:
    """The regex implementation quality.language_of replaced."""
    s = text[:5000]
    n = {k: len(p.findall(s)) for k, p in _REF.items()}
    if n["kana"] > 20:
        return "ja"
    if n["hangul"] > 20:
        return "ko"
    if n["han"] >= 10 and n["han"] >= n["latin"] / 4:
        return "zh-Hant" if n["traditional"] > n["simplified"] else "zh-Hans"
    return "en" if n["latin"] >= 20 else "und"


_SCRIPTS = st.sampled_from([
    "們這個來說時會為國對於與後學經", "们这个来说时会为国对于与后学经", "中文新闻报道", "ひらがなカタカナ", "한국어뉴스",
    "English words", "Ünïcödé", "0123 ,.!", "\U00020000\U0001F4F0", "\ud800", "\uffff\uf900\ufaff\u3400\u4dbf\u9fff",
    "\u303f\u3040\u30ff\u3100\uabff\uac00\ud7af\ud7b0", "\x00\n\t",
])


@settings(PROFILE)
@given(st.lists(st.tuples(_SCRIPTS, st.integers(1, 400)), max_size=12), st.integers(0, 6000))
def test_script_counts_language_and_flags_match_the_regexes(parts: list[tuple[str, int]], cut: int) -> None:
    text = "".join(s * n for s, n in parts)[:cut + 5000]
    counts = quality.script_counts(text)
    assert counts._asdict() == {k: len(p.findall(text[:5000])) for k, p in _REF.items()}
    assert quality.language_of(text) == _ref_language(text)
    record = Record("d", "p", "s", 1, "jekyll", None, "t", None, None, "pub", "u", text=text)
    flags, language = quality.assess(record, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert language == _ref_language(text)
    han, latin = counts.han, counts.latin
    assert ("mostly_non_cjk" in flags) == bool(text and han < (han + latin) / 2)
    assert flags == quality.quality_flags(record, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


