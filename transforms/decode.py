"""Bytes to text, whatever the encoding, or a reason why the bytes are not text.

Order matters and is cheapest-first: empty and binary checks, byte-order marks,
strict UTF-8 (almost every file), UTF-8 with stray Windows-1252 bytes
(``UnicodeDammit.detwingle``), an encoding the document declares, Korean CP949,
then the two Chinese legacy encodings judged by how common the characters
they give are (GB18030 or Big5: statistical
detectors guess Shift-JIS or Windows-1252 for a short GBK post), and only then
statistical detection (charset-normalizer's guess, tried by ``UnicodeDammit``)
for the rest.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
from bs4 import UnicodeDammit

# Leading bytes of binary formats that scrapers leave beside the pages.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"RIFF", "RIFF media"),
    (b"\x00\x00\x01\x00", "icon image"),
    (b"\x7fELF", "ELF executable"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"\x1a\x45\xdf\xa3", "Matroska/WebM media"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Detected names mapped to the superset that decodes strictly more files.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "ascii": "utf-8"}
# C0 controls other than tab, newline and carriage return, plus DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE_BYTES = b" \t\r\n\x0b\x0c"
# Characters that print as nothing: a file of only these (and whitespace) is empty.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
# One character that is neither whitespace nor invisible (found at once in any real file).
_VISIBLE = re.compile("[^\\s" + _INVISIBLE.pattern[1:])


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejects as Windows-1252 (mixed-encoding files)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return bad.decode("windows-1252", errors="replace"), exc.end


_CP1252_FALLBACK = "news_etl_cp1252_fallback"
codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


class DecodeError(ValueError):
    """The bytes are not usable text; ``reason`` is a reject code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def _looks_binary(head: bytes) -> bool:
    """Control bytes, or bytes that are not UTF-8, in the first kilobyte."""
    if re.search(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]", head):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.end < len(head)  # not just a character cut by the 1 KB boundary
    return False


def sniff_binary(raw: bytes) -> str | None:
    """Name the binary format of ``raw`` if its magic bytes give one away.

    Magic numbers made of printable ASCII (``RIFF``, ``BZh``, ``ID3``, ``%PDF-``)
    also start ordinary sentences, so they count only when binary bytes follow.
    """
    for magic, name in _MAGIC:
        if raw.startswith(magic):
            if magic.isascii() and all(32 <= b < 127 for b in magic) and not _looks_binary(raw[:1024]):
                continue
            return name
    return None


def _strip_bom(raw: bytes) -> tuple[bytes, str | None]:
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):], enc
    return raw, None


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text without a BOM shows NULs in every other byte for ASCII."""
    sample = raw[:4000]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _mostly_utf8(raw: bytes) -> bool:
    """True when stray bytes are rare next to valid multi-byte UTF-8 sequences.

    That is the signature of UTF-8 text with pasted Windows-1252 characters, which
    ``detwingle`` repairs; a GB18030 or Big5 file instead fails almost everywhere.
    """
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good >= 20 and bad * 20 <= good


_STRAY_RUN = re.compile("[\udc80-\udcff]+")


def _stray_windows_1252(raw: bytes) -> bool:
    """True when the bytes UTF-8 rejects stand alone, one at a time.

    A Windows-1252 character pasted into UTF-8 (or a whole Western file) is one
    high byte between ASCII or valid UTF-8; GB18030 and Big5 characters put two
    high bytes side by side, so their invalid runs are longer.
    """
    runs = [len(m.group(0)) for m in _STRAY_RUN.finditer(raw.decode("utf-8", errors="surrogateescape"))]
    if not runs:
        return False
    singles = sum(1 for n in runs if n == 1)
    return max(runs) <= 3 and singles * 10 >= len(runs) * 8


def _gb_common(ch: str) -> bool:
    """GB2312 punctuation/full-width rows or its 3,755 level-1 (most common) hanzi, as GB18030 codes them."""
    try:
        b = ch.encode("gb18030")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and b[1] >= 0xA1 and (0xA1 <= b[0] <= 0xA3 or 0xB0 <= b[0] <= 0xD7)


def _big5_common(ch: str) -> bool:
    """Big5 symbols or its 5,401 level-1 (most common) hanzi."""
    try:
        b = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    code = int.from_bytes(b, "big")
    return len(b) == 2 and (0xA140 <= code <= 0xA3BF or 0xA440 <= code <= 0xC67E)


_CHINESE = (("gb18030", _gb_common), ("big5hkscs", _big5_common))


def _chinese(raw: bytes) -> tuple[str, str] | None:
    """Decode ``raw`` as GB18030 or Big5 when one of them gives common Chinese.

    Each candidate must decode strictly; its score is the share of non-ASCII
    characters that are common characters of that encoding (a GBK file read as
    Big5, or the reverse, gives rare ones). The better score wins, GB18030 on a
    tie; below 90% neither is trusted and statistical detection decides.
    """
    best: tuple[float, str, str] | None = None
    for encoding, common in _CHINESE:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in text[:20000] if ord(ch) > 0x7F]
        if not wide:
            continue
        score = sum(1 for ch in wide if common(ch)) / len(wide)
        if score >= 0.9 and (best is None or score > best[0]):
            best = (score, encoding, text)
    return (best[2], best[1]) if best else None


# <meta charset="x">, <meta ... content="text/html; charset=x">, <?xml ... encoding="x"?>
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z][\w.:-]{1,30})""", re.I)


