"""Per-outlet knowledge, kept as data: one TOML file per site or mirror.

A new source is a new ``*.toml`` file here (plus a test fixture), not new control
flow. Each file may give:

- ``key``, ``publisher`` (canonical Chinese name), ``names`` (other spellings),
  ``kind`` ("outlet", the default, or "mirror"),
- ``domains`` (the original site) and ``share_domains`` (mirror or share links
  that are a URL of last resort),
- ``paths``: folders of the input (``"feeds/column/"``) whose files are the site's,
  for archives whose pages carry no URL to key a table by. A path matches a file's
  path relative to the input root at a folder boundary (at its start or after a
  ``/``), so the table works whichever parent folder a run is given; the longest
  matching path wins, and a page's URL domain table comes before any path table.
- ``url_dates``: regexes with named groups ``y m d`` (``H M S`` optional) that
  read a date out of an article URL,
- ``datelines``: regexes anchored at the start of the first paragraph,
- ``drop_xpaths``: elements to remove from the body, ``drop_blocks``: regexes of
  paragraphs that are site boilerplate (``drop_short_blocks``: only when short),
- ``title_author``: regexes (group ``name``) naming a columnist in the title,
- ``categories``: front-matter categories that identify the site's posts,
- ``footer_texts``: the line that opens a mirror's share footer (everything after it is the mirror's),
- ``drop_images``: regexes of image URLs that are never article images (chart widgets, QR codes),
- ``widgets``: HTML widgets to cut out whole (``block``, a ``marker`` to prefilter on), with the
  ``codes`` they name kept as tickers (``markets`` maps a numeric market prefix to a suffix).

Every table only adds to the general rules (``general.toml``, read by
:mod:`transforms.general_rules`): the shapes of datelines, credits, timestamps and
post-meta that any outlet uses. ``publishers.toml`` is a directory apart from the
rules: spellings of outlet names (``[aliases]``) and the outlet a domain belongs to
(``[domains]``); it is never disabled.

Two environment variables change which tables load, read once per process (forked
workers inherit them), so cleaning stays a pure function of the file and the tables:

- ``NEWS_ETL_SITES``: extra folders of ``*.toml`` site tables (``os.pathsep``
  separated), e.g. a draft written by ``news-etl profile --write``; a table there
  replaces a bundled one with the same ``key``.
- ``NEWS_ETL_DISABLE_SITES``: comma-separated keys of bundled tables to leave out, so
  that an outlet can be cleaned by the general rules alone (leave-one-outlet-out
  scoring); a table of that key in a ``NEWS_ETL_SITES`` folder (its draft) still loads.
  The key ``publishers`` also leaves out the domain directory of ``publishers.toml``;
  the key ``all`` leaves out every bundled table and that directory, so that a
  new archive generator is cleaned by the general rules alone (leave-one-family-out).
"""
from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Site:
    key: str
    publisher: str
    kind: str = "outlet"
    names: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    share_domains: tuple[str, ...] = ()
    url_dates: tuple[re.Pattern[str], ...] = ()
    datelines: tuple[re.Pattern[str], ...] = ()
    drop_xpaths: tuple[str, ...] = ()
    drop_blocks: tuple[re.Pattern[str], ...] = ()
    drop_short_blocks: tuple[re.Pattern[str], ...] = ()
    title_author: tuple[re.Pattern[str], ...] = ()
    categories: tuple[str, ...] = ()
    footer_texts: tuple[str, ...] = ()
    drop_images: tuple[str, ...] = ()
    widgets: tuple[dict, ...] = ()
    source_file: str = field(default="", compare=False)


def _folder(path: str) -> str:
    """A ``paths`` entry as a folder prefix: forward slashes, no leading ``./`` or ``/``, one trailing ``/``."""
    path = path.replace("\\", "/").strip().removeprefix("./").strip("/")
    return path + "/" if path else ""


def _site_from_toml(name: str, data: dict) -> Site:
    def patterns(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in data.get(key, ()))

    return Site(
        key=data["key"],
        publisher=data.get("publisher", ""),
        kind=data.get("kind", "outlet"),
        names=tuple(data.get("names", ())),
        domains=tuple(d.lower() for d in data.get("domains", ())),
        share_domains=tuple(d.lower() for d in data.get("share_domains", ())),
        paths=tuple(_folder(p) for p in data.get("paths", ()) if _folder(p)),
        url_dates=patterns("url_dates"),
        datelines=patterns("datelines"),
        drop_xpaths=tuple(data.get("drop_xpaths", ())),
        drop_blocks=patterns("drop_blocks"),
        drop_short_blocks=patterns("drop_short_blocks"),
        title_author=patterns("title_author"),
        categories=tuple(data.get("categories", ())),
        footer_texts=tuple(data.get("footer_texts", ())),
        drop_images=tuple(data.get("drop_images", ())),
        widgets=tuple(data.get("widgets", ())),
        source_file=name,
    )


SITES_ENV = "NEWS_ETL_SITES"
# Tables in this folder that are not one site's: the publisher directory and the general rules.
_NOT_SITES = frozenset({"publishers.toml", "general.toml"})
DISABLE_ENV = "NEWS_ETL_DISABLE_SITES"
# Naming this key in NEWS_ETL_DISABLE_SITES also leaves out the [domains] directory of publishers.toml
# (a strict leave-one-outlet-out: the publisher only from what the page says).
DIRECTORY_KEY = "publishers"
# Naming this key leaves out every bundled table and the directory: only general.toml is left.
ALL_KEY = "all"


def extra_site_dirs() -> tuple[Path, ...]:
    """Folders named by ``NEWS_ETL_SITES``, in order."""
    return tuple(Path(d) for d in os.environ.get(SITES_ENV, "").split(os.pathsep) if d.strip())


