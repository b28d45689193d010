"""The general rules (``transforms/sites/general.toml``) on outlets no site table knows.

Every fixture under ``tests/fixtures/general`` is hand-written for a fictional outlet
(``*.example`` domains, invented names), in the shapes real outlets use: so these
tests pass only through the general rules, never through an outlet's table.
"""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms import sites
from transforms.boilerplate import apply_block_rules
from transforms.credits import parse_credit
from transforms.general_rules import general_rules, numeral
from transforms.html_blocks import Block
from transforms.metadata import date_from_match, url_as_written
from transforms.pipeline import clean_document
from transforms.publisher import split_title_suffix
from transforms.quality import quality_flags
from transforms.records import Record

GENERAL = Path(__file__).parent / "fixtures" / "general"
CN = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def clean(name: str) -> Record:
    rec = clean_document((GENERAL / name).read_bytes(), name)
    assert isinstance(rec, Record), rec
    return rec


def peel(*texts: str, title: str | None = None):
    """The block rules alone, with no site table's rules."""
    return apply_block_rules([Block(t) for t in texts], title, (), (), ())


# Datelines ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "want"), [
    ("二〇二〇", 2020), ("二零二一", 2021), ("十二", 12), ("二十三", 23), ("廿三", 23), ("卅一", 31), ("九", 9),
    ("十", 10), ("２０２０", 2020), ("07", 7), ("三十五十", None), ("大", None),
])
def test_numerals_in_every_script(text: str, want: int | None) -> None:
    assert numeral(text) == want


@pytest.mark.parametrize(("dateline", "when"), [
    ("【北岸日报2020年9月9日讯】", dt.datetime(2020, 9, 9, tzinfo=CN)),
    ("【北岸日报二〇二〇年九月九日讯】", dt.datetime(2020, 9, 9, tzinfo=CN)),
    ("【南港电视台北京时间二零二一年一月二十三日讯】", dt.datetime(2021, 1, 23, tzinfo=CN)),
    ("【湖滨晨报２０２１年５月１日】", dt.datetime(2021, 5, 1, tzinfo=CN)),
    ("【环宇之声2021年1月23日 08:15】", dt.datetime(2021, 1, 23, 8, 15, tzinfo=CN)),
    ("新星通讯社海港城二〇二〇年九月九日电 — ", dt.datetime(2020, 9, 9, tzinfo=CN)),
])
def test_bracketed_and_place_datelines_give_the_date_and_leave_the_text(dateline: str, when: dt.datetime) -> None:
    texts, f = peel(dateline + "港口新城九日举行开港仪式，首批货轮驶入新码头。", "市长在仪式上致辞。")
    assert texts == ["港口新城九日举行开港仪式，首批货轮驶入新码头。", "市长在仪式上致辞。"]
    assert f.dateline is not None and date_from_match(f.dateline) == when
    assert any(r.startswith("dateline:") for r in f.rules_fired)


def test_wire_dateline_of_an_agency_in_the_directory() -> None:
    texts, f = peel("法新社巴黎二〇二〇年九月九日电 — 法国政府九日宣布新的防疫措施。")
    assert texts == ["法国政府九日宣布新的防疫措施。"]
    assert "dateline:wire" in f.rules_fired and date_from_match(f.dateline) == dt.datetime(2020, 9, 9, tzinfo=CN)


@pytest.mark.parametrize(("first", "authors", "rule"), [
    ("北岸社海港城9月9日电（记者周明、王芳）港口新城九日开港。", ["周明", "王芳"], "dateline:place"),
    ("本报讯（记者 周明）港口新城九日开港。", ["周明"], "dateline:self"),
    ("本报海港城讯 港口新城九日开港。", [], "dateline:self"),
    ("【北岸日报2020年9月9日讯】【记者 周明】港口新城九日开港。", ["周明"], "dateline:generic"),
])
def test_mainland_paper_openings(first: str, authors: list[str], rule: str) -> None:
    texts, f = peel(first, "市长在仪式上致辞。", "责任编辑：林晓 审核：王芳")
    assert texts == ["港口新城九日开港。", "市长在仪式上致辞。"]
    assert f.authors == authors and f.editors == ["林晓", "王芳"] and rule in f.rules_fired


def test_lenticular_bracket_that_is_not_a_credit_stays() -> None:
    assert peel("【编者按】港口新城九日开港。")[0] == ["【编者按】港口新城九日开港。"]


