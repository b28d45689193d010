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

import lxml.html.defs

_WS_RUN = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_INVISIBLE = re.compile(r"[\u00ad\u200c\u200d\u2060\ufffc]")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A chain of escaped ampersands (``&amp;amp;amp;lt;``) is one ampersand: collapsing the
# chain in one pass keeps decoding linear however deep the escaping goes.
_AMP_CHAIN = re.compile(r"&(?:(?:amp|AMP);?|#0*38(?:;|(?![0-9]))|#[xX]0*26(?:;|(?![0-9a-fA-F])))+")
# C0 controls other than tab, newline and carriage return, DEL, and C1 controls.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What visible_text acts on: an entity, markup, a control character.
_NEEDS_CLEANING = re.compile(r"[&<\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# HTML element names: markup made of them is never text, even when the source escaped it.
HTML_TAG_NAMES = frozenset(lxml.html.defs.tags) | {
    "main", "template", "dialog", "picture", "frame", "noframes", "noembed", "xmp", "plaintext", "nobr", "image",
    "slot", "data", "search", "listing", "multicol", "spacer", "bgsound", "ok"}
_RAWTEXT_OPEN = re.compile(r"<(script|style|iframe|noscript|textarea|xmp|template|noembed|noframes)\b[^<>]*>", re.I)
_RAWTEXT_CLOSE = {name: re.compile(rf"</{name}\s*>", re.I) for name in (
    "script", "style", "iframe", "noscript", "textarea", "xmp", "template", "noembed", "noframes")}
_MARKUP = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)\b[^<>]*>")
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

    Runs at either end, half of all runs, go without a call of ``repl``:
    ``strip()`` takes them (all but zero-width spaces, which ``repl`` removes).
    """
    text = _INVISIBLE.sub("", text).strip()

    def repl(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        if start == 0 or end == len(text):
            return ""
        left, right = text[start - 1], text[end]
        if "\n" in m.group(0):
            if is_cjk(left) or is_cjk(right) or right in _CLOSERS or left in _OPENERS:
                return ""
            return " "
        if not keep_typed_spaces and is_cjk(left) and is_cjk(right):
            return ""
        return " "

    return _WS_RUN.sub(repl, text)


def unescape_leftovers(text: str) -> str:
    """Decode entities that survived parsing (double-escaped ``&amp;nbsp;``), to the end.

    The result has nothing left that :func:`html.unescape` would change.
    """
    if "&" not in text:
        return text
    for _ in range(5):
        decoded = html.unescape(_AMP_CHAIN.sub("&", text))
        if decoded == text:
            break
        text = decoded
    return text


def _drop_rawtext(text: str) -> str:
    """Remove ``<script>…</script>``-like elements with their content, in linear time."""
    out: list[str] = []
    pos = 0
    closed: set[str] = set()  # names with no closing tag left after ``pos``
    for m in _RAWTEXT_OPEN.finditer(text):
        name = m.group(1).lower()
        if m.start() < pos or name in closed:
            continue
        end = _RAWTEXT_CLOSE[name].search(text, m.end())
        if end is None:
            closed.add(name)
            continue
        out.append(text[pos:m.start()])
        pos = end.end()
    out.append(text[pos:])
    return "".join(out)


def strip_markup(text: str) -> str:
    """Remove HTML tags that survived as text (``<script>…</script>``, ``<p onclick=…>``).

    Only tags of HTML element names go, so ``<蒙特利尔议定书>`` and ``a <b`` stay.
    Scripts and styles go with their content. Repeated until nothing is left, so a
    tag cannot be assembled from the pieces of others (``<scr<b>ipt>``).
    """
    def tag(m: re.Match[str]) -> str:
        return "" if m.group(1).lower() in HTML_TAG_NAMES else m.group(0)

    for _ in range(8):
        stripped = _MARKUP.sub(tag, _drop_rawtext(text))
        if stripped == text:
            return text
        text = stripped
    # Still markup after eight rounds: only an attack nests tags so deep. Drop the brackets.
    return text if not _MARKUP.search(text) else text.replace("<", "").replace(">", "")


def visible_text(raw: str) -> str:
    """Text as a reader sees it: no control characters, entities decoded, no markup.

    The three steps repeat until nothing changes, because each can uncover work
    for another (``&\x8bnbsp;`` becomes ``&nbsp;`` once the control character
    goes; ``&<b>lt;`` becomes ``&lt;`` once the tag goes). Every step shortens the
    text, so this ends; after four rounds only an attack would still change.
    """
    if not _NEEDS_CLEANING.search(raw):  # most blocks: nothing any step would change
        return raw
    for _ in range(4):
        text = unescape_leftovers(CONTROL_CHARS.sub("", raw))
        if "<" in text:
            text = strip_markup(text)
        text = CONTROL_CHARS.sub("", text)
        if text == raw:
            break
        raw = text
    return raw


def normalize_title(title: str | None) -> str | None:
    """Titles: entities decoded, every whitespace run one space, trimmed."""
    if title is None:
        return None
    title = visible_text(str(title))
    for _ in range(8):
        stripped = visible_text(re.sub(r"</?[A-Za-z][^>]{0,200}>", "", title))
        if stripped == title:
            break
        title = stripped
    title = _WS_RUN.sub(" ", _INVISIBLE.sub("", title)).strip()
    title = title.replace("**", "").strip()
    return title or None
