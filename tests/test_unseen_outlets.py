"""Held-out acceptance: hand-written pages of fictional outlets that no site table knows.

Written by the lead before the general rules existed and kept apart from their
development, so they measure the rules rather than restate them. Each page uses a
shape the cleaning spec names (a dateline in Chinese numerals, a dateline or
timestamp in a block of its own, a person-less station credit, a source line split
by a link, ``文／Y``, a place dateline, another mirror generator's front matter, a
feed header after a front matter, og:site_name and a title suffix, a page that
names nothing).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.scoring import blocks, clean_fixture
from transforms.quality import quality_flags
from transforms.records import Record

HERE = Path(__file__).parent / "fixtures" / "unseen_outlets"
CN = dt.timezone(dt.timedelta(hours=8))


def clean(name: str) -> Record:
    return clean_fixture(HERE, name)


def flags(rec: Record) -> list[str]:
    return quality_flags(rec, dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))


def test_bracketed_dateline_in_chinese_numerals_with_city_byline() -> None:
    rec = clean("a_mirror_chinese_numerals.md")
    assert rec.published_at == dt.datetime(2020, 9, 9, tzinfo=CN)
    assert rec.date_source == "dateline"
    assert rec.publisher == "华夏晨报"
    assert rec.url == "https://www.hxcb.net/news/2020/09/09/地铁新线开通（图）-123456.html"
    assert rec.authors == ["王小明"] and rec.editors == ["陈大文"]
    assert blocks(rec)[0] == "某市地铁新线今日上午正式通车，首日客流超过十万人次。"
    assert blocks(rec)[-1] == "沿线居民陈女士说，过去通勤要一个半小时，现在只要四十分钟。"
    assert any(r.startswith("dateline") for r in rec.rules_fired), rec.rules_fired


def test_dateline_block_with_time_and_station_credit_naming_nobody() -> None:
    rec = clean("b_mirror_dateline_block.md")
    assert rec.published_at == dt.datetime(2021, 1, 23, 8, 15, tzinfo=CN)
    assert rec.date_source == "dateline"
    assert rec.publisher == "东亚时报"
    assert rec.authors == [] and rec.editors == []
    assert blocks(rec) == ["欧盟周六宣布对多名官员实施新一轮制裁，包括冻结资产和禁止入境。",
                           "欧盟外交事务高级代表在声明中说，这些措施针对的是严重侵犯人权的行为。"]


def test_other_generators_front_matter_title_suffix_and_cms_post_meta() -> None:
    rec = clean("c_jekyll_other_generator.md")
    assert rec.title == "台风逼近 沿海地区停课停班"
    assert rec.url == "https://www.nfkb-news.com/a/2022/0730/台风逼近.html"
    assert rec.publisher == "南方快报"
    assert rec.authors == ["李四"]
    assert rec.published_at == dt.datetime(2022, 7, 30, 9, 12, tzinfo=CN)
    assert rec.categories == ["news"] and rec.tags == ["台风", "天气"]
    assert blocks(rec) == ["受强台风影响，沿海多个地区宣布明日停课停班，气象部门发布红色预警。",
                           "当局呼吁民众做好防风准备，非必要不要外出。"]


def test_feed_header_after_front_matter_and_split_source_line() -> None:
    rec = clean("d_jekyll_feed_header.md")
    assert rec.url == "https://finance.jjckb-example.cn/2023/03/17/c_112233.htm"
    assert rec.published_at == dt.datetime(2023, 3, 17, 11, 0, tzinfo=dt.timezone.utc)
    assert rec.publisher == "经济参考报"
    assert blocks(rec) == ["中国人民银行17日宣布，决定于3月27日下调金融机构存款准备金率0.25个百分点。",
                           "此次降准为全面降准，预计释放长期资金约5000亿元。"]


def test_og_site_name_names_the_publisher() -> None:
    rec = clean("e_html_og_site_name.html")
    assert rec.title == "港岛新医院动工 预计2026年启用"
    assert rec.publisher == "港闻在线"
    assert "publisher_from_domain" not in flags(rec)
    assert rec.published_at == dt.datetime(2023, 4, 5, 10, 30, tzinfo=CN)
    assert len(blocks(rec)) == 3 and "版权所有" not in rec.text and "首页" not in rec.text


def test_timestamp_line_byline_and_place_dateline_before_the_first_sentence() -> None:
    rec = clean("f_mirror_timestamp_place.md")
    assert rec.published_at == dt.datetime(2020, 10, 13, 14, 30, tzinfo=CN)
    assert rec.publisher == "台湾晨讯"
    assert rec.authors == ["张三丰"]
    assert blocks(rec) == ["立法院周二三读通过新法，要求大型网络平台公开推荐算法的基本原则。",
                           "法案规定，违规平台最高可处新台币一千万元罚款。"]


def test_a_page_that_names_nothing_gets_its_domain_flagged() -> None:
    rec = clean("g_mirror_nothing_named.md")
    assert rec.publisher in {"citypark-daily.net", "news.citypark-daily.net"}
    assert "publisher_from_domain" in flags(rec)
    assert rec.published_at == dt.datetime(2021, 5, 18, tzinfo=CN)
    assert rec.date_source == "url"
    assert len(blocks(rec)) == 2


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.iterdir()) if HERE.exists() else [])
def test_no_record_of_an_unknown_outlet_opens_with_a_dateline_or_credit(name: str) -> None:
    first = blocks(clean(name))[0]
    assert not first.startswith(("【", "（", "(", "文／", "最后更新", "台北 —")), first


def test_agency_wire_dateline_with_reporters_in_brackets_and_end_marks() -> None:
    rec = clean("h_mirror_wire_agency.md")
    assert rec.publisher == "海东通讯社"
    assert rec.published_at == dt.datetime(2021, 3, 4, tzinfo=CN)
    assert rec.authors == ["赵一鸣", "钱多多"] and rec.editors == ["孙小美"]
    assert blocks(rec) == ["多个省份近日推出新能源汽车消费补贴，单车最高补贴一万元。",
                           "业内人士认为，补贴政策将进一步带动汽车消费。"]


def test_traditional_characters_full_width_digits_and_slash_byline() -> None:
    rec = clean("i_mirror_traditional_fullwidth.md")
    assert rec.publisher == "臺灣日日報"
    assert rec.published_at == dt.datetime(2021, 8, 2, tzinfo=CN)
    assert rec.authors == ["林美玲"] and rec.editors == ["黃志明"]
    assert blocks(rec) == ["中度颱風今晨登陸，全台各縣市宣布停班停課。", "氣象局表示，颱風中心預計傍晚出海，各地仍須嚴防豪雨。"]


def test_feed_archive_of_an_unknown_outlet_with_a_reporter_line() -> None:
    rec = clean("j_feed_unknown_outlet.md")
    assert rec.layout == "feed"
    assert rec.url == "https://www.lvse-ribao.example/news/2021/04/01/tree.html"
    assert rec.published_at == dt.datetime(2021, 4, 1, tzinfo=dt.timezone.utc)
    assert rec.publisher == "绿色日报"
    assert rec.authors == ["周杰"]
    assert blocks(rec) == ["一年一度的春季植树活动今日在城郊启动，数千名市民参加。", "主办方表示，今年计划种植树苗五万株。"]


def test_link_key_author_list_and_post_meta_in_the_body() -> None:
    rec = clean("k_jekyll_link_authors.md")
    assert rec.title == "老城区改造启动 首批居民搬迁"
    assert rec.url == "https://www.jcwb-example.com/city/2021/0506/renewal.html"
    assert rec.publisher == "江城晚报"
    assert rec.authors == ["王大锤", "刘小花"]
    assert [im.url for im in rec.images] == ["https://img.jcwb-example.com/2021/0506/a.jpg"]
    assert blocks(rec) == ["老城区改造工程今日正式启动，首批约两百户居民开始搬迁。", "区政府表示，改造将保留历史街巷格局，预计三年完成。"]
