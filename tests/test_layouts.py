"""Layout detection and header metadata on one real file per layout."""
from __future__ import annotations

import datetime as dt

from tests.conftest import raw
from transforms.layouts import split_layout


def _env(rel: str):
    return split_layout(raw(rel).decode("utf-8"))


def test_jekyll_front_matter_and_footer_links() -> None:
    env = _env("seeds/000_38b69d1bccad3eff.txt")
    assert env.layout == "jekyll"
    assert env.title == "网传“京医通”即将停运 北京卫健委、北京银行最新回应！"
    assert env.published == dt.datetime(2022, 4, 19, 3, 7, 2, tzinfo=dt.UTC)
    assert env.categories == ["zhongguojijinbao"] and env.tags == ["中国基金报新闻"]
    assert env.share_url.startswith("http://finews.zning.xyz/") and env.url is None
    assert "返回首页" not in env.body and "infoCode" not in env.body


def test_jekyll_original_url_beats_share_link() -> None:
    env = _env("finews/2021-12-08-202112082206672930.md")
    assert env.url == "http://finance.eastmoney.com/news/11060,202112082206672930.html"


def test_feed_archive_epoch_title_url() -> None:
    env = _env("seeds/002_50f3dea1d4d3dcd9.txt")
    assert env.layout == "feed"
    assert env.published == dt.datetime(2023, 4, 24, 17, 24, tzinfo=dt.UTC)
    assert env.url == "https://www.rfa.org/mandarin/yataibaodao/huanjing/jw-04242023101747.html"
    assert env.title.startswith('"京医通"停运惹民怨')


def test_mirror_page_title_url_and_footer_cut() -> None:
    env = _env("seeds/004_77a5095b54502230.txt")
    assert env.layout == "mirror"
    assert env.title == "北京“京医通”停运 传政府分赃不均"
    assert env.url == "https://www.ntdtv.com/gb/2023/04/25/a103698559.html"
    assert "手机上长按" not in env.body and "#### [首页]" not in env.body


def test_mirror_page_with_odd_name_and_old_variant() -> None:
    env = _env("banned-news-2020/pages/p2/sedEr1MCc")
    assert env.layout == "mirror" and env.title.startswith("落马河南副省长")


def test_unknown_html_page_uses_head_metadata() -> None:
    page = ('<html><head><title>Some headline | Example News</title><meta property="og:url" '
            'content="https://news.example.com/2021/03/04/story.html"><meta property="article:published_time" '
            'content="2021-03-04T05:06:07Z"></head><body><article><p>Body text here.</p></article></body></html>')
    env = split_layout(page)
    assert env.layout == "html" and env.title == "Some headline"
    assert env.url == "https://news.example.com/2021/03/04/story.html"
    assert env.published == dt.datetime(2021, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
