"""Whitespace the way a reader sees it, for Chinese text with Latin words in it.

A whitespace run between two CJK characters or CJK punctuation disappears. A
run that holds a line break is layout (pretty-printed HTML puts every inline tag
on its own line), so where Chinese meets Latin it disappears too; a run typed
inside a line (``中国 OTT 及``) stays as one space. Between Latin words there is
always exactly one space.
"""
from __future__ import annotations

import html
import re

_WS_RUN = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_INVISIBLE = re.compile(r"[\u00ad\u200c\u200d\u2060\ufffc]")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CLOSERS = set(".,;:!?)]}%'\"")
_OPENERS = set("([{")


def is_cjk(ch: str) -> bool:
    """CJK ideographs, kana, hangul, CJK and full-width punctuation, Chinese quotes.

    Dashes and ellipses are not: ``大阅兵 ——2015年`` keeps the space its author typed.
    """
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF  # radicals, CJK punctuation, kana, ideographs
        or 0xAC00 <= o <= 0xD7AF  # hangul
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= o <= 0xFE4F  # compatibility forms
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or 0x20000 <= o <= 0x3FFFF  # extension ideographs
        or o in (0x2018, 0x2019, 0x201C, 0x201D, 0x00B7, 0x2027)
    )


def normalize_inline(text: str, keep_typed_spaces: bool = False) -> str:
    """Collapse whitespace inside one block (see the module docstring).

    ``keep_typed_spaces`` keeps a typed space even between two CJK characters:
    credit lines (``记者 夏小华 台北报导``) need those spaces to split names.
    """
    text = _INVISIBLE.sub("", text)

    def repl(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        if start == 0 or end == len(text):
            return ""
        left, right = text[start - 1], text[end]
        lc, rc = is_cjk(left), is_cjk(right)
        if "\n" in m.group(0):
            if lc or rc or right in _CLOSERS or left in _OPENERS:
                return ""
            return " "
        if lc and rc and not keep_typed_spaces:
            return ""
        return " "

    return _WS_RUN.sub(repl, text)


def unescape_leftovers(text: str) -> str:
    """Decode entities that survived parsing (double-escaped ``&amp;nbsp;``)."""
    if "&" not in text or not _ENTITY.search(text):
        return text
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def normalize_title(title: str | None) -> str | None:
    """Titles: entities decoded, every whitespace run one space, trimmed."""
    if title is None:
        return None
    title = unescape_leftovers(str(title))
    title = re.sub(r"</?[A-Za-z][^>]{0,200}>", "", title)
    title = _WS_RUN.sub(" ", _INVISIBLE.sub("", title)).strip()
    title = title.replace("**", "").strip()
    return title or None
