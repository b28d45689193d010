"""``news-etl profile``: what it learns from a corpus, and what its draft does once installed.

The synthetic outlet 「示例晚报」 (example-news.org) exists nowhere else: no table, no
rule, no fixture knows it, so everything the profiler finds about it is learned
from the pages. The draft is then installed the way a user installs it
(``NEWS_ETL_SITES``) and the real pipeline runs on the same files.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from flows.app.profile import profile, write_drafts
from tests.conftest import DEV, load_gold
from tests.scoring import bigram_f1, norm, paragraphs, set_f1
from tests.test_cli import run_cli
from transforms import sites
from transforms.metadata import DEFAULT_TZ as CHINA_TZ
from transforms.pipeline import clean_document
from transforms.profile import shapes
from transforms.profile.stats import group_of, registrable_domain, url_dates_for
from transforms.records import Record

NAV = "示例晚报首页 | 本地新闻 | 国际视野 | 晚报评论 | 读者来信"
APPEAL = "请支持示例晚报：每订阅一份年报，我们就能多派一名记者到现场。今年还差128份。"
REPORTERS = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二", "陈三", "褚四"]
TOPICS = ["河堤加固工程", "老城区改造", "春季植树活动", "地铁新线开通", "图书馆夜间开放", "社区义诊", "菜市场搬迁",
          "马拉松比赛", "中学合唱比赛", "公交线路调整", "古桥修缮", "夜市管理新规"]


def _page(i: int) -> str:
    topic, reporter, day = TOPICS[i], REPORTERS[i], i + 1
    body = [
        f"【示例晚报2021年3月{day}日讯】（示例晚报记者{reporter}报导）本市{topic}于本周正式启动，市民反应热烈。",
        f"据主办方介绍，{topic}共分{i + 2}个阶段进行，预计耗时{i + 3}个月，期间将有{100 + i}名工作人员参与。",
        f"有市民表示，{topic}让生活更加方便，希望今后能有更多类似的安排。第{i}号方案也在讨论之中。",
    ]
    paras = "\n".join(f"<p>{p}</p>" for p in [NAV, *body, APPEAL])
    return (f"### {topic}今日启动 市民反应热烈\n------------------------\n\n"
            f"<div id=\"storytext\">\n{paras}\n</div>\n\n<hr/>\n"
            f"原文地址（需翻墙访问）：https://www.example-news.org/news/a{9000 + i}.html\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "pages" / "wanbao"
    folder.mkdir(parents=True)
    for i in range(12):
        (folder / f"a{9000 + i}.md").write_text(_page(i), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def drafted(corpus: Path, tmp_path_factory):
    result = profile(str(corpus), workers=2)
    out = tmp_path_factory.mktemp("drafts")
    write_drafts(result, str(out), workers=2)
    return result, out


def test_pages_are_grouped_by_the_registrable_domain_of_their_url(drafted) -> None:
    result, _ = drafted
    assert list(result.pages) == ["example_news"]
    assert registrable_domain("www.news.example.com.tw") == "example.com.tw"
    page = result.pages["example_news"][0]
    assert group_of(page) == ("example_news", "example-news.org")


def test_profile_finds_each_candidate(drafted) -> None:
    result, _ = drafted
    (s,) = result.sites
    assert (s.pages, s.distinct, s.domains) == (12, 12, [("example-news.org", 12)])
    examples = {b.example: b for b in s.blocks}
    assert set(examples) == {NAV, APPEAL}  # never a story paragraph: those differ from page to page
    assert examples[NAV].pages == examples[APPEAL].pages == 12 and examples[APPEAL].boundary == 12
    assert re.fullmatch(examples[APPEAL].pattern, APPEAL.replace("128", "64"))  # digits generalised
    dateline = next(sh for sh in s.shapes if sh.shape == "【示例晚报<n>年<n>月<n>日讯】")
    assert dateline.pages == 12 and dateline.name == "示例晚报"
    credit = next(sh for sh in s.shapes if sh.shape.startswith("（示例晚报记者"))
    assert credit.shape == "（示例晚报记者…报导）" and credit.pages == 12
    assert s.publisher == "示例晚报" and s.self_names[0][2]["dateline"] == 12
    assert (s.coverage["title"], s.coverage["url"], s.coverage["publisher"]) == (12, 12, 12)
    assert [d.pages for d in s.datelines] == [12]


def test_draft_table_says_what_the_report_says(drafted) -> None:
    result, out = drafted
    (s,) = result.sites
    text = (out / "example_news.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["key"] == "example_news" and data["publisher"] == "示例晚报"
    assert data["domains"] == ["example-news.org"]
    assert data["drop_blocks"] == [b.pattern for b in s.blocks]
    assert "# 12 pages (12 at an end of the page)" in text
    assert sites._site_from_toml("draft", data).datelines[0].match("【示例晚报2021年3月4日讯】")
    effect = result.effects["example_news"]
    assert effect["pages changed"] == 12 and effect["publisher after"] == {"示例晚报": 12}
    assert effect["blocks dropped"] == {b.pattern: 12 for b in s.blocks}


def test_installed_draft_gives_the_expected_records_in_news_etl_run(prefect_server, drafted, corpus: Path,
                                                                    tmp_path: Path) -> None:
    """The real `news-etl run` with the draft installed: exactly the sample's "after", and the records we expect."""
    _, out = drafted
    p = run_cli("run", str(corpus), str(tmp_path / "clean"), "--workers", "1", env={**prefect_server.env, sites.SITES_ENV: str(out)})
    assert p.returncode == 0, p.stderr[-2000:]
    rows = {r["source_path"]: r for r in ds.dataset(str(tmp_path / "clean" / "articles"),
                                                      partitioning="hive").to_table().to_pylist()}
    assert len(rows) == 12
    for path, r in sorted(rows.items()):
        assert r["publisher"] == "示例晚报" and r["site"] == "example_news"
        day = int(re.search(r"a9(\d{3})", path).group(1)) + 1
        assert r["published_at"].astimezone(CHINA_TZ).date() == dt.date(2021, 3, day)
        assert r["date_source"] == "dateline"
        assert NAV not in r["text"] and APPEAL not in r["text"] and "示例晚报2021" not in r["text"]
        assert r["text"].startswith("本市") and r["authors"] == [REPORTERS[day - 1]]
    sample = (out / "example_news.sample.md").read_text(encoding="utf-8")
    blocks = re.findall(r"## (\S+)\n.*?### text without the draft\n\n```text\n(.*?)\n```\n\n### text with the draft\n\n"
                        r"```text\n(.*?)\n```", sample, re.S)
    assert len(blocks) == 5
    for path, before, after in blocks:
        assert after == rows[path]["text"]
        assert before == clean_document((corpus / path).read_bytes(), path).text  # the pipeline without the draft


