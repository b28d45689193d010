"""More held-out pages: an adversarial second set of fictional outlets no site table knows.

Each page was written (with its expected record) before the rule that makes it pass, in a
shape the cleaning spec or issue 12 names that tests/test_unseen_outlets.py does not cover:
a wire credit ending in a day-only dateline (``（某某通訊社記者王小明台北4日電）``), ``【某某日報專訊】``
over a ``記者X／香港報導`` block and ``（待續）``, ``本报讯（记者…）`` with first-published and reprint
notices, month-only datelines in Arabic and Chinese numerals (no day invented), a timestamp
block with ``**`` emphasis, ``撰文：`` and ``图／X``, a ``source:`` key holding a name beside
``canonical_url``, a breadcrumb title suffix beside ``og:site_name`` with an h1 and ``文 | X``,
an English byline with a role and an embedded tweet, a video-only post, a feed archive of a
wire agency, a dateline ended by a space (``新华社北京3月4日电 …``) under timestamp and source
blocks, a reporter inside a bracketed dateline, ``文︱X``, a byline ending in a colon, a
source line carrying a credit, and a ``标题_某某晚报`` title suffix.
"""
from __future__ import annotations

import datetime as dt

from tests.test_unseen_outlets import CN, blocks, clean
from transforms.quality import quality_flags

UTC = dt.timezone.utc


def test_wire_credit_with_a_day_only_dateline_and_an_editor_in_brackets() -> None:
    rec = clean("l_mirror_wire_credit_day_only.md")
    assert rec.publisher == "海峽通訊社"
    assert rec.url == "https://www.haixia-news.example/news/aipl/202103040123.aspx"
    assert rec.published_at == dt.datetime(2021, 3, 4, tzinfo=CN)
    assert rec.authors == ["王小明"] and rec.editors == ["李大同"]
    assert blocks(rec) == ["立法院今天三讀通過道路交通管理處罰條例部分條文修正案，機車駕照考試制度將大幅調整。",
                           "交通部官員表示，新制預計明年上路，相關配套措施將陸續公布。"]


def test_special_report_mark_over_a_slash_byline_and_a_serial_mark() -> None:
    rec = clean("m_mirror_hk_special_report.md")
    assert rec.publisher == "港島日報"
    assert rec.published_at == dt.datetime(2022, 6, 15, tzinfo=CN)
    assert rec.authors == ["陳家明"]
    assert blocks(rec) == ["市區重建局昨日公布新一輪舊區重建計劃，涉及約三百個住宅單位。",
                           "有居民表示，擔心重建後區內租金大幅上升，難以繼續留在社區生活。"]


def test_own_dateline_first_published_and_reprint_notices_and_a_year_slash_monthday_url() -> None:
    rec = clean("n_mirror_benbaoxun_notices.md")
    assert rec.publisher == "滨江日报"
    assert rec.published_at == dt.datetime(2020, 11, 3, tzinfo=CN)
    assert rec.date_source == "url"
    assert rec.authors == ["刘洋"]
    assert blocks(rec) == ["滨江新区首条跨江隧道昨日全线贯通，预计年底通车。", "据介绍，隧道全长约三公里，双向六车道，设计时速六十公里。"]


def test_month_only_dateline_block_leaves_the_day_to_the_url() -> None:
    rec = clean("o_mirror_month_only_dateline.md")
    assert rec.publisher == "东方之声"
    assert rec.published_at == dt.datetime(2020, 12, 28, tzinfo=CN)
    assert blocks(rec) == ["这一年，疫情改变了许多海外华人社区的生活方式，不少社团活动改为线上进行。",
                           "多位社区负责人表示，明年将继续推动线上与线下结合的活动形式。"]


def test_month_only_dateline_in_chinese_numerals_invents_no_day() -> None:
    rec = clean("p_mirror_chinese_month_block.md")
    assert rec.publisher == "北国电台"
    assert rec.published_at is None
    assert blocks(rec) == ["寒潮持续影响北方地区，多地最低气温跌破零下三十度。", "气象部门提醒，民众外出应注意防寒保暖。"]


def test_timestamp_block_writer_line_emphasis_image_credit_and_end_mark() -> None:
    rec = clean("q_mirror_timestamp_block_emphasis.md")
    assert rec.published_at == dt.datetime(2019, 3, 2, 8, 15, tzinfo=CN)
    assert rec.date_source == "dateline"
    assert rec.authors == ["李明"]
    assert rec.publisher in {"shanqu-news.example", "www.shanqu-news.example"}
    assert "publisher_from_domain" in quality_flags(rec, dt.datetime(2026, 12, 1, tzinfo=UTC))
    assert [im.url for im in rec.images] == ["https://img.shanqu-news.example/2019/0302/school.jpg"]
    assert blocks(rec) == ["山区小学新校舍今日正式启用，三百多名学生告别了漏雨的旧教室。",
                           "校长表示，新校舍配备了图书室和多媒体教室，孩子们终于有了像样的学习环境。"]


def test_source_key_holding_a_name_and_canonical_url_key() -> None:
    rec = clean("r_jekyll_source_name_canonical.md")
    assert rec.url == "https://www.beian-daily.example/port/2021/0914/expansion.html"
    assert rec.publisher == "北岸日报"
    assert rec.published_at == dt.datetime(2021, 9, 14, 10, 20, tzinfo=CN)
    assert rec.authors == ["周明"]
    assert blocks(rec) == ["北岸港口扩建工程日前获得主管部门批准，总投资约八十亿元。", "项目建成后，港口年吞吐能力将提升一倍。"]


