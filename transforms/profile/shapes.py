"""Text generalised into shapes and patterns: digits and dates become classes,
and a set of similar strings (bylines naming different people) becomes their
common prefix and suffix around a gap.

A shape is for people (``【<n>年<n>月<n>日】``); a pattern is a regex for a site
table, built from the same pieces so that the two always agree.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

DIGITS = re.compile(r"\d+")
# Chinese numerals written in a date: 二〇二〇年, 十二月, 二十三日.
_CN_DATE_NUMBER = re.compile(r"[〇零一二三四五六七八九十两廿卅]+(?=[年月日号])")
NUM, CN_NUM, GAP = "<n>", "<cn>", "…"
# Where a page's first or last block carries a convention: a bracketed lead or tail.
_LEAD = re.compile(r"^(?:【[^【】]{1,60}】|\[[^\[\]]{1,60}\]|〔[^〔〕]{1,60}〕|[(（](?:[^()（）]|[(（][^()（）]{1,30}[)）]){1,80}[)）])")
_TAIL = re.compile(r"(?:【[^【】]{1,60}】|[(（](?:[^()（）]|[(（][^()（）]{1,30}[)）]){1,80}[)）])$")
# A lead that runs to a dash: "某社华盛顿10月5日电 —", "美国之音2020年10月5日 -".
_DASH_LEAD = re.compile(r"^[^。！？!?，,]{1,30}?\d{1,2}\s*月\s*\d{1,2}\s*日[^。！？!?，,]{0,6}?\s*[-－—–]+")
SHORT_BLOCK = 40
# A time zone between the name and the date ("…北京时间2020年…", "…美東時間…") is not part of the name.
_TIME_WORDS = re.compile(r"(?<=\w{2})\w{2}(?:时间|時間)$")


def generalise(text: str) -> str:
    """Digits and date numerals as classes: ``【示例晚报2021年3月4日讯】`` -> ``【示例晚报<n>年<n>月<n>日讯】``."""
    return _CN_DATE_NUMBER.sub(CN_NUM, DIGITS.sub(NUM, text))


def digit_key(text: str) -> str:
    """The key under which blocks count as the same: digits normalised, spacing ignored."""
    return re.sub(r"\s+", " ", DIGITS.sub("0", text)).strip()


def exact_pattern(text: str) -> str:
    """A regex matching exactly ``text`` with any digits where it has digits."""
    parts = DIGITS.split(text.strip())
    return "^" + r"\d+".join(re.escape(p).replace("\\ ", " ") for p in parts) + "$"


def leads_of(paragraph: str) -> list[str]:
    """The parts of a first block that may be conventions: up to two bracketed leads in a row
    (``【dateline】（credit）``), a lead up to a dash, or the whole block when it is short."""
    out: list[str] = []
    rest = paragraph
    while len(out) < 2:
        m = _LEAD.match(rest) or (None if out else _DASH_LEAD.match(rest))
        if not m:
            break
        out.append(m.group(0).strip())
        rest = rest[m.end():].lstrip()
    if not out and len(paragraph) <= SHORT_BLOCK:
        out.append(paragraph)
    return out


def tail_of(paragraph: str) -> str | None:
    """The part of a last block that may be a convention: a bracketed tail or a short block."""
    if len(paragraph) <= SHORT_BLOCK:
        return paragraph
    m = _TAIL.search(paragraph)
    return m.group(0).strip() if m else None


def common_prefix(items: Iterable[str]) -> str:
    items = list(items)
    if not items:
        return ""
    lo, hi = min(items), max(items)
    n = 0
    while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
        n += 1
    return lo[:n]


def common_suffix(items: Iterable[str]) -> str:
    return common_prefix(s[::-1] for s in items)[::-1]


def affix_key(shape: str, head: int = 4, tail: int = 3) -> str | None:
    """A coarse key for shapes that differ in the middle (a name): the first and last few characters."""
    if len(shape) < head + tail + 1:
        return None
    return shape[:head] + GAP + shape[-tail:]


def merge_affixes(shapes: list[str]) -> str:
    """``（示例晚报记者张三报导）`` and ``（示例晚报记者李四报导）`` -> ``（示例晚报记者…报导）``."""
    pre = common_prefix(shapes)
    suf = common_suffix(s[len(pre):] for s in shapes)
    if pre + suf in shapes and len(set(shapes)) == 1:
        return pre
    return pre + GAP + suf


def _date_regex(shape: str) -> str | None:
    """The named-group date part for a generalised date in a shape (the groups ``date_from_match`` reads)."""
    if re.search(re.escape(NUM) + r"\s*年\s*" + re.escape(NUM) + r"\s*月\s*" + re.escape(NUM) + r"\s*日", shape):
        return r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?"
    if re.search(re.escape(NUM) + r"\s*月\s*" + re.escape(NUM) + r"\s*日", shape):
        return r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?"
    if re.search(re.escape(NUM) + r"[-/.]" + re.escape(NUM) + r"[-/.]" + re.escape(NUM), shape):
        return r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    return None


def dateline_name(shape: str) -> str | None:
    """The name a dated lead carries before its date: ``【示例晚报<n>年…】`` -> ``示例晚报``."""
    inner = shape.lstrip("【[〔")
    cut = min((i for i in (inner.find(NUM), inner.find(CN_NUM)) if i >= 0), default=-1)
    if cut <= 0:
        return None
    name = _TIME_WORDS.sub("", inner[:cut].strip())
    return name if re.fullmatch(r"[\w·・\s]{2,20}", name) else None


def dateline_regex(name: str, shape: str) -> str | None:
    """A dateline pattern for leads of ``shape`` naming ``name``, or None when the date cannot be read.

    Bracketed: ``^【NAME…DATE…】``; run to a dash: ``^NAME…DATE… —``. Only Arabic numerals
    give groups the pipeline can read, so a shape with Chinese numerals gives none.
    """
    date = _date_regex(shape)
    if date is None or CN_NUM in shape:
        return None
    name_re = re.escape(name)
    if shape.startswith("【"):
        return "^【" + name_re + r"[^】\d]{0,8}" + date + r"[^】]{0,12}】"
    if shape.startswith("["):
        return r"^\[" + name_re + r"[^\]\d]{0,8}" + date + r"[^\]]{0,12}\]"
    if re.search(r"[-－—–]$", shape):
        return "^" + name_re + r"[^\d。，,]{0,10}?" + date + r"[^。，,\d]{0,6}?\s*[-－—–]+\s*"
    return None
