"""Cleaning on layouts and outlets the dev gold does not cover.

Each raw file under ``tests/fixtures/unseen/banned-news-2020`` is a real page
from the bench corpus (``shared/corpus/bench/banned-news-2020.tar.gz``) that
showed one failure pattern before the general rule that fixes it; the generic
news page is synthetic (nav, sidebar, related links, footer, article).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.scoring import LEAK_MARKERS
from transforms.boilerplate import apply_block_rules
from transforms.credits import parse_credit
from transforms.html_blocks import Block
from transforms.pipeline import clean_document
from transforms.records import Record, Reject

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"
PAGES = "banned-news-2020/pages/"
CN = dt.timezone(dt.timedelta(hours=8))


def clean(rel: str) -> Record:
    rec = clean_document((UNSEEN / rel).read_bytes(), rel)
    assert isinstance(rec, Record), rec
    return rec


def blocks(rec: Record) -> list[str]:
    return rec.text.split("\n\n")


def assert_no_leaks(rec: Record) -> None:
    leaks = [m for m in LEAK_MARKERS if m in rec.text]
    assert not leaks, leaks
    for marker in ("http://", "https://", "](", "<a ", "</p>", "转自", "订阅", "小铃铛", "授权转载", "制作组"):
        assert marker not in rec.text, marker


def test_dateline_and_byline_under_the_lead_image_are_not_its_caption() -> None:
    # 【希望之声2020年9月26日】（本台记者張莉莉综合报导） sits right after the lead image.
    rec = clean(PAGES + "soh6/426145.md")
    assert rec.published_at == dt.datetime(2020, 9, 26, tzinfo=CN)
    assert rec.date_source == "dateline"
    assert rec.authors == ["張莉莉"] and rec.editors == ["蔡紅"]
    assert blocks(rec)[0].startswith("9月25日（周五），美国国务卿蓬佩奥")
    assert_no_leaks(rec)


def test_live_stream_page_loses_channel_links_labels_donation_and_team_credit() -> None:
    rec = clean(PAGES + "prog203/a102947576.md")
    last = blocks(rec)[-1]
    assert last.startswith("过去三年，川普出席联合国大会的演讲主题都斥责社会主义")
    assert "网络收看方式" not in rec.text and "【支持】" not in rec.text and "YouTube" not in rec.text
    assert rec.editors == ["李红"]
    assert_no_leaks(rec)


def test_book_excerpt_notice_and_reprint_permission_are_dropped() -> None:
    rec = clean(PAGES + "p8/937558.md")
    assert "节录自" not in rec.text and "欢迎参考原书" not in rec.text
    assert blocks(rec)[-1].endswith("练习在任何环境都可以放松，有助于减少人际互动的压力。")
    rec = clean(PAGES + "p4/942406.md")  # （本文为《上报》独家授权《看中国》，请勿任意转载、抄袭。原文链接）
    assert blocks(rec)[-1] == "重视病毒，做好个人卫生，保持社交距离。走出恐惧，以健康的方式生活。"
    assert_no_leaks(rec)


def test_translated_byline_with_latin_name() -> None:
    # （大纪元英文记者Emel Akan报导/高杉编译）
    rec = clean(PAGES + "nf4514/n12476728.md")
    assert rec.authors == ["Emel Akan", "高杉"] and rec.editors == ["叶紫微"]
    assert blocks(rec)[0].startswith("美国专家表示，美国与中国共产党政权之间的关系转弯已经完成")


def test_rfa_credit_with_full_stop_and_glued_roles() -> None:
    # 自由亚洲电台记者肖一冰华盛顿报道。责编：申铧网编：郭度
    rec = clean(PAGES + "yataibaodao/bx-09212020163145.md")
    assert rec.authors == ["肖一冰"] and rec.editors == ["申铧", "郭度"]
    assert "责编" not in rec.text and "网编" not in rec.text


def test_reprint_source_line_with_disclaimer() -> None:
    # ──转自《大纪元》本文只代表作者的观点和陈述。
    rec = clean(PAGES + "prog1530/a102657031.md")
    assert blocks(rec)[-1].startswith("中秋节到来了，在这合家团圆的时刻")
    assert rec.publisher == "新唐人"
    assert_no_leaks(rec)


def test_reprint_mark_before_the_story_and_translator_after_source() -> None:
    rec = clean(PAGES + "soh186/256729.md")
    assert blocks(rec)[0] == "《共产主义黑皮书》：苏联版的户籍制"
    assert "（转载）" not in rec.text and "转自" not in rec.text
    assert "言纯均" in rec.authors


def test_secretchina_dateline_without_ri() -> None:
    # 【看中国2020年8月26讯】（看中国记者卢乙欣综合报导）
    rec = clean(PAGES + "p1/944181.md")
    assert rec.published_at == dt.datetime(2020, 8, 26, tzinfo=CN)
    assert rec.authors == ["卢乙欣"]
    assert blocks(rec)[0].startswith("尚被拘禁于狱中的维权律师余文生")


def test_mirror_page_with_an_empty_title_line() -> None:
    rec = clean(PAGES + "prog203/a102953524.md")
    assert rec.layout == "mirror" and rec.title is None
    assert rec.url == "https://www.ntdtv.com/gb/2020/10/01/a102953524.html"
    assert rec.published_at == dt.datetime(2020, 10, 1, tzinfo=CN)
    assert blocks(rec)[0].startswith("周二（9月29日）晚9点，2020年美国总统大选首次辩论")
    assert "相关视频" not in rec.text and "gfw-breaker" not in rec.text
    assert rec.editors == ["李红"]
    assert_no_leaks(rec)


def test_mirror_navigation_page_is_rejected() -> None:
    rel = PAGES + "link3.md"
    rec = clean_document((UNSEEN / rel).read_bytes(), rel)
    assert isinstance(rec, Reject) and rec.reason == "no_content"


def test_video_download_resolutions_are_dropped() -> None:
    rec = clean(PAGES + "nsc422/n11150249.md")
    assert "720p" not in rec.text and "下载链接" not in rec.text


def test_escaped_html_in_the_source_leaves_no_tags() -> None:
    rec = clean(PAGES + "nf4514/n12449829.md")
    assert "<a" not in rec.text and "</p>" not in rec.text and "href" not in rec.text
    assert "关于开展2020年9月份网评工作的通知 (PDF)" in blocks(rec)


def test_newsroom_byline_without_a_person() -> None:
    # （大纪元香港新闻中心报导）香港民主派议员反对…
    rec = clean(PAGES + "nsc412/n12470806.md")
    assert blocks(rec)[0].startswith("香港民主派议员反对增设大湾区投票站")
    assert rec.authors == []


def test_producer_commentary_byline() -> None:
    # （本台制作人方伟评论）
    rec = clean(PAGES + "soh59/320827.md")
    assert rec.authors == ["方伟"]
    assert blocks(rec)[0].startswith("于2019年12月4日结束的")


def test_editor_line_with_shi_and_commentary_disclaimer() -> None:
    rec = clean(PAGES + "nsc412/n12471680.md")  # 责任编辑是：朱涵儒
    assert rec.editors == ["朱涵儒"] and "责任编辑" not in rec.text
    rec = clean(PAGES + "soh55/390817.md")  # （以上评论只代表评论员个人的立场和观点)
    assert "只代表" not in rec.text and rec.editors == ["静汝"]


@pytest.mark.parametrize("line, authors, editors", [
    ("（英文大纪元专栏作家Walter E. Williams撰文／姬承羲编译）", ["Walter E. Williams", "姬承羲"], []),
    ("（香港大纪元记者夏洛山时事军事新闻综述）", ["夏洛山"], []),
    ("（记者：王允；编辑：申铧）网编：郭度", ["王允"], ["申铧", "郭度"]),
    ("图文整理：叶枫，责任编辑：高静", ["叶枫"], ["高静"]),
    ("希望之声国际广播电台记者李方、王倩采访报导", ["李方", "王倩"], []),
    ("文／摄影：张易书", ["张易书"], []),
    ("（大纪元记者CATHY HE AND EVA FU报导/林宜君编译）", ["CATHY HE", "EVA FU", "林宜君"], []),
])
def test_credit_shapes_from_the_bench_corpus(line: str, authors: list[str], editors: list[str]) -> None:
    c = parse_credit(line)
    assert c is not None and c.authors == authors and c.editors == editors


def test_prose_is_not_a_credit_or_promo() -> None:
    assert parse_credit("记者：为什么这样做？") is None
    texts, _ = apply_block_rules(
        [Block(text=t, spaced=t, tag="p") for t in (
            "相关视频被上传到海内外社交媒体上，引起网友一片声讨。",
            "我的建议pic.twitter.com/LizP7V21dS",
            "[9]陈宪辉：《革命的真相‧二十世纪中国纪事》，第15章，https://china20.weebly.com/。",
            "各位听众朋友：",
            "这是正文的最后一段。",
        )], None, (), (), ())
    assert len(texts) == 5


def test_generic_news_page_uses_the_fallback_extractor() -> None:
    rec = clean("generic_news_page.html")
    assert rec.layout == "html" and "fallback_extractor" in rec.rules_fired
    assert rec.title == "港口城市宣布扩建新码头 预计三年完工"
    assert rec.url == "https://www.haiwan-daily.example/news/2021/06/18/port-expansion.html"
    assert rec.publisher == "haiwan-daily.example"
    assert rec.published_at == dt.datetime(2021, 6, 18, 9, 30, tzinfo=CN)
    assert blocks(rec) == [
        "市政府周五宣布，将投资约四十亿元扩建城东的集装箱码头，新增四个深水泊位，预计三年内完工。",
        "负责该项目的港务局局长表示，扩建完成后，码头年吞吐能力将提高一倍，可以停靠目前世界上最大的集装箱船。",
        "有航运业人士指出，近年来区域内的货运需求持续增长，现有码头在旺季经常出现船舶排队等候的情况，扩建工程“来得正是时候”。",
        "不过，也有环保团体担心，填海工程可能影响附近海域的渔业资源。港务局回应说，工程将分阶段进行，并会定期公布环境监测数据。",
    ]
    for junk in ("首页", "热门文章", "相关新闻", "关于我们", "版权所有", "分享到"):
        assert junk not in rec.text


def test_fallback_is_not_used_for_known_layouts() -> None:
    rec = clean(PAGES + "soh6/426145.md")
    assert "fallback_extractor" not in rec.rules_fired
