"""Bodies by format: HTML as is, Markdown rendered with markdown-it-py, plain text as blank-line paragraphs.

The fixtures are posts of generators with no site table: a WeChat-post mirror's Jekyll file
with a Markdown body (repost line, credits, WeChat chrome, image with <figcaption>, quote,
table, rules), a Hugo post (TOML front matter, list, titled image), a Markdown file with no
header but a heading, a Jekyll file with a Markdown body and raw <figure> blocks between its
paragraphs, and a Jekyll file with an HTML body that must stay HTML.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from transforms.body_format import body_format, body_html
from transforms.html_blocks import blocks, parse
from transforms.pipeline import clean_document
from transforms.records import Record

MARKDOWN = FIXTURES / "markdown"
EXPECTED = json.loads((MARKDOWN / "expected.json").read_text(encoding="utf-8"))
MARKDOWN_LEFT = ("![", "](", "~~", "**", "## ", "\n---", "> ", "| ")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_record(name: str) -> None:
    record = clean_document((MARKDOWN / name).read_bytes(), name)
    assert isinstance(record, Record), record
    want = EXPECTED[name]
    assert record.title == want["title"]
    assert (record.published_at.isoformat() if record.published_at else None) == want["published_at"]
    assert record.url == want["url"]
    assert record.publisher == want["publisher"]
    assert record.authors == want["authors"]
    assert record.editors == want["editors"]
    assert [[i.url, i.caption] for i in record.images] == want["images"]
    assert record.text.split("\n\n") == want["paragraphs"]
    assert not any(mark in record.text for mark in MARKDOWN_LEFT)


def test_repost_post_reads_its_markdown_metadata() -> None:
    """What the repost and credit lines say is metadata, and none of them is text."""
    record = clean_document((MARKDOWN / "2021-04-18-rider-ledger.md").read_bytes(), "rider.md")
    assert record.url == "https://mp.weixin.qq.com/s/Xk2dLr9Qa7bT"  # the linked original of 原文来自
    assert record.publisher == "深读"
    assert record.authors == ["周明远"] and record.editors == ["林晓", "阿青"]
    assert record.images[0].caption == "雨夜里等餐的骑手。"  # the <figcaption>, not the alt "img"
    for chrome in ("原创", "原文来自", "阅读原文", "免责声明", "排版"):
        assert chrome not in record.text
    assert "body:markdown" in record.rules_fired


def test_headings_quotes_lists_and_tables_are_blocks() -> None:
    html, fmt = body_html("## 小标题\n\n> 引用的话\n\n- 第一项\n- 第二项\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n", inline_html=True)
    assert fmt == "markdown"
    assert [b.text for b in blocks(parse(html))] == ["小标题", "引用的话", "第一项", "第二项", "甲", "乙", "1", "2"]


def test_inline_links_and_strikethrough_join_their_sentence() -> None:
    html, _ = body_html("他说，[超时扣款](https://x.org/a)是~~最~~怕的事。", inline_html=True)
    assert [b.text for b in blocks(parse(html))] == ["他说，超时扣款是最怕的事。"]


def test_indented_text_is_a_paragraph_not_code() -> None:
    html, _ = body_html("**导语**\n\n    缩进的段落\n    第二行\n", inline_html=True)
    assert "<pre>" not in html and "<code>" not in html


@pytest.mark.parametrize(("body", "fmt"), [
    ("<p>第一段。</p>\n<p>第二段，[链接](http://x.org)。</p>", "html"),  # HTML carries the body
    ("<div><p>甲</p>\n\n<p>乙</p></div>\n\n<p>丙</p>", "html"),
    ("第一段。\n\n第二段。", "text"),
    ("第一段。\n\n## 小标题\n\n第二段。", "markdown"),
    ("第一段，见[此处](http://x.org)。", "markdown"),
    ("第一段。\n\n<figure><img src='a.jpg'></figure>\n\n第二段。", "markdown"),  # text runs around a figure
])
def test_body_format(body: str, fmt: str) -> None:
    assert body_format(body) == fmt


def test_a_file_without_header_that_is_only_a_heading_is_no_article() -> None:
    menu = "### 新页面\n\n#### [首页](http://a.org/) &nbsp;|&nbsp; [新闻](http://a.org/n) &nbsp;|&nbsp; [评论](http://a.org/c)\n"
    result = clean_document(menu.encode(), "links.md")
    assert not isinstance(result, Record)
    assert result.reason == "no_content"


@pytest.mark.parametrize(("ref", "html_text"), [
    ("&#1;", ""), ("&#x7f;", ""),           # control characters: dropped, as an HTML page drops them
    ("&#128;", "€"), ("&#x96;", "–"),       # C1 references: Windows-1252, as in HTML
    ("&#20013;", "中"), ("&#65;", "A"),      # valid references: the character
])
def test_numeric_references_read_as_the_html_page_reads_them(ref: str, html_text: str) -> None:
    """Found by hypothesis: ``---\n---\n&#1;`` gave U+FFFD, a character the input does not have."""
    body = f"---\ntitle: t\n---\n新闻记者今日报道{ref}x{ref}\n"
    html_page = f"<p>新闻记者今日报道{ref}x{ref}</p>"
    as_markdown = clean_document(body.encode(), "refs.md")
    as_html = clean_document(f"---\ntitle: t\n---\n{html_page}\n".encode(), "refs.md")
    assert isinstance(as_markdown, Record) and isinstance(as_html, Record)
    assert "\ufffd" not in as_markdown.text
    assert as_markdown.text == as_html.text == f"新闻记者今日报道{html_text}x{html_text}"
    assert not isinstance(clean_document(b"---\n---\n&#1;", "fuzz/doc.md"), Record)  # nothing left to read


_WORDS = st.text(alphabet=st.sampled_from("天地人和中国新闻记者今日报道说是的了在有一abcxyz0123，。、"), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=6))
def test_plain_paragraphs_come_out_the_same_in_every_format(paragraphs: list[str]) -> None:
    """Text with no Markdown syntax reads the same rendered as Markdown as wrapped as paragraphs."""
    body = "\n\n".join(paragraphs)
    as_markdown, _ = body_html(body + "\n\n## 标题", inline_html=True)
    as_text, fmt = body_html(body, inline_html=True)
    assert fmt == "text"
    assert [b.text for b in blocks(parse(as_markdown))][:-1] == [b.text for b in blocks(parse(as_text))]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("#*_~[]()!<>|-`\\ \n甲乙丙abc1.:/"), max_size=200))
def test_any_markdown_body_is_cleaned_without_error(body: str) -> None:
    """Whatever Markdown punctuation a body holds, the post is cleaned, never an ``error`` reject."""
    result = clean_document(f"---\ntitle: 标题\n---\n{body}".encode(), "p.md")
    assert getattr(result, "reason", None) != "error", result