def _declared(raw: bytes) -> tuple[str, str] | None:
    """The encoding the document itself declares near its start, when the bytes decode in it.

    Consulted only after UTF-8 has failed, and before the Chinese heuristics:
    an EUC-KR or Shift-JIS page is also valid GB18030 made of common hanzi,
    and only its declaration tells the two apart. A declaration the bytes do
    not satisfy (a page that says UTF-8 and is not) is ignored.
    """
    m = _DECLARED.search(raw[:4096])
    if not m:
        return None
    try:
        name = codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return None
    name = _SUPERSETS.get(name, name)
    if name in ("utf-8", "ascii") or name.startswith(("utf-16", "utf-32")):
        return None
    try:
        return _decode_truncated(raw, name), name
    except UnicodeDecodeError:
        return None


def _korean(raw: bytes) -> str | None:
    """Undeclared EUC-KR (CP949) Korean, which GB18030 would also decode, into common hanzi.

    Read as CP949, Korean text is Hangul syllables almost throughout; Chinese GBK
    read as CP949 gives Hangul only for the hanzi whose codes share Hangul's
    byte range (~two thirds) and Hanja for the rest. Hence the strict share.
    """
    try:
        text = raw.decode("cp949")
    except UnicodeDecodeError:
        return None
    wide = [ch for ch in text[:20000] if ord(ch) > 0x7F]
    hangul = sum(1 for ch in wide if "\uac00" <= ch <= "\ud7a3")
    return text if len(wide) >= 20 and hangul >= 0.95 * len(wide) else None


