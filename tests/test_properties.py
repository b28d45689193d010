"""Property-based tests of the decoder and the cleaner (hypothesis).

Inputs mix real fixture fragments, HTML tags (scripts and event handlers too),
CJK text, entities and front matter, then are encoded and mutated as bytes.
``make test`` runs a modest number of examples per property; ``make fuzz``
(``HYPOTHESIS_PROFILE=fuzz``) runs many thousands.
"""
from __future__ import annotations

import codecs
import html
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import DEV
from transforms.decode import DecodeError, decode
from transforms.pipeline import clean_document
from transforms.records import REJECT_REASONS, Record, Reject
from transforms.text import HTML_TAG_NAMES, unescape_leftovers

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                                       HealthCheck.filter_too_much]}
settings.register_profile("news-etl", max_examples=150, **_COMMON)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5000")), **_COMMON)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "news-etl"))

# --- what the output must never contain --------------------------------------------------------

_TAG_NAMES = "|".join(sorted((re.escape(t) for t in HTML_TAG_NAMES), key=len, reverse=True))
TAG = re.compile(rf"</?\s*(?:{_TAG_NAMES})\b[^<>\n]*>", re.I)  # within one block
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
C0_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # the decoder keeps only tab and newline

# --- strategies --------------------------------------------------------------------------------


def _fixture_texts() -> list[str]:
    out = []
    for p in sorted(DEV.rglob("*")):
        if p.is_file():
            try:
                text = p.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue
            if text.strip():
                out.append(text)
    return out


FIXTURES = _fixture_texts()
FIXTURE_BYTES = [p.read_bytes() for p in sorted(DEV.rglob("*")) if p.is_file()]
# Characters of GB2312 level 1 (the 3,755 most common hanzi) and CJK punctuation.
GB_COMMON = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
             if not (hi == 0xD7 and lo > 0xF9)]
CJK_PUNCT = list("，。！？、：；“”‘’《》【】（）「」…—·")

fragments = st.sampled_from(FIXTURES).flatmap(
    lambda t: st.tuples(st.integers(0, len(t)), st.integers(0, 600)).map(lambda ab: t[ab[0]:ab[0] + ab[1]]))
cjk = st.text(alphabet=st.sampled_from(GB_COMMON + CJK_PUNCT), min_size=1, max_size=40)
rare_cjk = st.text(alphabet=st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF), min_size=1, max_size=10)
latin = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_characters="<>&"),
                max_size=30)
any_text = st.text(max_size=20)
entities = st.sampled_from([
    "&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#20013;", "&#x4e2d;", "&amp;lt;", "&amp;amp;nbsp;", "&#0;",
    "&#1;", "&#x7f;", "&#128;", "&#xD800;", "&#x110000;", "&bogus;", "&", "&#", "&amp", "&lt", "&copy", "&#38;",
    "&#38;#38;lt;", "&ampamp;", "&lt;script&gt;", "&lt;p onclick=x&gt;", "&amp;lt;iframe&amp;gt;", "&#12288;",
    "&ensp;", "&zwnj;", "&shy;", "&#x200b;",
])
tags = st.sampled_from([
    "<p>", "</p>", "<div>", "</div>", "<br>", "<br/>", "<span>", "</span>", "<b>", "</b>", "<a href='http://x'>",
    "</a>", "<strong>", "</strong>", "<ul><li>", "</li></ul>", "<table><tr><td>", "</td></tr></table>", "<h2>",
    "</h2>", "<blockquote>", "</blockquote>", "<img src='http://x/a.jpg' alt='图'>", "<ok href='x'>", "</ok>",
    "<p style='display:none'>", "<div class='ad'>", "<figcaption>", "</figcaption>", "<center>", "</center>",
    "<script>", "</script>", "<script>steal()</script>", "<style>p{}</style>", "<iframe src=x>", "</iframe>",
    "<p onclick='steal()'>", "<img src=x onerror=steal()>", "<svg><script>steal()</script></svg>", "<noscript>",
    "<!--", "-->", "<!-- EM_StockImg_Start -->", "<!-- EM_StockImg_End -->", "<!DOCTYPE html>", "<![CDATA[",
    "]]>", "<?php echo 1; ?>", "<", ">", "</", "<p", "<time datetime='2020-09-14T08:00:00+08:00'>", "</time>",
    "<hr>", "<title>t</title>", "<meta property='og:title' content='标题'>", "<html>", "<body>",
])
whitespace = st.sampled_from([" ", "\n", "\n\n", "\t", "\u3000", "\u00a0", "\r\n", "\r", "  \n  "])
markdown = st.sampled_from(["### ", "---\n", "------\n", "**", "[返回首页](../)\n", "<http://finance.eastmoney.com/a/1.html>\n",
                            "原文链接：https://www.ntdtv.com/gb/2023/04/25/a1.html\n", "【大纪元2018年09月14日讯】",
                            "（大纪元记者骆亚报导）", "责任编辑：李明宇", "（文章来源：中国基金报）", "(完)", "#"])
