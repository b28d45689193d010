"""The rules version (transforms.rules_version): a fingerprint of the cleaning code and of the site
tables as loaded. In this process with the environment changed and the tables reloaded, and in fresh
processes on copies of the package placed elsewhere, as an installed wheel would be."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import transforms
from transforms import sites
from transforms.rules_version import rules_version

PACKAGE = Path(transforms.__file__).parent
HARMLESS = '# a draft of an outlet no page here is from\nkey = "example"\npublisher = "示例日报"\ndomains = ["example.org"]\n'


def _fresh_process(cwd: Path, pythonpath: Path | None = None, seed: str = "0") -> tuple[Path, str]:
    """``(transforms.__file__, rules_version())`` in a new interpreter with no site-table environment."""
    env = {k: v for k, v in os.environ.items() if k not in (sites.SITES_ENV, sites.DISABLE_ENV, "PYTHONPATH")}
    env["PYTHONHASHSEED"] = seed
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    code = "import transforms; from transforms.rules_version import rules_version; print(transforms.__file__); print(rules_version())"
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    path, version = out.stdout.split()
    return Path(path), version


def _copy_package(root: Path) -> Path:
    """The package's files (``.py`` and the ``sites/*.toml`` package data, as the wheel holds them) under ``root``."""
    shutil.copytree(PACKAGE, root / "transforms", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_a_short_hex_fingerprint_cached_per_process(fresh_sites) -> None:
    version = rules_version()
    assert re.fullmatch(r"[0-9a-f]{16}", version)
    assert rules_version() is version
    fresh_sites.setenv(sites.DISABLE_ENV, "rfa")
    assert rules_version() is version  # read once per process, like the tables: until reload_sites()
    sites.reload_sites()
    assert rules_version() != version


def test_the_same_in_fresh_processes(fresh_sites, tmp_path: Path) -> None:
    here = rules_version()
    first, second = _fresh_process(tmp_path, seed="1"), _fresh_process(tmp_path, seed="2")
    assert first == second == (PACKAGE / "__init__.py", here)


def test_an_extra_site_table_changes_it_and_taking_it_away_restores_it(fresh_sites, tmp_path: Path) -> None:
    base = rules_version()
    drafts, moved = tmp_path / "drafts", tmp_path / "elsewhere" / "drafts"
    drafts.mkdir()
    fresh_sites.setenv(sites.SITES_ENV, str(drafts))
    sites.reload_sites()
    assert rules_version() == base  # an empty folder loads no table
    (drafts / "example.toml").write_text(HARMLESS, encoding="utf-8")
    sites.reload_sites()
    with_draft = rules_version()
    assert with_draft != base and sites.site_by_key("example") is not None
    # the tables as parsed, not their bytes or place: a comment or another folder changes nothing ...
    (drafts / "example.toml").write_text("# reworded\n" + HARMLESS.replace(" = ", "="), encoding="utf-8")
    shutil.copytree(drafts, moved)
    fresh_sites.setenv(sites.SITES_ENV, str(moved))
    sites.reload_sites()
    assert rules_version() == with_draft
    # ... a value does
    (moved / "example.toml").write_text(HARMLESS.replace("example.org", "example.net"), encoding="utf-8")
    sites.reload_sites()
    assert rules_version() not in (base, with_draft)
    fresh_sites.delenv(sites.SITES_ENV)
    sites.reload_sites()
    assert rules_version() == base


def test_disabling_a_bundled_table_changes_it(fresh_sites) -> None:
    base = rules_version()
    versions = {}
    for keys in ("rfa", "voa", "rfa,voa", "publishers", "no-such-table"):
        fresh_sites.setenv(sites.DISABLE_ENV, keys)
        sites.reload_sites()
        versions[keys] = rules_version()
    assert versions["no-such-table"] == base  # no table left out: the same tables load
    assert len({base, *(versions[k] for k in ("rfa", "voa", "rfa,voa", "publishers"))}) == 5
    fresh_sites.delenv(sites.DISABLE_ENV)
    sites.reload_sites()
    assert rules_version() == base


def test_a_draft_replacing_its_bundled_table_is_a_version_of_its_own(fresh_sites, tmp_path: Path) -> None:
    """A draft of the same key replaces the bundled table: an identical copy is the same version, an edit is not."""
    base = rules_version()
    (tmp_path / "rfa.toml").write_bytes((PACKAGE / "sites" / "rfa.toml").read_bytes())
    fresh_sites.setenv(sites.SITES_ENV, str(tmp_path))
    sites.reload_sites()
    assert rules_version() == base
    (tmp_path / "rfa.toml").write_text('key = "rfa"\npublisher = "自由亚洲"\ndomains = ["rfa.org"]\n', encoding="utf-8")
    sites.reload_sites()
    assert rules_version() != base


def test_the_same_files_elsewhere_give_the_same_version_and_any_code_change_another(fresh_sites, tmp_path: Path) -> None:
    """Two copies of the package at other absolute paths (an installed wheel is one) agree with the checkout;
    files that are not code or tables do not count; a changed line of code or of general.toml does."""
    here = rules_version()
    site_a = _copy_package(tmp_path / "a")
    site_b = _copy_package(tmp_path / "b" / "lib" / "python3" / "site-packages")
    (site_b / "transforms" / "NOTES.txt").write_text("not code", encoding="utf-8")
    (site_b / "transforms" / "__pycache__").mkdir()
    (site_b / "transforms" / "__pycache__" / "text.cpython-311.pyc").write_bytes(b"\0" * 16)
    for site in (site_a, site_b):
        path, version = _fresh_process(tmp_path, site)
        assert path == site / "transforms" / "__init__.py" and version == here

    def changed(rel: str, edit) -> str:
        file = site_a / "transforms" / rel
        original = file.read_text(encoding="utf-8")
        file.write_text(edit(original), encoding="utf-8")
        try:
            return _fresh_process(tmp_path, site_a)[1]
        finally:
            file.write_text(original, encoding="utf-8")

    assert changed("layouts/feed.py", lambda s: s + "\n# a comment is a change of code\n") != here
    assert changed("sites/general.toml", lambda s: s + "\n# a comment in a table is not\n") == here
    assert changed("sites/general.toml", lambda s: s.replace("default_utc_offset = ", "default_utc_offset = \"+07:00\"\n#", 1)) != here
    assert changed("sites/publishers.toml", lambda s: s.replace("[domains]", "[domains]\n\"example.org\" = \"示例日报\"", 1)) != here