def _clean_text(text: str) -> str:
    """Unify line endings and drop control characters (NULs included)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


# Replacement characters and C0 controls other than tab, newline, CR and NUL (one regex: the hot path).
_JUNK = re.compile(r"[\ufffd\x01-\x08\x0b\x0c\x0e-\x1f]")


def _check_textual(text: str, encoding: str) -> None:
    """Refuse decodings that are mostly replacement or control characters."""
    if not text:
        return
    # Line endings as _clean_text leaves them, so a CRLF copy is judged like the original.
    sample = text[:40000].replace("\r\n", "\n").replace("\r", "\n")[:20000]
    # NULs are not counted: the binary check has judged them, and they are dropped.
    junk = len(_JUNK.findall(sample))
    if junk / len(sample) > 0.05:
        raise DecodeError("undecodable", f"decoding as {encoding} leaves {junk} of {len(sample)} characters unreadable")


def _decode_truncated(body: bytes, encoding: str) -> str:
    """Strict decoding that forgives a file cut off inside its last character."""
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end == len(body) and exc.start >= len(body) - 3 and exc.reason in (
                "unexpected end of data", "truncated data"):
            return body[:exc.start].decode(encoding)
        raise


def decode(raw: bytes) -> Decoded:
    """Decode ``raw`` to text; raise :class:`DecodeError` with a reject reason otherwise."""
    if not raw.strip(_WHITESPACE_BYTES):
        raise DecodeError("empty", "the file is empty" if not raw else "the file holds only whitespace")
    kind = sniff_binary(raw)
    if kind:
        raise DecodeError("binary", f"{kind} ({len(raw)} bytes)")
    body, bom_encoding = _strip_bom(raw)
    if bom_encoding:
        try:
            text = _decode_truncated(body, bom_encoding)
        except UnicodeDecodeError:
            if bom_encoding != "utf-8":
                raise DecodeError("undecodable", f"byte-order mark says {bom_encoding}, but the bytes do not decode") from None
            text = UnicodeDammit.detwingle(body).decode("utf-8", errors="replace")
        return _finish(text, bom_encoding)
    unpadded = body.rstrip(b"\x00")
    if len(body) - len(unpadded) >= 4 and unpadded.count(0) * 10 <= len(unpadded):
        # Text followed by NUL padding (a preallocated file cut short), not UTF-16.
        body = unpadded
    if body.count(0) * 10 > len(body):
        utf16 = _utf16_without_bom(body)
        if not utf16:
            raise DecodeError("binary", f"{body.count(0)} NUL bytes in {len(body)}: binary data")
        try:
            return _finish(body.decode(utf16), utf16)
        except UnicodeDecodeError as exc:
            raise DecodeError("undecodable", f"looks like {utf16} without a BOM but does not decode: {exc.reason}") from None
        except DecodeError as exc:
            if exc.reason != "undecodable":
                raise
            # NULs in every other byte, but not text as UTF-16 either: binary data.
            raise DecodeError("binary", f"{body.count(0)} NUL bytes in {len(body)}, and not UTF-16 text: binary data") from None
    try:
        return _finish(_decode_truncated(body, "utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(body):
        # detwingle repairs Windows-1252 bytes that sit between UTF-8 sequences; a
        # stray byte that looks like a UTF-8 lead byte is left to the error handler.
        fixed = UnicodeDammit.detwingle(body)
        return _finish(fixed.decode("utf-8", errors=_CP1252_FALLBACK), "utf-8+windows-1252")
    declared = _declared(body)
    if declared:
        return _finish(*declared)
    korean = _korean(body)
    if korean:
        return _finish(korean, "cp949")
    chinese = _chinese(body)
    if chinese:
        return _finish(*chinese)
    if _stray_windows_1252(body):
        fixed = UnicodeDammit.detwingle(body)
        return _finish(fixed.decode("utf-8", errors=_CP1252_FALLBACK), "utf-8+windows-1252")
    # charset-normalizer's guess goes first, named: bs4 would ask whichever detector is
    # installed (cchardet or chardet before charset-normalizer), so the result would
    # depend on the machine. UnicodeDammit still falls back if the guess does not decode.
    guess = charset_normalizer.detect(body)["encoding"]
    dammit = UnicodeDammit(body, known_definite_encodings=[guess] if guess else [], is_html=False)
    encoding = dammit.original_encoding
    if not encoding or dammit.unicode_markup is None:
        raise DecodeError("undecodable", "no encoding decodes the bytes")
    encoding = _SUPERSETS.get(encoding.lower(), encoding.lower())
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = dammit.unicode_markup
    return _finish(text, encoding)


# What the two checks below act on: a replacement or control character (absent from nearly every file).
_SUSPECT = re.compile(r"[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _finish(text: str, encoding: str) -> Decoded:
    if _SUSPECT.search(text):  # one scan instead of the junk count and the control-character removal
        _check_textual(text, encoding)
        text = _clean_text(text)
    elif "\r" in text:  # nothing to drop, only line endings to unify
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _VISIBLE.search(text):
        raise DecodeError("empty", "the file holds only whitespace or control characters")
    return Decoded(text=text, encoding=encoding)