def test_profile_cli_writes_the_draft_named_by_site(corpus: Path, tmp_path: Path) -> None:
    """The harness's interface: `profile INPUT --site KEY --write DIR` writes DIR/KEY.toml with key KEY."""
    p = run_cli("profile", str(corpus), "--site", "example-news.org", "--write", str(tmp_path), "--json")
    assert p.returncode == 0, p.stderr[-2000:]
    report = json.loads(p.stdout)
    assert [s["key"] for s in report["sites"]] == ["example-news.org"]
    assert tomllib.loads((tmp_path / "example-news.org.toml").read_text(encoding="utf-8"))["key"] == "example-news.org"
    p = run_cli("profile", str(corpus), "--write", str(tmp_path / "all"))
    assert p.returncode == 0 and p.stdout.count("12 pages (12 at an end, draft drops it in 12)") == 2, p.stdout
    assert "publisher now 示例晚报 12; dated " in p.stdout and "-> 12;" in p.stdout
    p = run_cli("profile", str(corpus), "--site", "nowhere")
    assert p.returncode == 2 and "no page of site 'nowhere'" in p.stderr
    p = run_cli("profile", str(corpus), "--sample", "5")
    assert p.returncode == 0 and "5 of 12 files (seed 0)" in p.stdout and "recurring blocks" in p.stdout


def test_shapes_generalise_digits_dates_and_names() -> None:
    assert shapes.generalise("【晚报二〇二〇年九月九日讯】") == "【晚报<cn>年<cn>月<cn>日讯】"
    assert shapes.merge_affixes(["（晚报记者张三报导）", "（晚报记者李小四报导）"]) == "（晚报记者…报导）"
    assert shapes.dateline_name("【示例晚报北京时间<n>年<n>月<n>日讯】") == "示例晚报"
    assert shapes.dateline_regex("示例晚报", "【示例晚报<cn>年<cn>月<cn>日讯】") is None  # no groups to read
    assert re.fullmatch(shapes.exact_pattern("第12期 (完)"), "第7期 (完)")


def _fake_pages(urls: list[str]):
    from transforms.profile.pages import Page

    return [Page(f"x/{i}", "mirror", None, f"t{i}", u, None, None, None, (), ("a",), (), None) for i, u in enumerate(urls)]