def test_breadcrumb_title_suffix_site_name_h1_and_pipe_byline() -> None:
    rec = clean("s_html_site_name_vs_suffix.html")
    assert rec.title == "港口擴建計劃獲批"
    assert rec.publisher == "海灣新聞網"
    assert rec.url == "https://www.haiwan-news.example/intl/20220506/port.html"
    assert rec.published_at == dt.datetime(2022, 5, 6, 9, 0, tzinfo=CN)
    assert rec.authors == ["陳小華"]
    assert blocks(rec) == ["海灣地區最大港口的擴建計劃昨日獲得批准，工程預計明年動工。", "港務局表示，擴建後港口可同時停泊十艘大型貨櫃船。"]


def test_english_byline_of_an_unknown_outlet_and_an_embedded_tweet_that_stays() -> None:
    rec = clean("t_html_english_byline_tweet.html")
    assert rec.title == "Harbor expansion approved after long delay"
    assert rec.publisher == "The Harbor Ledger"
    assert rec.published_at == dt.datetime(2022, 5, 6, 9, 0, tzinfo=UTC)
    assert rec.authors == ["Jane Doe"]
    b = blocks(rec)
    assert b[0] == "The city council approved the long-delayed harbor expansion on Thursday, ending a decade of debate."
    assert "Big day for our port. The expansion is finally approved!" in b
    assert b[-1] == "Construction is expected to begin next spring and take four years."
    assert "By Jane Doe" not in rec.text and "Staff Reporter" not in rec.text


def test_video_only_post_keeps_its_record_with_empty_text() -> None:
    rec = clean("u_jekyll_video_only.md")
    assert rec.text == ""
    assert rec.title == "视频：暴雨过后的城市街头"
    assert rec.url == "https://www.shipin-example.com/video/2023/0721/rain.html"
    assert rec.published_at == dt.datetime(2023, 7, 21, 20, 0, tzinfo=CN)
    assert rec.authors == ["赵敏"]


def test_feed_archive_of_a_wire_agency_with_a_day_only_credit_dateline() -> None:
    rec = clean("v_feed_wire_credit_epoch.md")
    assert rec.layout == "feed"
    assert rec.published_at == dt.datetime(2021, 3, 24, 8, 0, tzinfo=UTC)
    assert rec.publisher == "寶島通訊社"
    assert rec.authors == ["林志豪"] and rec.editors == ["張美華"]
    assert blocks(rec) == ["經濟部今天公布離岸風電第三階段招標結果，共有五家業者獲選。", "經濟部表示，得標業者須於二〇二五年前完成併網。"]


def test_timestamp_and_source_blocks_over_a_wire_dateline_ended_by_a_space() -> None:
    rec = clean("w_mirror_spaced_wire_dateline.md")
    assert rec.published_at == dt.datetime(2021, 3, 4, 10, 20, tzinfo=CN)
    assert rec.publisher == "江海日报"
    assert blocks(rec) == ["国务院常务会议今天部署稳就业新举措，加大对中小企业的支持力度。", "会议指出，要确保就业形势总体稳定。"]


def test_reporter_named_inside_a_bracketed_dateline() -> None:
    rec = clean("x_mirror_reporter_inside_dateline.md")
    assert rec.publisher == "東方電視台"
    assert rec.published_at == dt.datetime(2021, 3, 4, tzinfo=CN)
    assert rec.authors == ["王小明"] and rec.editors == ["黃大仁"]
    assert blocks(rec) == ["跨海大橋今天正式通車，兩岸往返時間由一小時縮短為半小時。", "交通部門預計，大橋每日車流量將超過三萬輛次。"]


def test_exclusive_mark_of_any_name_and_a_vertical_bar_byline() -> None:
    rec = clean("y_mirror_exclusive_mark_vertical_bar.md")
    assert rec.publisher == "明鏡"
    assert rec.published_at == dt.datetime(2022, 1, 15, tzinfo=CN)
    assert rec.authors == ["林小美"]
    assert blocks(rec) == ["政府今日公布老街市活化計劃，將保留原有建築外牆，改建為文化市集。", "計劃預計明年動工，工期約兩年。"]


def test_byline_ending_in_a_colon_and_a_source_line_carrying_a_credit() -> None:
    rec = clean("za_mirror_colon_byline_source_credit.md")
    assert rec.publisher == "大湾区日报"
    assert rec.published_at == dt.datetime(2023, 6, 10, tzinfo=CN)
    assert rec.authors == ["王小明"]
    assert blocks(rec) == ["大湾区新机场规划今日公布，预计二〇三〇年建成投用。", "规划显示，新机场设计年旅客吞吐量八千万人次。"]


def test_underscore_site_suffix_date_only_front_matter_and_a_quoted_notice_that_stays() -> None:
    rec = clean("zb_jekyll_underscore_suffix.md")
    assert rec.title == "江城地铁三号线试运行"
    assert rec.publisher == "江城晚报"
    assert rec.url == "https://www.jcwb2-example.com/metro/2021/0506/line3.html"
    assert rec.published_at == dt.datetime(2021, 5, 6, tzinfo=CN)
    assert rec.authors == ["王大锤", "刘小花"]
    assert blocks(rec) == ["江城地铁三号线今日开始试运行，市民可免费体验一周。",
                           "地铁公司发布公告：试运行期间每日运营时间为早七点至晚九点。",
                           "三号线全长二十八公里，串联城东与城西两大片区。"]
