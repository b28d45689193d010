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

from tests.scoring import LEAK_MARKERS, blocks, clean_fixture
from transforms.boilerplate import apply_block_rules
from transforms.credits import parse_credit
from transforms.html_blocks import Block
from transforms.pipeline import clean_document
from transforms.records import Record, Reject

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"
PAGES = "banned-news-2020/pages/"
CN = dt.timezone(dt.timedelta(hours=8))


def clean(rel: str) -> Record:
    return clean_fixture(UNSEEN, rel)


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
    # The page names itself in its title's site suffix ("… - 海湾日报"): no bare domain.
    assert rec.publisher == "海湾日报" and "publisher:title_suffix" in rec.rules_fired
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


# --------------------------------------------------------------------------- second pass


def test_cms_note_after_the_closing_editor_credit_is_dropped() -> None:
    # 责任编辑：高义 / =请放自由广场，类别重点。排程10个小时后发表。谢谢
    rec = clean(PAGES + "nsc993/n12246247.md")
    assert rec.editors == ["高义"]
    assert blocks(rec)[-1].endswith("并表示官方以后还会陆续公布大人物死亡。")
    assert "请放自由广场" not in rec.text
    assert_no_leaks(rec)


def test_after_credit_rule_keeps_a_story_that_goes_on() -> None:
    story = [f"第{i}段正文，内容很长很长，是故事的一部分。" for i in range(3)]
    long_tail = "后面还有一段真正的正文，讲述了另一件事情的经过，包括时间、地点与人物，" * 3
    texts, f = apply_block_rules(
        [Block(text=t, spaced=t, tag="p") for t in (*story, "责任编辑：高义", long_tail)], None, (), (), ())
    assert texts == [*story, long_tail] and f.editors == ["高义"]
    texts, f = apply_block_rules(
        [Block(text=t, spaced=t, tag="p") for t in (*story, "责任编辑：朱颖", "一般发表，自由广场")], None, (), (), ())
    assert texts == story and f.editors == ["朱颖"]


def test_rfa_credit_in_separate_spans_without_separators() -> None:
    # <span>记者乔龙</span><span>责编</span><span>胡力汉 许书婷</span>
    rec = clean(PAGES + "yataibaodao/QL2-10162020054746.md")
    assert rec.authors == ["乔龙"] and rec.editors == ["胡力汉", "许书婷"]
    assert "责编" not in rec.text


def test_programme_sign_off_with_like_and_subscribe_prompt() -> None:
    # 以上就是今天的节目内容。如果您喜欢新闻看点，请别忘记点赞订阅… / 感谢您的收看，再会。
    rec = clean(PAGES + "nsc412/n12479094.md")
    assert "点赞订阅" not in rec.text and "感谢您的收看" not in rec.text and "会员区" not in rec.text
    assert blocks(rec)[0] == "大家好，欢迎关注新闻看点，我是李沐阳。今天是10月15日，星期四。"
    texts, _ = apply_block_rules([Block(text=t, spaced=t, tag="p") for t in (
        "正文。", "更多内容请观看完整视频。别忘了，订阅我们的频道，打开小铃铛，获取更新。下次节目再见！#",
        "《新闻第一现场》制作")], None, (), (), ())
    assert texts == ["正文。"]


def test_headline_label_is_not_a_columnist() -> None:
    rec = clean(PAGES + "prog647/a102921424.md")  # 历史故事：晋孝武帝酒后渎神，不久身故
    assert rec.authors == [] and rec.editors == ["张信燕"]
    rec = clean(PAGES + "pinglun/yj-09232020185853.md")  # 禁书解读 | 余杰：北美华文报纸…
    assert rec.authors == ["余杰"]


@pytest.mark.parametrize("title, author", [
    ("田云：美总统辩论令中共恐惧的事实", "田云"),
    ("秦鹏快评：习近平为防中共垮台", "秦鹏"),
    ("组图：欧洲心脏－博登湖拉起“和平人链”", None),
    ("美国务院：去年96位法轮功学员遭迫害死", None),
    ("专访胡平：20年打压 法轮功屹立不倒意义深远", None),
    ("前车之鉴：千年古城为何突然神秘消失？", None),
    ("德媒：欧洲已不信任北京", None),
])
def test_title_columnist_names_people_only(title: str, author: str | None) -> None:
    from transforms.pipeline import _title_authors
    assert _title_authors(title, None, ["正文。"], [], []) == ([author] if author else [])