def test_url_dates_are_proposed_only_when_the_order_is_evident() -> None:
    unambiguous = _fake_pages([f"https://n.example.org/a/hx-{m:02d}{d:02d}2020093011.html"
                               for m, d in ((1, 15), (2, 20), (10, 13), (11, 30))])
    (u,) = url_dates_for(unambiguous, 3)
    assert "(?P<m>" in u.pattern.split("(?P<d>")[0] and u.pages == 4 and u.undated == 4
    ambiguous = _fake_pages([f"https://n.example.org/a/hx-{m:02d}{d:02d}2020093011.html"
                             for m, d in ((1, 5), (2, 7), (10, 3), (11, 12))])
    assert url_dates_for(ambiguous, 3) == []  # month-first or day-first: nothing tells them apart


GOLD = load_gold()


@pytest.mark.parametrize("key", ["rfa", "ntdtv"])
def test_draft_for_a_disabled_outlet_never_makes_its_gold_worse(key: str, tmp_path: Path, monkeypatch) -> None:
    """Real dev pages: the outlet's bundled table off, its draft (profiled from the same pages) on."""
    monkeypatch.setenv(sites.DISABLE_ENV, key)
    monkeypatch.delenv(sites.SITES_ENV, raising=False)
    sites.reload_sites()
    try:
        result = profile(str(DEV), site=key, workers=2)
        write_drafts(result, str(tmp_path), workers=2)
        gold = [g for g in GOLD if any(p.source_path == g["source_path"] for p in result.pages[key])]
        assert len(gold) >= 8

        def scores() -> list[tuple]:
            out = []
            for g in gold:
                rec = clean_document((DEV / g["source_path"]).read_bytes(), g["source_path"])
                assert isinstance(rec, Record)
                want = dt.datetime.fromisoformat(g["published_at"]) if g.get("published_at") else None
                same_day = want is None or (rec.published_at is not None
                                            and abs((rec.published_at - want).total_seconds()) <= 86400)
                out.append((bigram_f1(rec.text, g["text"]), set_f1(paragraphs(rec.text), paragraphs(g["text"])),
                            norm(rec.publisher) == norm(g["publisher"]), same_day))
            return out

        before = scores()
        monkeypatch.setenv(sites.SITES_ENV, str(tmp_path))
        sites.reload_sites()
        after = scores()
    finally:
        monkeypatch.undo()
        sites.reload_sites()
    for b, a in zip(before, after, strict=True):
        assert a[0] >= b[0] and a[1] >= b[1] and a[2] >= b[2] and a[3] >= b[3]
    assert sum(a[2] for a in after) == len(gold)  # the outlet's name on every record
    if key == "rfa":  # its URLs date the pages (MMDDYYYYhhmmss): a general shape now, and the draft keeps it
        assert sum(a[3] for a in after) == len(gold)


def test_draft_for_pages_without_url_is_keyed_by_their_folder_and_changes_them(tmp_path: Path) -> None:
    """Pages with no original URL are grouped by folder; the draft names that folder (``paths``), so it applies."""
    folder = tmp_path / "archive" / "wanbao"
    folder.mkdir(parents=True)
    for i in range(12):
        (folder / f"a{9000 + i}.md").write_text(_page(i).split("<hr/>")[0], encoding="utf-8")
    result = profile(str(tmp_path), workers=1)
    (s,) = result.sites
    assert s.key == "wanbao" and s.domains == [] and s.paths == [("archive/wanbao/", 12)]
    out = tmp_path / "drafts"
    write_drafts(result, str(out), workers=1)
    assert tomllib.loads((out / "wanbao.toml").read_text(encoding="utf-8"))["paths"] == ["archive/wanbao/"]
    effect = result.effects["wanbao"]
    assert effect["pages changed"] == 12 and effect["blocks dropped"] == {b.pattern: 12 for b in s.blocks}
    assert effect["publisher after"] == {"示例晚报": 12}


POSTERS = ["张三", "李小四", "王五", "赵六", "钱七七", "孙八", "周九", "吴十", "郑一"]
NOTE = ("编者按：本专栏每周刊出一篇读者的回忆文章，讲述普通人经历的大事。文中观点仅代表作者本人，"
        "欢迎读者来稿，讲出您自己的故事。")


def _feed_pages():
    """Twelve feed posts: a footer naming the poster (nine of them), and an editor's note in one column of four."""
    from transforms.profile.pages import Page

    pages = []
    for i in range(12):
        column = i < 4
        body = [f"{TOPICS[i]}的消息传来，街坊们议论纷纷，{REPORTERS[i]}说起了当年的经过。",
                f"{REPORTERS[(i + 5) % 12]}回忆，那时{TOPICS[(i + 3) % 12]}刚刚开始，大家都很忙。",
                *([NOTE] if column else []),
                f"© {POSTERS[i % 9]} for 示例博客, 20{10 + i}. |Permalink |No comment"]
        title = f"往事回忆录：第{i}篇" if column else f"新闻{i}"
        pages.append(Page(f"feed/{i}.md", "feed", None, title, None, None, None, None, (), tuple(body), (), None))
    return pages


