"""Decoding real fixtures and their re-encoded copies."""
from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import raw
from transforms.decode import DecodeError, decode
from transforms.pipeline import clean_document
from transforms.records import Record, Reject

SEED = "seeds/004_77a5095b54502230.txt"


def test_png_qr_code_is_binary() -> None:
    with pytest.raises(DecodeError) as e:
        decode(raw("banned-news-2020/pages/soh5/427555.md.png"))
    assert e.value.reason == "binary" and "PNG" in e.value.detail


def test_empty_file_is_empty() -> None:
    with pytest.raises(DecodeError) as e:
        decode(raw("banned-news-2020/pages/sedsrUKwT"))
    assert e.value.reason == "empty"


@pytest.mark.parametrize("blob", [b"", b"  \n\t\r\n "])
def test_whitespace_only_rejects_as_empty(blob: bytes) -> None:
    r = clean_document(blob, "x.md")
    assert isinstance(r, Reject) and r.reason == "empty"


@pytest.mark.parametrize("encoding,bom", [
    ("gb18030", b""), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-8", codecs.BOM_UTF8),
])
def test_reencoded_copy_gives_the_same_record(encoding: str, bom: bytes) -> None:
    original = clean_document(raw(SEED), SEED)
    text = raw(SEED).decode("utf-8")
    copy = clean_document(bom + text.encode(encoding), SEED)
    assert isinstance(original, Record) and isinstance(copy, Record)
    assert copy.text == original.text and copy.title == original.title and copy.url == original.url


def test_crlf_line_endings_give_the_same_record() -> None:
    original = clean_document(raw(SEED), SEED)
    crlf = clean_document(raw(SEED).replace(b"\n", b"\r\n"), SEED)
    assert isinstance(crlf, Record) and crlf.text == original.text


def test_big5_traditional_text_decodes() -> None:
    text = "### 香港新聞標題\n------\n<p>【大紀元2020年09月14日訊】這是一篇繁體中文的新聞報導，內容測試編碼。</p>\n" * 3
    d = decode(text.encode("big5"))
    assert d.text == text and d.encoding.startswith("big5")


def test_utf8_with_windows_1252_bytes_is_repaired() -> None:
    blob = "<p>中文新闻内容，测试混合编码。</p>".encode() * 10 + "<p>café “quoted”</p>".encode("windows-1252")
    d = decode(blob)
    assert "café “quoted”" in d.text and "\ufffd" not in d.text


def test_nul_bytes_inside_text_are_dropped() -> None:
    r = clean_document(raw(SEED).replace("京医通".encode(), "京\x00医通".encode()), SEED)
    assert isinstance(r, Record) and "\x00" not in r.text and "京医通" in r.text


_KOREAN = ("<html><head>{meta}<title>한국어 뉴스</title></head>"
           "<body><p>서울 시장은 오늘 새로운 교통 정책을 발표했다.</p></body></html>")


@pytest.mark.parametrize("meta", ['<meta charset="euc-kr">',
                                  '<meta http-equiv="Content-Type" content="text/html; charset=EUC-KR">'])
def test_a_declared_legacy_encoding_wins_over_the_chinese_guess(meta: str) -> None:
    # EUC-KR Hangul is also valid GB18030 made of common hanzi: only the declaration tells them apart.
    text = _KOREAN.format(meta=meta)
    d = decode(text.encode("euc-kr"))
    assert d.encoding == "euc_kr" and "서울 시장은 오늘" in d.text


def test_a_declaration_the_bytes_do_not_satisfy_is_ignored() -> None:
    zh = '<meta charset="utf-8"><p>中国基金报记者报道，今日市场大幅上涨。</p>'
    d = decode(zh.encode("gbk"))
    assert d.encoding == "gb18030" and "中国基金报记者报道" in d.text


def test_undeclared_korean_is_read_as_korean_not_as_hanzi() -> None:
    text = _KOREAN.format(meta="") + "<p>시민들은 대체로 환영하는 분위기다.</p>"
    d = decode(text.encode("euc-kr"))
    assert d.encoding == "cp949" and "서울 시장은 오늘 새로운 교통 정책을 발표했다" in d.text


# GB2312 level-1 hanzi (rows 0xB0-0xD7), the ones Chinese text is mostly made of.
_LEVEL1 = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
           if (hi, lo) < (0xD7, 0xFA)]


@given(st.lists(st.sampled_from(_LEVEL1), min_size=20, max_size=300), st.sampled_from(["gbk", "gb18030"]))
@settings(max_examples=300)
def test_chinese_text_is_never_taken_for_korean(chars: list[str], encoding: str) -> None:
    text = "，".join("".join(chars[i:i + 7]) for i in range(0, len(chars), 7))
    d = decode(text.encode(encoding))
    assert d.encoding == "gb18030" and d.text == text


def test_the_statistical_guess_is_charset_normalizers_whatever_else_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """bs4 asks cchardet or chardet before charset-normalizer when they are installed; the
    decoder names charset-normalizer's guess, so a detector that says KOI8-R for Windows-1251
    bytes (what bs4 would then use: mojibake) changes nothing."""
    import bs4.dammit

    text = "Москва — столица России, крупнейший город страны. " * 6
    raw = text.encode("cp1251")
    assert decode(raw).encoding == "windows-1251"

    class OtherDetector:
        @staticmethod
        def detect(_: bytes) -> dict:
            return {"encoding": "koi8-r"}

    monkeypatch.setattr(bs4.dammit, "chardet_module", OtherDetector)
    decoded = decode(raw)
    assert (decoded.encoding, decoded.text.strip()) == ("windows-1251", text.strip())