@pytest.mark.parametrize(("line", "source", "authors", "editors", "stamp"), [
    ("2021-03-05 09:30 来源：北岸日报 作者：周明 浏览：1234", ["北岸日报"], ["周明"], [], "2021-03-05 09:30"),
    ("发布时间：2021年3月5日 来源：东海日报 编辑：林晓", ["东海日报"], [], ["林晓"], "发布时间：2021年3月5日"),
    ("作者：周明 | 来源：北岸日报 | 2021/03/05", ["北岸日报"], ["周明"], [], "2021/03/05"),
    ("2021-03-05 09:30:12 来源：中国日报 字号：大 中 小 打印", ["中国日报"], [], [], "2021-03-05 09:30:12"),
])
def test_cms_info_line(line: str, source: list[str], authors: list[str], editors: list[str], stamp: str) -> None:
    texts, f = peel(line, "北岸市政府五日公布新年度预算。")
    assert texts == ["北岸市政府五日公布新年度预算。"] and "info_line" in f.rules_fired
    assert (f.sources, f.authors, f.editors, f.dateline.group(0)) == (source, authors, editors, stamp)


@pytest.mark.parametrize("line", ["记者：为什么 来源：这里说的是", "2021-03-05 来源：北岸日报 据报道，市政府宣布", "来源：北岸统计局"])
def test_not_an_info_line(line: str) -> None:
    assert peel(line, "正文。")[0] == [line, "正文。"]


def test_info_line_gives_date_publisher_and_author() -> None:
    rec = clean("info_line.md")
    assert rec.published_at == dt.datetime(2021, 3, 5, 9, 30, tzinfo=CN) and rec.publisher == "北岸日报"
    assert rec.authors == ["周明"] and rec.text.startswith("北岸市政府五日公布")


def test_month_only_dateline_is_removed_but_gives_no_date() -> None:
    texts, f = peel("【北岸日报二零二零年十二月】", "北岸市今年的降雪比往年来得早。")
    assert texts == ["北岸市今年的降雪比往年来得早。"]
    assert "dateline:generic" in f.rules_fired and date_from_match(f.dateline) is None


@pytest.mark.parametrize("line", ["2019年3月2日 08:15", "最后更新：2020-09-09 10:00", "发布时间：二〇二〇年九月九日",
                                  "2020/09/09 18:00", "（2019年3月2日 星期六 08:15）", "更新时间：2021年1月23日"])
def test_timestamp_line_in_a_block_of_its_own(line: str) -> None:
    texts, f = peel(line, "北岸市政府公布新年度预算。")
    assert texts == ["北岸市政府公布新年度预算。"] and "dateline:timestamp" in f.rules_fired


def test_a_date_inside_the_story_is_not_a_dateline() -> None:
    body = ["北岸市政府二十二日公布预算。", "2019年3月2日 08:15", "他在9月9日电话中说明了计划。"]
    texts, f = peel(*body)
    assert texts == body and f.dateline is None
    texts, f = peel("他在9月9日电话中说明了计划。")
    assert texts == ["他在9月9日电话中说明了计划。"] and f.dateline is None


def test_a_bare_date_heading_the_story_stays() -> None:
    texts, f = peel("1999年7月20日", "那一天，北岸市的广场上聚集了上千人。")
    assert texts == ["1999年7月20日", "那一天，北岸市的广场上聚集了上千人。"] and f.dateline is None


def test_timestamp_line_gives_published_at_with_its_time() -> None:
    rec = clean("beian_timestamp.md")
    assert rec.published_at == dt.datetime(2021, 1, 23, 8, 15, tzinfo=CN) and rec.date_source == "dateline"
    assert rec.text.startswith("北岸市政府二十二日公布新年度预算")
    assert "dateline:timestamp" in rec.rules_fired


def test_dateline_in_its_own_block_then_a_station_credit() -> None:
    rec = clean("huanyu_mirror.md")
    assert rec.site is None
    assert rec.published_at == dt.datetime(2020, 9, 9, tzinfo=CN)
    assert rec.text.startswith("港口新城九日举行开港仪式")
    assert rec.authors == [] and rec.editors == ["林晓"]  # the station credit names nobody
    assert "dateline:generic" in rec.rules_fired and "leading_byline" in rec.rules_fired
    # The outlet inside the dateline is the page's own name; the source line is a reprint's source.
    assert rec.publisher == "环宇之声" and "publisher:dateline" in rec.rules_fired
    assert "东海日报" not in rec.text and "文章来源" not in rec.text