def test_title_repeated_without_its_bracketed_tail() -> None:
    rec = clean(PAGES + "prog202/a102949251.md")  # title 【环球直击】9月25日完整版（2）, body 【环球直击】9月25日完整版
    assert blocks(rec)[0] == "提要"
    rec = clean(PAGES + "p8/944108.md")  # title …规划术”(图), body …规划术”
    assert blocks(rec)[0] == "确保每天睡七个小时"
    texts, _ = apply_block_rules([Block(text="济南市全体大法弟子恭祝师尊中秋好。", spaced="", tag="p")],
                                 "济南市全体大法弟子恭祝师尊中秋好", (), (), ())
    assert texts == ["济南市全体大法弟子恭祝师尊中秋好。"]  # a one-line page keeps its only line


def test_double_bracketed_byline_before_the_story() -> None:
    rec = clean(PAGES + "soh5/430948.md")  # （（本台记者林秀宜采访报导））美国总统…
    assert rec.authors == ["林秀宜"] and rec.editors == ["元明清"]
    assert blocks(rec)[0].startswith("美国总统特朗普确诊感染中共病毒")


def test_abridged_mark_and_serial_mark_are_dropped() -> None:
    rec = clean(PAGES + "p6/932094.md")
    assert "删节" not in rec.text
    assert blocks(rec)[-1].endswith("现在的教师岂不汗颜！")
    texts, _ = apply_block_rules([Block(text=t, spaced=t, tag="p") for t in (
        "这，大概就是经济学家与富豪的区别。（未完待续）", "“往事微痕”供稿")], None, (), (), ())
    assert texts == ["这，大概就是经济学家与富豪的区别。"]


def test_long_membership_appeal_is_dropped() -> None:
    rec = clean(PAGES + "p3/948952.md")  # 【诚征荣誉会员】溪流能够汇成大海…（long）
    assert "荣誉会员" not in rec.text
    assert_no_leaks_except_footnote_urls(rec)


def assert_no_leaks_except_footnote_urls(rec: Record) -> None:
    leaks = [m for m in LEAK_MARKERS if m in rec.text and m != "原文链接："]  # the story cites its sources
    assert not leaks, leaks


def test_source_line_with_only_a_url_is_not_kept_or_the_publisher() -> None:
    rec = clean(PAGES + "soh3/391390.md")  # 文章来源：https://www.sohu.com/a/…
    assert "文章来源" not in rec.text and "sohu.com" not in rec.text
    assert rec.publisher == "希望之声"


@pytest.mark.parametrize("line, authors, editors", [
    ("记者文海欣刘少风郑日尧责编 胡力汉 许书婷", ["文海欣", "刘少风", "郑日尧"], ["胡力汉", "许书婷"]),
    ("自由亚洲电台记者郑崇生华盛顿报道   责编·：梒青   网编：洪伟", ["郑崇生"], ["梒青", "洪伟"]),
    ("自由亚洲电台 柳泉报道 责编：申铧 网编：郭度", ["柳泉"], ["申铧", "郭度"]),
    ("（记者李韵报导？责任编辑：戴明）", ["李韵"], ["戴明"]),
    ("责任编辑：张宪义 @*#", [], ["张宪义"]),
    ("（英文大纪元资深记者杨杰凯（Jan Jekielek）采访报导／秋生编译）", ["杨杰凯", "秋生"], []),
    ("（大纪元英文记者费翰Jack Phillips报导/高杉编译）", ["费翰", "高杉"], []),
    ("（大纪元记者林乐予美国华盛顿DC报导）", ["林乐予"], []),
    ("（大纪元记者尹婉、周静静美国大急流城报导）", ["尹婉", "周静静"], []),
    ("（大纪元记者特约记者柯婷婷、韩瑞美国纽约报导）", ["柯婷婷", "韩瑞"], []),
    ("（（本台记者伊虎9月5日综合报道））", ["伊虎"], []),
    ("（記者文興賓州報導）", ["文興"], []),
    ("采访编辑/刘惠 后制/金叶萱", ["刘惠"], ["金叶萱"]),
    ("（本台记者唐家婕对报道有贡献。）（记者：王允；编辑：申铧） 网编：申铧", ["唐家婕", "王允"], ["申铧"]),
])
def test_credit_shapes_second_pass(line: str, authors: list[str], editors: list[str]) -> None:
    c = parse_credit(line)
    assert c is not None and c.authors == authors and c.editors == editors


@pytest.mark.parametrize("line", [
    "红色媒体记者（图片来源：Andrea Verdelli/Getty Images）",  # an image credit
    "记者：为什么这样做？",
    "记者：为什么？编辑怎么说",
    "（本台记者唐家婕对报道负责任）",
])
def test_not_credits_second_pass(line: str) -> None:
    assert parse_credit(line) is None