def test_blocks_that_differ_in_a_name_are_one_pattern_and_a_series_note_is_a_question() -> None:
    from transforms.profile.draft import render_table
    from transforms.profile.stats import profile_site

    s = profile_site("feed", _feed_pages())
    (footer,) = s.blocks  # one rule for nine posters, not nine rules
    assert footer.pages == 12 and footer.names == 9
    rx = re.compile(footer.pattern)
    assert rx.search("© 新来的人 for 示例博客, 2024. |Permalink |No comment")  # a poster not seen yet
    assert not rx.search("© 张三 for 别的博客, 2024. |Permalink |No comment")
    (note,) = s.questions  # story text of one column: asked about, not dropped
    assert note.example == NOTE and note.pages == 4 and note.series == "往事回忆录"
    data = tomllib.loads(render_table(s, "feed", "test"))
    assert data["drop_blocks"] == [footer.pattern]
    assert data["questions"][0]["pattern"] == note.pattern and data["questions"][0]["pages"] == 4
    draft = sites._site_from_toml("draft", data)
    assert not any(p.search(NOTE) for p in draft.drop_blocks)  # installing the draft keeps the note


def test_defect_counts_are_read_off_the_records_alone() -> None:
    from transforms.defects import DEFECTS, defect_counts

    clean = {"text": "第一段。\n\n第二段。", "published_at": "2020-01-01", "url": "https://a.org/1", "publisher": "示例"}
    dirty = {"text": "![图](a.png) 正文" + "很长" * 100 + "\n文 | 张三\n© 张三 for 示例, 2020. |Permalink",
             "published_at": None, "url": None, "publisher": "www.example.org"}
    counts = defect_counts([clean, dirty])
    assert counts == {"records": 2, **dict.fromkeys(DEFECTS, 1)}
    assert defect_counts([clean]) == {"records": 1, **dict.fromkeys(DEFECTS, 0)}


ARCHIVES = Path(__file__).parent / "fixtures" / "profile"


@pytest.mark.parametrize(("archive", "fixed"), [("markdown_reposts", ("markdown left", "source lines left")),
                                                ("feed_archive", ("footers left",))])
def test_draft_of_a_new_archive_applies_and_its_defect_counts_fall(archive: str, fixed: tuple, tmp_path: Path,
                                                                    fresh_sites) -> None:
    """Two archives nobody's rules know (README "A new source"): a Markdown-bodied Jekyll repost archive with a
    Liquid QR include and an archive source line per account, and a feed archive without an epoch comment
    with a share kit, a view/comment counter and a column's editor's note. The draft, installed, removes the
    site's own lines from every page and the gold-free defect counts fall to zero; the note stays."""
    result = profile(str(ARCHIVES / archive), workers=1)
    (s,) = result.sites
    for d in fixed:
        assert s.defects[d] == 13, s.defects
    write_drafts(result, str(tmp_path), workers=1)
    effect = result.effects[s.key]
    assert effect["pages changed"] == 13 and effect["fields changed"]["text"] == 13
    assert all(n == 13 for n in effect["blocks dropped"].values()) and len(effect["blocks dropped"]) == 2
    before, after = effect["defects before"], effect["defects after"]
    assert all(after[d] == 0 for d in fixed) and all(after[k] <= before[k] for k in before)
    assert sum(after.values()) < sum(before.values())
    if archive == "markdown_reposts":  # one rule per line, not one per account
        assert sorted(b.names for b in s.blocks) == [4, 4] and not s.questions
        # the URLs are the WeChat originals of four accounts: a platform's domain, so the draft is keyed by folder
        assert s.platform and s.domains == [("qq.com", 13)] and s.paths == [("_posts/", 13)]
        data = tomllib.loads((tmp_path / f"{s.key}.toml").read_text(encoding="utf-8"))
        assert data["paths"] == ["_posts/"] and "domains" not in data
    else:
        (note,) = s.questions
        assert note.pages == 5 and note.series == "旧城笔记" and note.example.startswith("编者按：")
        fresh_sites.setenv(sites.SITES_ENV, str(tmp_path))  # the draft installed: the note is kept
        sites.reload_sites()
        rows = [clean_document(p.read_bytes(), p.name) for p in sorted((ARCHIVES / archive).rglob("*.md"))]
        assert {r.site for r in rows} == {s.key} and "分享到" not in "".join(r.text for r in rows)
        assert sum(1 for r in rows if r.text.startswith("编者按：")) == 5
