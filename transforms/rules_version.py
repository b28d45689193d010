"""A fingerprint of the cleaning rules, so that a record made by other rules can be recognised.

Every record and every state row carries :func:`rules_version`; a run after an
upgrade (or with other site tables) re-cleans the records whose version is not the
current one, instead of silently mixing rule generations in one dataset.

What it covers, and why:

- The cleaning code: the bytes of every ``.py`` file of this package, found through
  :mod:`importlib.resources` (so a dev checkout and an installed wheel of the same
  files agree), sorted by their path relative to the package, each hashed with that
  path and its length. Caches, ``.pyc`` files and other files are not code.
- The site tables as the pipeline loads them: :func:`transforms.sites.all_sites` (the
  bundled tables less ``NEWS_ETL_DISABLE_SITES``, then the folders of
  ``NEWS_ETL_SITES``, in the order lookups see them), the publisher directory (and
  whether its ``[domains]`` are disabled) and ``general.toml``. They are hashed as
  parsed, in a canonical JSON (sorted keys, regexes as pattern and flags), not as
  file bytes: the version follows what cleaning can see, so a comment or a
  reformatted table does not force a re-clean, a disabled key that names no table
  changes nothing, and where an extra folder lives (``Site.source_file``, which is
  not part of a table's identity) does not matter. A table field the loader
  ignores is not part of the version either: it cannot change a record. The parsing
  code itself is in the code part.

Not covered: the versions of the libraries the cleaning calls (lxml, bs4,
charset-normalizer) and of Python's Unicode tables.

Computed once per process (reading this package's own files, as the site tables
are read); :func:`transforms.sites.reload_sites` forgets the tables' part, so a test
or the profiler that changes the environment and reloads sees the new version. The
code part is kept: reloading the tables does not reload code.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from transforms import general_rules, sites

# Bump to change every version at once (e.g. when what the version covers changes).
_DOMAIN = b"news_etl.rules_version.v1"
_DIGITS = 16  # hex digits: 64 bits, ample to tell rule generations apart


def _py_files(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    """``(path relative to the package, file)`` of every ``.py`` file under ``folder``."""
    for entry in folder.iterdir():
        rel = prefix + entry.name
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _py_files(entry, rel + "/")
        elif entry.name.endswith(".py"):
            yield rel, entry


@cache
def _code_digest() -> bytes:
    h = hashlib.sha256()
    for rel, entry in sorted(_py_files(resources.files(__package__)), key=lambda item: item[0]):
        data = entry.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.digest()


def _canonical(value: object) -> object:
    """A JSON-able form of a parsed table value, the same in every process."""
    if isinstance(value, re.Pattern):
        return {"pattern": value.pattern, "flags": value.flags}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):  # TOML dates and times (datetime is a date)
        return value.isoformat()
    return value


def loaded_tables() -> dict:
    """The tables cleaning uses in this process, in the canonical form the version hashes."""
    return {
        "sites": [{f.name: _canonical(getattr(site, f.name)) for f in dataclasses.fields(site) if f.compare}
                  for site in sites.all_sites()],
        "publishers": _canonical(sites._directory()),
        "publisher_domains_disabled": sites.site_disabled(sites.DIRECTORY_KEY),
        "general": _canonical(general_rules._table()),
    }


@cache
def rules_version() -> str:
    """16 hex digits naming the cleaning code and the loaded tables (see the module docstring)."""
    tables = json.dumps(loaded_tables(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    h = hashlib.sha256(_DOMAIN)
    h.update(_code_digest())
    h.update(tables.encode("utf-8"))
    return h.hexdigest()[:_DIGITS]


sites.on_reload(rules_version.cache_clear)