# Bylines and credits -------------------------------------------------------------------


@pytest.mark.parametrize(("credit", "authors"), [
    ("（东海日报通讯员李明杭州报道）", ["李明"]),
    ("（南港晚报记者王芳北城报导）", ["王芳"]),
    ("（北岸日报记者 周明 海港城报导）", ["周明"]),
    ("文／陈静", ["陈静"]),
    ("（环宇之声记者夏一鸣综合报道）", ["夏一鸣"]),
    ("北岸广播电台 林小雨报道", ["林小雨"]),
    ("北岸电视台美中记者站温圣缘采访报导", ["温圣缘"]),
])
def test_bylines_of_any_outlet(credit: str, authors: list[str]) -> None:
    c = parse_credit(credit)
    assert c is not None and c.authors == authors


@pytest.mark.parametrize("credit", ["（本报驻欧洲记者站报道）", "（通讯员报道）", "（环宇之声驻东京记者站报道）"])
def test_credit_without_a_person_is_removed_and_names_nobody(credit: str) -> None:
    texts, f = peel(credit + "港口新城九日举行开港仪式。")
    assert texts == ["港口新城九日举行开港仪式。"] and f.authors == []


def test_trailing_editor_line_and_byline_of_an_unknown_outlet() -> None:
    texts, f = peel("（南港晚报记者王芳北城报导）南港渔民本周迎来丰收季。", "渔获量比去年增加三成。", "文／王芳", "责任编辑：林晓")
    assert texts == ["南港渔民本周迎来丰收季。", "渔获量比去年增加三成。"]
    assert f.authors == ["王芳"] and f.editors == ["林晓"]


def test_genre_label_in_the_title_is_not_an_author() -> None:
    rec = clean_document("### 时评：港口扩建的代价\n---\n<p>港口扩建带来了就业，也带来了噪音和污染。</p>".encode(), "x.md")
    assert isinstance(rec, Record) and rec.authors == []


def test_column_label_before_a_columnist() -> None:
    rec = clean_document("### 读者来信 | 郑海潮：港口扩建的代价\n---\n<p>港口扩建带来了就业。</p>".encode(), "x.md")
    assert isinstance(rec, Record) and rec.authors == ["郑海潮"] and "title_author:generic" in rec.rules_fired


# Publisher ---------------------------------------------------------------------------


def test_source_line_gives_the_publisher_even_split_by_a_link() -> None:
    rec = clean("beian_timestamp.md")
    assert rec.publisher == "北岸日报" and "publisher:source_line" in rec.rules_fired
    assert "来源" not in rec.text


def test_source_line_split_over_blocks_by_links() -> None:
    rec = clean("split_source_line.md")
    assert rec.text == "北岸港口上月吞吐量创下历史新高，同比增长百分之十二。"
    assert rec.publisher == "东海日报" and "source_line" in rec.rules_fired


def test_article_source_line_mid_text_is_dropped_but_a_charts_data_source_stays() -> None:
    texts, f = peel("北岸港口上月吞吐量创新高。", "文章来源：东海日报", "来源：北岸统计局", "港务局表示将继续扩建。")
    assert texts == ["北岸港口上月吞吐量创新高。", "来源：北岸统计局", "港务局表示将继续扩建。"]
    assert f.sources == ["东海日报"]


def test_bracketed_outlet_at_the_end_is_a_source() -> None:
    texts, f = peel("北岸港口上月吞吐量创新高。#", "（转南港电视台）")
    assert texts == ["北岸港口上月吞吐量创新高。"]
    texts, f = peel("北岸港口上月吞吐量创新高。", "（东海之音）")
    assert texts == ["北岸港口上月吞吐量创新高。"] and f.sources == ["东海之音"]


def test_og_site_name() -> None:
    rec = clean("site_name_page.html")
    assert rec.publisher == "湖滨晨报" and "publisher:site_name" in rec.rules_fired and rec.title == "湖滨公园重新开放"


def test_bare_domain_is_the_last_resort_and_flagged() -> None:
    rec = clean("domain_only.md")
    assert rec.publisher == "mountain-school.example" and "publisher:domain" in rec.rules_fired
    assert "publisher_from_domain" in quality_flags(rec, NOW)
    assert "publisher_from_domain" not in quality_flags(clean("site_name_page.html"), NOW)