pieces = st.one_of(fragments, cjk, rare_cjk, latin, any_text, entities, tags, whitespace, markdown)
ascii_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
gb_pieces = st.one_of(cjk, ascii_text, entities, tags, st.sampled_from([" ", "\n", "\n\n", "\t", "\u3000", "\r\n"]),
                      st.sampled_from(["### ", "---\n", "------\n", "原文链接：https://www.ntdtv.com/gb/a.html\n"]))

yaml_values = st.one_of(
    cjk, latin, st.sampled_from([
        "", "123", "1.50", "true", "null", "[a, b]", "{a: 1}", "2022-04-19 11:07:02 +0800", "2022-13-45",
        "0001-01-01", "9999-12-31 23:59:59 -10:00", "[unclosed", "'quoted: colon'", "\"a", "!!python/object/apply:os.system ['true']",
        "!!binary aGVsbG8=", "&a x", "*a", "|\n  block\n  scalar", "- item", "2022年4月19日", "../../etc",
    ]))


def _heads(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Empty, Jekyll front matter (closed or not), feed and mirror headers."""
    front_matter = st.lists(st.tuples(st.sampled_from(["title", "date", "categories", "tags", "layout", "x"]),
                                      values), max_size=6).map(
        lambda kv: "---\n" + "".join(f"{k}: {v}\n" for k, v in kv))
    return st.one_of(
        st.just(""),
        front_matter.map(lambda h: h + "---\n"),
        front_matter,  # unterminated
        st.tuples(cjk, st.sampled_from(["", "https://www.ntdtv.com/gb/2023/04/25/a1.html"])).map(
            lambda tu: f"<!--1682357040000-->\n[{tu[0]}]({tu[1]})\n------\n"),
        cjk.map(lambda t: f"### {t}\n------------------------\n"),
    )


heads = _heads(yaml_values)
gb_heads = _heads(st.one_of(cjk, ascii_text, st.sampled_from(["", "123", "true", "[a, b]", "2022-04-19 11:07:02 +0800",
                                                               "2022-13-45", "[unclosed", "!!binary aGVsbG8="])))


@st.composite
def documents(draw: st.DrawFn, parts: st.SearchStrategy[str] = pieces, head: st.SearchStrategy[str] = heads) -> str:
    return draw(head) + "".join(draw(st.lists(parts, max_size=25)))


@st.composite
def hostile_bytes(draw: st.DrawFn) -> bytes:
    """Documents encoded one way or another, then possibly damaged byte by byte."""
    text = draw(documents())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "windows-1252",
                                     "utf-32"]))
    blob = text.encode(encoding, errors="ignore")
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["insert", "truncate", "flip", "nul"]))
        pos = draw(st.integers(0, len(blob)))
        if action == "insert":
            blob = blob[:pos] + draw(st.binary(max_size=8)) + blob[pos:]
        elif action == "truncate":
            blob = blob[:pos]
        elif action == "flip" and pos < len(blob):
            blob = blob[:pos] + bytes([blob[pos] ^ draw(st.integers(1, 255))]) + blob[pos + 1:]
        elif action == "nul":
            blob = blob[:pos] + b"\x00" * draw(st.integers(1, 64)) + blob[pos:]
    return blob


any_bytes = st.one_of(hostile_bytes(), st.binary(max_size=2000),
                      st.sampled_from(FIXTURE_BYTES).flatmap(
                          lambda b: st.integers(0, len(b)).map(lambda n: b[:n])))

# --- the decoder -------------------------------------------------------------------------------


@PROFILE
@given(any_bytes)
def test_decode_never_raises_anything_but_a_reasoned_decode_error(blob: bytes) -> None:
    try:
        d = decode(blob)
    except DecodeError as exc:
        assert exc.reason in REJECT_REASONS and exc.reason != "error" and exc.detail
        return
    assert d.text.strip() and d.encoding
    assert not C0_CONTROL.search(d.text)
    assert decode(blob) == d  # deterministic


@PROFILE
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=300))
def test_decode_gives_back_any_utf8_text(text: str) -> None:
    assume(text.strip() and not text.startswith("\ufeff"))
    # A text that is more than 5% U+FFFD is the debris of an earlier lossy conversion: refused on purpose.
    assume(text.count("\ufffd") * 20 <= len(text))
    try:
        d = decode(text.encode("utf-8"))
    except DecodeError as exc:  # only text that prints as nothing may be refused
        assert exc.reason == "empty" and not re.sub(r"[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]", "",
                                                    text).strip()
        return
    assert d.text == text and d.encoding == "utf-8"


@PROFILE
@given(documents(), st.sampled_from([(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
                                     (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le")]))
def test_decode_reads_any_document_with_a_bom(text: str, bom_encoding: tuple[bytes, str]) -> None:
    bom, encoding = bom_encoding
    # NULs make UTF-8 look like UTF-16 (and a UTF-16 BOM plus U+0000 is the UTF-32 BOM): their own cases.
    assume("\x00" not in text)
    blob = bom + text.encode(encoding, errors="surrogatepass")
    try:
        plain = decode(text.encode("utf-8"))
    except DecodeError as exc:
        with_bom = None
        try:
            decode(blob)
        except DecodeError as exc2:
            with_bom = exc2.reason
        assert with_bom == exc.reason or (exc.reason == "binary" and with_bom is None)
        return
    assert decode(blob).text == plain.text


# --- the cleaner -------------------------------------------------------------------------------


def _allowed_characters(blob: bytes) -> set[str]:
    """Every character the cleaner may output for ``blob``: those of its decoded text and entities."""
    try:
        text = decode(blob).text
    except DecodeError:
        return set()
    return set(text) | set(html.unescape(text)) | set(unescape_leftovers(text)) | {" ", "\n"}


_ENTITY_LIKE = re.compile(r"&#?[0-9A-Za-z]+;?")


def _entities_written_in(field: str, blob: bytes) -> list[str]:
    """Entities left in ``field`` that the input spells as entities.

    One that only the removal of an invisible character forms ("&#\u200d0" shows as
    "&#0") is text the reader sees literally, and stays as written.
    """
    source = blob.decode("utf-8", errors="replace")
    return [e for e in _ENTITY_LIKE.findall(field) if html.unescape(e) != e and e in source]


def _check_record(doc: Record | Reject, blob: bytes) -> None:
    if isinstance(doc, Reject):
        assert doc.reason in REJECT_REASONS and doc.reason != "error", doc.detail
        assert doc.content_sha256 and doc.size_bytes == len(blob)
        return
    for field in (doc.text, doc.title or ""):
        assert not TAG.search(field), TAG.search(field)
        assert html.unescape(field) == field or not _entities_written_in(field, blob)  # no entity left to decode
        assert not CONTROL.search(field)
        field.encode("utf-8")  # storable: no lone surrogates
    assert "\n\n\n" not in doc.text and doc.text == doc.text.strip()
    for block in doc.text.split("\n\n") if doc.text else ():
        assert block == block.strip() and block
    invented = set(doc.text) - _allowed_characters(blob)
    assert not invented, f"characters not in the input: {sorted(invented)}"
    if doc.published_at is not None:
        assert doc.published_at.utcoffset().total_seconds() == 0 and 1989 <= doc.published_at.year <= 2101


@PROFILE
@given(any_bytes)
def test_clean_document_never_raises_and_invents_nothing(blob: bytes) -> None:
    doc = clean_document(blob, "fuzz/doc.md")
    _check_record(doc, blob)
    assert clean_document(blob, "fuzz/doc.md") == doc  # deterministic


@PROFILE
@given(documents())
def test_clean_document_on_utf8_documents(text: str) -> None:
    blob = text.encode("utf-8", errors="surrogatepass")
    _check_record(clean_document(blob, "fuzz/doc.md"), blob)


@PROFILE
@given(documents(), st.sampled_from(["utf-16-bom", "utf-8-bom", "crlf", "utf-32-bom"]))
def test_re_encoded_copy_gives_the_same_record(text: str, how: str) -> None:
    original = clean_document(text.encode("utf-8", errors="surrogatepass"), "fuzz/doc.md")
    if how == "crlf":
        crlf = re.sub("\r\n|\r|\n", "\r\n", text)  # as unix2dos would write it
        copy = clean_document(crlf.encode("utf-8", errors="surrogatepass"), "fuzz/doc.md")
    else:
        encoding, bom = {"utf-16-bom": ("utf-16-le", codecs.BOM_UTF16_LE), "utf-8-bom": ("utf-8", codecs.BOM_UTF8),
                         "utf-32-bom": ("utf-32-le", codecs.BOM_UTF32_LE)}[how]
        copy = clean_document(bom + text.encode(encoding, errors="surrogatepass"), "fuzz/doc.md")
    _same(original, copy)


@PROFILE
@given(documents(gb_pieces, gb_heads))
def test_gb18030_copy_of_chinese_text_gives_the_same_record(text: str) -> None:
    blob = text.encode("gb18030")
    # Bytes that are valid UTF-8 are read as UTF-8: a rule, not a guess (思 in GBK is ˼ in UTF-8).
    assume(not _is_utf8(blob))
    original = clean_document(text.encode("utf-8"), "fuzz/doc.md")
    _same(original, clean_document(blob, "fuzz/doc.md"))


def _is_utf8(blob: bytes) -> bool:
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _same(a: Record | Reject, b: Record | Reject) -> None:
    if isinstance(a, Reject):
        if a.reason != "binary":  # text with many NULs is binary in UTF-8, but not behind a BOM
            assert isinstance(b, Reject) and b.reason == a.reason, b
        return
    assert isinstance(b, Record), b
    assert (b.text, b.title, b.url, b.published_at, b.authors, b.editors, b.tags, b.categories) == \
        (a.text, a.title, a.url, a.published_at, a.authors, a.editors, a.tags, a.categories)


def test_fixture_pool_is_real() -> None:
    assert len(FIXTURES) > 200 and len(GB_COMMON) == 3755
    assert Path(DEV).is_dir()
