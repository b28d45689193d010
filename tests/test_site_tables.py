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