def test_outlet_named_by_a_byline_before_a_bare_domain() -> None:
    rec = clean("feed_after_front_matter.md")
    assert rec.publisher == "南港晚报" and "publisher:byline" in rec.rules_fired


@pytest.mark.parametrize(("title", "want"), [
    ("港区新政出台 - 北岸新闻网", ("港区新政出台", "北岸新闻网")),
    ("Port policy announced | Beian Daily", ("Port policy announced", "Beian Daily")),
    ("湖滨公园重新开放 | 湖滨晨报", ("湖滨公园重新开放", "湖滨晨报")),
    ("专栏 | 不同的声音：港口扩建的代价", ("专栏 | 不同的声音：港口扩建的代价", None)),
    ("评论 | 郑海潮：港口扩建", ("评论 | 郑海潮：港口扩建", None)),
    ("中美贸易 - 谈判破裂", ("中美贸易 - 谈判破裂", None)),
])
def test_title_site_suffix(title: str, want: tuple[str, str | None]) -> None:
    assert split_title_suffix(title) == want


def test_mirror_headline_with_its_sites_name() -> None:
    raw = "### 港区新政出台 - 北岸新闻网\n---\n<p>港区管理委员会五日公布新政策。</p>".encode()
    rec = clean_document(raw, "m.md")
    assert isinstance(rec, Record) and rec.title == "港区新政出台" and rec.publisher == "北岸新闻网"
    assert {"title_suffix", "publisher:title_suffix"} <= set(rec.rules_fired)


# URLs ----------------------------------------------------------------------------------


def test_feed_url_with_parentheses_kept_whole() -> None:
    raw = "<!--1615000000000-->\n[标题](https://www.beian-news.example/a_(1).html)\n-----\n<p>正文。</p>".encode()
    rec = clean_document(raw, "f.md")
    assert isinstance(rec, Record) and rec.url == "https://www.beian-news.example/a_(1).html"


def test_url_exactly_as_written_with_full_width_brackets() -> None:
    assert clean("huanyu_mirror.md").url == "https://www.huanyu-voice.example/新闻/港口新城开港（图）-123456.html"
    assert url_as_written("https://a.example/x（图）-1.html）。") == "https://a.example/x（图）-1.html"
    assert url_as_written("https://a.example/(a)b),") == "https://a.example/(a)b"


# Other mirror generators' Jekyll conventions ------------------------------------------------


def test_other_generator_post() -> None:
    rec = clean("other_generator_post.md")
    assert rec.url == "https://www.beian-news.example/2021/03/05/port-policy.html"
    assert rec.authors == ["林晓"]
    assert rec.title == "港区新政出台" and rec.publisher == "北岸新闻网" and "publisher:title_suffix" in rec.rules_fired
    assert rec.text.split("\n\n") == ["港区管理委员会五日公布一揽子新政策，包括降低入驻企业的租金和简化审批程序。",
                                      "委员会主任表示，新政策将在下月起分阶段实施，首批受惠的是中小型物流企业。"]
    assert {"repeated_title", "post_meta", "word_count", "taxonomy_links", "photo_credit"} <= set(rec.rules_fired)


def test_feed_archive_header_after_front_matter() -> None:
    rec = clean("feed_after_front_matter.md")
    assert rec.title == "南港渔民迎来丰收季" and "jekyll:feed_header" in rec.rules_fired
    assert rec.url == "https://www.nangang-evening.example/fish/20210306/harvest.html"
    assert rec.published_at == dt.datetime.fromtimestamp(1615000000, dt.UTC)
    assert rec.authors == ["王芳"] and rec.text.endswith("出海天数明显多于往年。")


@pytest.mark.parametrize("key", ["from", "link", "source", "source_url", "original_url", "canonical_url"])
def test_front_matter_url_keys(key: str) -> None:
    raw = f"---\ntitle: 港区新政\n{key}: https://www.beian-news.example/a/1.html\nauthors: [林晓, 周明]\n---\n<p>正文。</p>\n"
    rec = clean_document(raw.encode(), "p.md")
    assert isinstance(rec, Record) and rec.url == "https://www.beian-news.example/a/1.html"
    assert rec.authors == ["林晓", "周明"]


@pytest.mark.parametrize("line", ["Submitted by 林晓 on 2021-03-05", "Posted by Lin Xiao on March 5, 2021",
                                  "Soumis par Lin Xiao le 5 mars 2021", "由 林晓 发表于 2021-03-05", "发表于 2021-03-05 09:30",
                                  "作者：林晓 发布于 2021年3月5日",
                                  "字数：1234", "1234 words", "分类：港区 新政", "Tags: port, policy", "图片：北岸新闻网/张三",
                                  "Photo: Zhang San"])
