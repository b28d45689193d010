"""Which site tables load: extra folders (a profiler draft) and disabled keys (leave-one-outlet-out)."""
from __future__ import annotations

from transforms import sites


def test_disabled_key_is_left_out(fresh_sites):
    assert sites.site_for_url("https://www.rfa.org/mandarin/a.html").key == "rfa"
    fresh_sites.setenv(sites.DISABLE_ENV, "rfa, ntdtv")
    sites.reload_sites()
    keys = {s.key for s in sites.all_sites()}
    assert "rfa" not in keys and "ntdtv" not in keys and "epochtimes" in keys
    assert sites.site_for_url("https://www.rfa.org/mandarin/a.html") is None


def test_extra_folder_adds_and_replaces(fresh_sites, tmp_path):
    (tmp_path / "example.toml").write_text('key = "example"\npublisher = "示例日报"\ndomains = ["example.org"]\n',
                                           encoding="utf-8")
    (tmp_path / "rfa.toml").write_text('key = "rfa"\npublisher = "自由亚洲"\ndomains = ["rfa.org"]\n', encoding="utf-8")
    fresh_sites.setenv(sites.SITES_ENV, str(tmp_path))
    sites.reload_sites()
    assert sites.site_for_url("http://news.example.org/x").publisher == "示例日报"
    assert sites.site_for_url("https://www.rfa.org/a.html").publisher == "自由亚洲"
    assert sites.canonical_publisher("示例日报") == "示例日报"


def test_disabled_key_leaves_out_the_bundled_table_not_its_draft(fresh_sites, tmp_path):
    """Leave-one-outlet-out with the profiler's draft: the bundled table off, the draft of the same key on."""
    (tmp_path / "rfa.toml").write_text('key = "rfa"\npublisher = "草稿电台"\ndomains = ["rfa.org"]\n', encoding="utf-8")
    fresh_sites.setenv(sites.DISABLE_ENV, "rfa")
    fresh_sites.setenv(sites.SITES_ENV, str(tmp_path))
    sites.reload_sites()
    rfa = sites.site_for_url("https://www.rfa.org/a.html")
    assert rfa.publisher == "草稿电台" and rfa.url_dates == ()  # the draft, none of the bundled rules


def test_a_table_keyed_by_folder_serves_the_files_under_it(fresh_sites, tmp_path):
    """``paths``: a folder at a path boundary, the longest one wins, and a URL's own table comes first."""
    (tmp_path / "column.toml").write_text('key = "column"\npublisher = "专栏"\npaths = ["./feeds/column"]\n',
                                          encoding="utf-8")
    (tmp_path / "feeds.toml").write_text('key = "feeds"\npublisher = "订阅"\npaths = ["feeds/"]\n', encoding="utf-8")
    fresh_sites.setenv(sites.SITES_ENV, str(tmp_path))
    sites.reload_sites()
    assert sites.site_by_key("column").paths == ("feeds/column/",)
    assert sites.site_for_path("feeds/column/a.md").key == "column"
    assert sites.site_for_path("mirror/feeds/column/2020/a.md").key == "column"  # a run given the parent folder
    assert sites.site_for_path("feeds/other/a.md").key == "feeds"
    assert sites.site_for_path("myfeeds/a.md") is None and sites.site_for_path("columns/a.md") is None
    assert sites.site_for_path("a.md") is None


def test_a_folder_table_cleans_its_pages_unless_their_url_has_a_table(fresh_sites, tmp_path):
    from transforms.pipeline import clean_document

    (tmp_path / "column.toml").write_text("key = \"column\"\npublisher = \"专栏\"\npaths = [\"column/\"]\n"
                                          "drop_blocks = ['^订阅本专栏，每周一篇。$']\n", encoding="utf-8")
    page = ("---\ntitle: 河堤加固\n{url}---\n\n<p>本市河堤加固工程于本周正式启动，市民反应热烈，工程预计三个月完工。</p>\n"
            "<p>订阅本专栏，每周一篇。</p>\n")
    fresh_sites.setenv(sites.SITES_ENV, str(tmp_path))
    sites.reload_sites()
    rec = clean_document(page.format(url="").encode(), "column/a.md")
    assert (rec.site, rec.publisher) == ("column", "专栏") and "订阅本专栏" not in rec.text
    other = clean_document(page.format(url="").encode(), "other/a.md")
    assert other.site is None and "订阅本专栏" in other.text
    rfa = clean_document(page.format(url="url: https://www.rfa.org/mandarin/a.html\n").encode(), "column/a.md")
    assert rfa.site == "rfa" and "订阅本专栏" in rfa.text  # the URL's table, not the folder's
