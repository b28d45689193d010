"""Headers, front matter and repost conventions read by shape (issue 21), on fixtures written in
the shapes of generators the project had no table for."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from transforms.layouts.header import read_header
from transforms.metadata import parse_datetime
from transforms.pipeline import clean_document
from transforms.records import Record

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
UTC = dt.timezone.utc


def clean(name: str) -> Record:
    rec = clean_document((FIXTURES / name).read_bytes(), f"shapes/{name}")
    assert isinstance(rec, Record), rec
    return rec


def test_feed_without_epoch_comment_gives_title_date_url_and_loses_its_wordpress_footer() -> None:
    rec = clean("feed_no_epoch_wordpress.md")
    assert rec.layout == "feed"
    assert rec.title == "美国宣布对华新制裁 多家企业上榜"
    assert rec.url == "https://www.example-news.org/2020/06/28/sanctions-12345.html"
    assert rec.published_at == dt.datetime(2020, 6, 28, 12, 53, 23, tzinfo=UTC)
    # "© 小编甲 for 自由新闻网": the site names itself; the posting account is no author.
    assert rec.publisher == "自由新闻网"
    assert rec.authors == []
    for leak in ("Permalink", "get_post_time", "Post tags", "Feed enhanced", "另一篇文章标题", "美国宣布对华新制裁"):
        assert leak not in rec.text
    assert rec.text.split("\n\n") == [
        "美国商务部周五宣布，将另外十一家中国企业列入实体清单。",
        "商务部在声明中说，这些企业涉嫌参与侵犯人权的行为。详见此处的报告显示，涉及数十万人。",
        "分析人士认为，此举将进一步加剧两国紧张关系。",
    ]


def test_plain_title_with_underline_and_an_iso_date_line_and_credit_sentences_cut_alone() -> None:
    rec = clean("feed_plain_title_iso_date.md")
    assert rec.title == "海外华人集会声援香港"
    assert rec.published_at == dt.datetime(2020, 7, 2, 0, 15, tzinfo=UTC)
    assert rec.text.split("\n\n") == [
        "数百名海外华人周三在多伦多市中心集会，声援香港民众。",
        "集会组织者表示，香港国安法的实施令许多人忧心。",
        "集会持续约两个小时，现场秩序良好。",
    ]
    assert rec.authors == ["李明", "王芳", "赵六"]
    assert rec.publisher == "多伦多周报"


def test_hugo_toml_front_matter_with_params_and_a_site_suffix() -> None:
    rec = clean("hugo_toml.md")
    assert rec.layout == "jekyll"
    assert rec.title == "香港记者协会发表年度报告"
    assert rec.published_at == dt.datetime(2020, 6, 1, 0, 0, tzinfo=UTC)
    assert rec.url == "https://example.hk/news/2020/06/01/report"
    assert rec.authors == ["陈大文"]
    assert rec.publisher == "自由之声"
    assert rec.tags == ["香港", "新闻自由"]
    assert rec.text == "香港记者协会周日发表年度报告。\n\n报告指出，新闻自由持续恶化。"


def test_indented_front_matter_keys_and_page_notices() -> None:
    rec = clean("jekyll_indented_keys.md")
    assert rec.layout == "jekyll"
    assert rec.title == "缩进的标题"
    assert rec.published_at == dt.datetime(2021, 3, 2, 2, 0, tzinfo=UTC)
    assert rec.categories == ["新闻"]
    assert rec.text == "正文第一段。"


def test_front_matter_author_that_is_the_site_is_the_publisher_and_captions_under_images_go() -> None:
    rec = clean("jekyll_author_is_site.md")
    assert rec.title == "维权律师王某获释后首次发声"
    assert rec.publisher == "民生观察"
    assert rec.authors == []
    assert "Submitted by" not in rec.text and "图：" not in rec.text
    assert rec.text.startswith("维权律师王某于本月获释。")  # the unbracketed dateline is cut


@pytest.mark.parametrize(("text", "title", "kind", "url", "published"), [
    ("<!--1593348803000-->\n[T](https://a.b/c(1))\n---\nbody", "T", "link", "https://a.b/c(1)",
     dt.datetime(2020, 6, 28, 12, 53, 23, tzinfo=UTC)),
    ("[T](https://a.b/c)\n-----\n\n日期：Sun, 28 Jun 2020 12:53:23 +0000\n\nbody", "T", "link", "https://a.b/c",
     dt.datetime(2020, 6, 28, 12, 53, 23, tzinfo=UTC)),
    ("标题\n====\n发布时间：2020年6月28日 12:53\nbody", "标题", "plain", None,
     dt.datetime(2020, 6, 28, 4, 53, tzinfo=UTC)),
    ("### 标题\n日期：2020-06-28\n---\nbody", "标题", "heading", None, dt.datetime(2020, 6, 27, 16, 0, tzinfo=UTC)),
    ("[T](u)\n---\n时间：未注明具体日期\nbody", "T", "link", "u", None),
])
def test_one_header_grammar(text: str, title: str, kind: str, url: str | None, published: dt.datetime | None) -> None:
    h = read_header(text)
    assert h is not None
    assert (h.title, h.title_kind, h.url) == (title, kind, url)
    assert (h.published.astimezone(UTC) if h.published else None) == published
    assert text[h.end:].strip() == "body"


@pytest.mark.parametrize("text", [
    "一段正文，没有下划线。\n\n第二段。", "<p>HTML</p>\n---\n", "---\ntitle: x\n---\n", "- item\n---\n",
    "x" * 300 + "\n---\n",
])
def test_what_is_not_a_header(text: str) -> None:
    assert read_header(text) is None


def test_rfc2822_dates() -> None:
    assert parse_datetime("Sun, 28 Jun 2020 12:53:23 +0000") == dt.datetime(2020, 6, 28, 12, 53, 23, tzinfo=UTC)
    assert parse_datetime("28 Jun 2020 12:53 GMT") == dt.datetime(2020, 6, 28, 12, 53, tzinfo=UTC)
    assert parse_datetime("Sun, 28 Jun 1066 12:53:23 +0000") is None
    assert parse_datetime("Sunday is a day") is None