def test_cms_post_meta_lines_above_or_below_the_story(line: str) -> None:
    story = ["港区管理委员会五日公布新政策。", "委员会主任表示新政策下月实施。"]
    for blocks in ([line, *story], [*story, line]):
        texts, f = peel(*blocks)
        assert texts == story, f.removed


def test_an_embedded_posts_signature_inside_the_story_stays() -> None:
    body = ["第七舰队在脸书发布演习画面。", "Sailors aboard the destroyer conducted a drill.",
            "Posted by U.S. 7th Fleet on Thursday, October 8, 2020", "军方随后发表声明。"]
    assert peel(*body)[0] == body
    assert peel(*body[:3])[0] == body[:3]  # at the end too


def test_an_authors_note_is_not_post_meta() -> None:
    note = "作者谨识：本稿最初以“沉默”之笔名发表于香港某月刊1991年10月15日，现略作修改。"
    assert peel("北岸市的往事。", note)[0] == ["北岸市的往事。", note]


def test_two_reporters_are_not_a_reporter_and_a_place() -> None:
    c = parse_credit("北岸电视台记者毕心慈 瑞丽综合报导")
    assert c is not None and c.authors == ["毕心慈", "瑞丽"]


# Shape: no outlet in code, tables follow NEWS_ETL_DISABLE_SITES ------------------------------