def disabled_site_keys() -> frozenset[str]:
    return frozenset(k.strip() for k in os.environ.get(DISABLE_ENV, "").split(",") if k.strip())


def site_disabled(key: str) -> bool:
    """Whether ``NEWS_ETL_DISABLE_SITES`` leaves out the bundled table (or directory) ``key``."""
    disabled = disabled_site_keys()
    return key in disabled or ALL_KEY in disabled


@lru_cache(maxsize=1)
def bundled_sites() -> tuple[Site, ...]:
    """The tables shipped in this package, whatever the environment says (the profiler matches ``--site`` on them)."""
    return tuple(_site_from_toml(entry.name, tomllib.loads(entry.read_text(encoding="utf-8")))
                 for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name)
                 if entry.name.endswith(".toml") and entry.name not in _NOT_SITES)


@lru_cache(maxsize=1)
def all_sites() -> tuple[Site, ...]:
    """Every site table: the bundled ones less disabled keys, then extra folders (same key replaces).

    A disabled key leaves out the bundled table only: a draft of the same key in an
    extra folder still loads, which is how a draft is scored with its outlet's table off.
    """
    by_key = {site.key: site for site in bundled_sites() if not site_disabled(site.key)}
    for folder in extra_site_dirs():
        for path in sorted(folder.glob("*.toml")):
            site = _site_from_toml(str(path), tomllib.loads(path.read_text(encoding="utf-8")))
            by_key[site.key] = site
    return tuple(by_key.values())


@lru_cache(maxsize=1)
def _directory() -> dict:
    return tomllib.loads(resources.files(__package__).joinpath("publishers.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def directory_publisher(host: str) -> str | None:
    """The outlet a domain belongs to by the publisher directory (kept when a site table is disabled)."""
    if site_disabled(DIRECTORY_KEY):
        return None
    domains: dict[str, str] = _directory().get("domains", {})
    parts = host.lower().split(".")
    for i in range(len(parts) - 1):
        name = domains.get(".".join(parts[i:]))
        if name:
            return name
    return None


@lru_cache(maxsize=1)
def publisher_aliases() -> dict[str, str]:
    """Every known spelling of an outlet's name mapped to its canonical name."""
    table = _directory()
    aliases: dict[str, str] = {}
    for canonical, names in table["aliases"].items():
        for n in (canonical, *names):
            aliases[n] = canonical
    for site in all_sites():
        if site.publisher:
            for n in (site.publisher, *site.names):
                aliases.setdefault(n, site.publisher)
    return aliases


def host_of(url: str | None) -> str:
    return _host_of(url) if url else ""


@lru_cache(maxsize=256)
def _host_of(url: str) -> str:
    """Remembered: a page's URL is looked up several times (its outlet, a share link, the publisher)."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


@lru_cache(maxsize=1)
def _share_domains() -> tuple[str, ...]:
    return tuple(d for s in all_sites() for d in s.share_domains)


@lru_cache(maxsize=4096)
def _site_for_host(host: str) -> Site | None:
    for site in all_sites():
        if site.kind == "outlet" and _host_matches(host, site.domains):
            return site
    return None


def site_for_url(url: str | None) -> Site | None:
    """The outlet whose domain serves ``url`` (mirrors excluded)."""
    host = host_of(url)
    return _site_for_host(host) if host else None


@lru_cache(maxsize=1)
def _path_sites() -> tuple[tuple[str, Site], ...]:
    """``(folder, table)`` of every table keyed by folder, the longest folder first."""
    pairs = [(p, s) for s in all_sites() if s.kind == "outlet" for p in s.paths]
    return tuple(sorted(pairs, key=lambda ps: -len(ps[0])))


def site_for_path(source_path: str | None) -> Site | None:
    """The table whose ``paths`` hold the file (relative to the input root): the longest folder that
    starts the path or follows one of its ``/``. Used only when no URL names a table."""
    if not source_path:
        return None
    path = "/" + source_path.replace("\\", "/").lstrip("/")
    for folder, site in _path_sites():
        if "/" + folder in path:
            return site
    return None


def is_share_url(url: str | None) -> bool:
    """True for mirror and share links, which are a URL of last resort."""
    host = host_of(url)
    return bool(host) and _host_matches(host, _share_domains())


def site_for_categories(categories: list[str]) -> Site | None:
    return next((s for s in all_sites() if set(categories) & set(s.categories)), None)


def site_by_key(key: str) -> Site | None:
    return next((s for s in all_sites() if s.key == key), None)


def site_for_publisher(name: str | None) -> Site | None:
    canonical = canonical_publisher(name)
    return next((s for s in all_sites() if s.publisher and s.publisher == canonical), None)


def canonical_publisher(name: str | None) -> str | None:
    """One canonical Chinese name per outlet; unknown names pass through trimmed."""
    if not name:
        return None
    name = name.strip()
    return publisher_aliases().get(name, name) or None


def outlet_sites() -> tuple[Site, ...]:
    return tuple(s for s in all_sites() if s.kind == "outlet")


def mirror_sites() -> tuple[Site, ...]:
    return tuple(s for s in all_sites() if s.kind == "mirror")


_RELOAD_HOOKS: list[Callable[[], None]] = []


def on_reload(hook: Callable[[], None]) -> None:
    """Register a cache of another module that is derived from the tables, to be cleared with them."""
    _RELOAD_HOOKS.append(hook)


def reload_sites() -> None:
    """Forget every loaded table, so a change of ``NEWS_ETL_SITES``/``NEWS_ETL_DISABLE_SITES`` takes effect."""
    for cached in (all_sites, publisher_aliases, _share_domains, _site_for_host, _path_sites, directory_publisher):
        cached.cache_clear()
    for hook in _RELOAD_HOOKS:
        hook()