def _code_strings(path: Path) -> list[str]:
    """Every string constant of a module that is not a docstring (comments and docstrings may explain with examples)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings]


def test_no_outlet_name_or_domain_in_python_code() -> None:
    names = {n for s in sites.all_sites() for n in (s.publisher, *s.names) if len(n) >= 2}
    names |= set(general_rules().wire_agencies) | {"EM_StockImg", "手机上长按并复制"}
    domains = {d for s in sites.all_sites() for d in (*s.domains, *s.share_domains)}
    root = Path(__file__).parent.parent / "transforms"
    for path in root.rglob("*.py"):
        code = "\n".join(_code_strings(path))
        found = sorted(n for n in names | domains if n in code)
        assert not found, (path.name, found)


@pytest.fixture
def no_tables(monkeypatch):
    keys = ",".join(s.key for s in sites.all_sites())
    monkeypatch.setenv(sites.DISABLE_ENV, keys)
    sites.reload_sites()
    yield
    monkeypatch.undo()
    sites.reload_sites()


def test_disabling_a_table_takes_its_credit_names_and_widgets_away(no_tables) -> None:
    assert general_rules().widgets == ()
    assert not general_rules().footer_texts
    # The general shapes stay: any outlet name before a reporter's role.
    assert parse_credit("（环宇之声记者夏一鸣报道）").authors == ["夏一鸣"]


# Properties ----------------------------------------------------------------------------

_HAN = st.sampled_from("港湾北岸南城东海西山湖滨环宇新星晨晚")
_OUTLET = st.builds(lambda a, b: a + b, st.text(_HAN, min_size=2, max_size=4),
                    st.sampled_from(["日报", "晚报", "之声", "电视台", "新闻网", "时报"]))
_SURNAME = st.sampled_from("王李张刘陈杨周吴郑林")
_NAME = st.builds(lambda s, g: s + g, _SURNAME, st.text(st.sampled_from("明芳静海波涛雨晨"), min_size=1, max_size=2))
_CN_DIGITS = "〇一二三四五六七八九"


def _cn_year(y: int) -> str:
    return "".join(_CN_DIGITS[int(c)] for c in str(y))


def _cn_small(n: int) -> str:
    tens, units = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")) + (_CN_DIGITS[units] if units else "")


@st.composite
def unknown_outlet_page(draw) -> tuple[str, dt.date, str, bool]:
    """A page of an outlet no table knows: an opening of one of the general shapes, a credit, the story."""
    outlet, name = draw(_OUTLET), draw(_NAME)
    day = draw(st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2030, 12, 31)))
    if draw(st.booleans()):
        date = f"{_cn_year(day.year)}年{_cn_small(day.month)}月{_cn_small(day.day)}日"
    else:
        date = f"{day.year}年{day.month}月{day.day}日"
    kind = draw(st.sampled_from(["generic", "place", "timestamp", "info_line"]))
    if kind == "generic":
        dateline = f"【{outlet}{draw(st.sampled_from(['', '北京时间']))}{date}{draw(st.sampled_from(['讯', '']))}】"
    elif kind == "place":
        dateline = f"{outlet}海港城{date}电 — "
    elif kind == "timestamp":
        dateline = f"{draw(st.sampled_from(['最后更新：', '发布时间：', '']))}{day:%Y-%m-%d} {draw(st.integers(0, 23)):02d}:15"
    else:
        dateline = f"{day:%Y-%m-%d} 08:15 来源：{outlet} 作者：{name}"
    credit = draw(st.sampled_from([f"（{outlet}记者{name}报道）", f"（{outlet}驻海港城记者站报道）",
                                   f"（{outlet}通讯员{name}综合报道）", f"【{outlet}记者 {name}】", ""]))
    first = "港口新城举行开港仪式，首批货轮驶入新建的深水码头。"
    own_block = kind in ("timestamp", "info_line") or draw(st.booleans())
    head = [f"<p>{dateline}</p>", f"<p>{credit}{first}</p>"] if own_block else [f"<p>{dateline}{credit}{first}</p>"]
    body = "\n".join([*head, "<p>市长在仪式上表示，新港将带来数千个就业岗位。</p>"])
    return f"### 港口新城开港\n---\n{body}\n", day, kind, bool(credit)


@settings(max_examples=80, deadline=None)
@given(unknown_outlet_page())
def test_unknown_outlet_record_never_starts_with_a_dateline_or_credit(page: tuple[str, dt.date, str, bool]) -> None:
    raw, day, kind, credited = page
    rec = clean_document(raw.encode(), "p.md")
    assert isinstance(rec, Record)
    assert rec.text.startswith("港口新城举行开港仪式"), rec.text[:60]
    assert not rec.text.startswith(("【", "（", "("))
    rule = {"generic": "dateline:generic", "place": "dateline:place", "timestamp": "dateline:timestamp",
            "info_line": "info_line"}[kind]
    assert rule in rec.rules_fired, rec.rules_fired
    assert rec.published_at is not None and rec.published_at.astimezone(CN).date() == day
    assert rec.site is None
    if kind in ("generic", "info_line"):  # the opening names the outlet: the page's own name is the publisher
        assert rec.publisher and not rec.publisher.endswith(".example")
    if credited:
        assert "leading_byline" in rec.rules_fired


def test_title_columnist_vocabulary_is_table_data() -> None:
    """The genre, rubric and idiom vocabulary that keeps a headline label from being a columnist
    lives in general.toml ([title_columnist]), not in the pipeline's code."""
    import ast
    import inspect

    from transforms import pipeline
    from transforms.general_rules import general_rules

    code_strings = [n.value for n in ast.walk(ast.parse(inspect.getsource(pipeline)))
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and not n.value.startswith(("\"", "``"))]
    vocabulary = [s for s in code_strings if any("\u4e00" <= c <= "\u9fff" for c in s) and "|" in s]
    assert vocabulary == []
    g = general_rules()
    assert g.not_a_name.search("历史故事") and g.not_a_name.search("前车之鉴") and not g.not_a_name.search("田云")
    assert g.title_columnist.match("田云：美总统辩论").group("name") == "田云"


@pytest.mark.parametrize(("block", "rule"), [
    ("原文已被删除，以下为存档。", "page_notice"),        # a notice about the page, its sentence closed
    ("（该文章已被删除）", "page_notice"),
    ("图为：学生们排队登上校车", "photo_credit"),          # a caption labelled 图为： on a line of its own
    ("圖為：學生們排隊登上校車", "photo_credit"),
])
def test_page_notices_and_labelled_captions_go(block: str, rule: str) -> None:
    kept, f = peel("这是一个关于校车的故事。", block, "第二段写的是司机。")
    assert kept == ["这是一个关于校车的故事。", "第二段写的是司机。"]
    assert f.removed == [(rule, block)]


@pytest.mark.parametrize("block", [
    "图为什么这样画，老师没有解释。",                     # 图为 without its colon is prose
    "原文已被删除的消息传开后，村民们在祠堂里议论了一整晚，谁也说不清是谁举报的。",
])
def test_prose_that_starts_like_a_notice_or_caption_stays(block: str) -> None:
    kept, f = peel("这是一个关于校车的故事。", block)
    assert kept == ["这是一个关于校车的故事。", block] and not f.removed
