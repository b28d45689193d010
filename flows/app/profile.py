"""``news-etl profile``: read a corpus, clean it with the real pipeline, profile
each site, and write draft site tables with a before/after sample.

Read-only: nothing in the input or the bundled tables changes. Files are read
with the run's own helpers (discovery, safe local reads) and cleaned by
:func:`transforms.pipeline.clean_document` in a forked process pool; the
statistics are the pure functions of :mod:`transforms.profile`. No Prefect: a
profile is one pass over the files and should take seconds.

With ``--write`` the drafts are installed (``NEWS_ETL_SITES``) and the profiled
pages cleaned again, so the effect the report states and the sample shows is
what ``news-etl run`` produces with the draft, not an estimate.
"""
from __future__ import annotations

import multiprocessing
import os
import random
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from flows.inputs.listing import discover
from flows.inputs.storage import InputFile, open_root
from flows.inputs.storage import join as join_path
from flows.run.batch import default_workers, read_input
from transforms.defects import defect_counts
from transforms.pipeline import Trace, clean_document
from transforms.profile import Page, SiteProfile, group_of, page_from_record, profile_site, render_sample, render_table
from transforms.records import Record
from transforms.sites import SITES_ENV, all_sites, bundled_sites, reload_sites

CHUNK = 100
SAMPLE_PAGES = 5
# The record fields a draft may change, shown in the sample and compared in the effect.
FIELDS = ("publisher", "published_at", "date_source", "site", "authors", "url", "text")


@dataclass
class Profile:
    """A profiled corpus: the pages cleaned, the sites found, what was rejected."""

    input_url: str
    files: int
    sampled: int
    seed: int
    pages: dict[str, list[Page]] = field(default_factory=dict)  # by site key
    domains: dict[str, str | None] = field(default_factory=dict)
    rejects: Counter = field(default_factory=Counter)
    sites: list[SiteProfile] = field(default_factory=list)
    effects: dict[str, dict] = field(default_factory=dict)  # by site key, after --write
    written: list[str] = field(default_factory=list)


def _fields(doc: Record | Page | object) -> dict:
    """The fields of a record (or of the page made from it) that a draft may change; all None for a reject."""
    if not isinstance(doc, (Record, Page)):
        return {k: None for k in FIELDS}
    return {"publisher": doc.publisher, "published_at": doc.published_at.isoformat() if doc.published_at else None,
            "date_source": doc.date_source, "site": doc.site, "authors": list(doc.authors), "url": doc.url,
            "text": doc.text}


def _profile_chunk(input_url: str, rel_paths: list[str]) -> tuple[list[Page], Counter]:
    """Read and clean files (with a trace of what was removed) into pages; rejects by reason."""
    fs, root = open_root(input_url)
    pages, rejects = [], Counter()
    for rel in rel_paths:
        raw = read_input(fs, join_path(root, rel), rel, None)
        if not isinstance(raw, bytes):
            rejects[raw.reason] += 1
            continue
        trace = Trace()
        doc = clean_document(raw, rel, trace=trace)
        if isinstance(doc, Record):
            pages.append(page_from_record(doc, trace.removed, raw))
        else:
            rejects[doc.reason] += 1
    return pages, rejects


def _clean_chunk(input_url: str, rel_paths: list[str]) -> dict[str, dict]:
    """The record fields a draft may change, as the pipeline gives them under the tables now loaded."""
    fs, root = open_root(input_url)
    out = {}
    for rel in rel_paths:
        raw = read_input(fs, join_path(root, rel), rel, None)
        out[rel] = _fields(clean_document(raw, rel) if isinstance(raw, bytes) else raw)
    return out


def _chunks(paths: list[str]) -> list[list[str]]:
    return [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]


def _map(fn, input_url: str, paths: list[str], workers: int, progress: bool, label: str) -> list:
    """``fn(input_url, chunk)`` over chunks of ``paths``, in a forked pool when it pays, with a progress bar."""
    chunks = _chunks(paths)
    bar = None
    if progress and chunks:
        from flows.app.progress import ProgressBar

        try:
            bar = ProgressBar(len(chunks), len(paths), label=label)
        except Exception:  # decoration only
            bar = None
    results = []
    try:
        if workers <= 1 or len(chunks) <= 1:
            for c in chunks:
                results.append(fn(input_url, c))
                if bar:
                    bar.advance(len(c))
            return results
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(fn, input_url, c): i for i, c in enumerate(chunks)}
            done: dict[int, object] = {}
            for f in as_completed(futures):
                done[futures[f]] = f.result()
                if bar:
                    bar.advance(len(chunks[futures[f]]))
            return [done[i] for i in range(len(chunks))]
    finally:
        if bar:
            bar.stop()


def select_files(files: list[InputFile], sample: int | None, seed: int) -> list[str]:
    """All paths, or a seeded random sample of ``sample`` of them (the same sample on every run), sorted."""
    paths = [f.rel_path for f in files]
    if sample is not None and sample < len(paths):
        paths = sorted(random.Random(seed).sample(paths, sample))
    return paths


def _matches(key: str, domain: str | None, wanted: str) -> bool:
    """A page group is the site ``--site`` names by its key, its domain, or the domains of the table of that key."""
    if wanted in (key, domain):
        return True
    table = next((s for s in (*all_sites(), *bundled_sites()) if s.key == wanted), None)  # a disabled one too
    return bool(table and domain and any(domain == d or domain.endswith("." + d) or d.endswith("." + domain)
                                          for d in table.domains))


def profile(input_url: str, site: str | None = None, sample: int | None = None, seed: int = 0,
            workers: int | None = None, progress: bool = False, min_share: float = 0.05) -> Profile:
    """Clean the (sampled) corpus and profile each site, or only ``site``."""
    files = discover(input_url)
    paths = select_files(files, sample, seed)
    workers = workers or default_workers()
    result = Profile(input_url, len(files), len(paths), seed)
    for pages, rejects in _map(_profile_chunk, input_url, paths, workers, progress, "profiling"):
        result.rejects.update(rejects)
        for page in pages:
            key, domain = group_of(page)
            result.pages.setdefault(key, []).append(page)
            if domain or key not in result.domains:
                result.domains[key] = domain
    if site is not None:
        keep = {k: v for k, v in result.pages.items() if _matches(k, result.domains.get(k), site)}
        result.pages = {site: [p for v in keep.values() for p in v]} if keep else {}
    result.sites = sorted((profile_site(k, v, min_share) for k, v in result.pages.items()),
                          key=lambda s: (-s.pages, s.key))
    return result


def write_drafts(result: Profile, out_dir: str, workers: int | None = None, progress: bool = False,
                 min_pages: int = 3) -> list[str]:
    """Write ``<key>.toml`` and ``<key>.sample.md`` for each site with enough pages, then measure the effect.

    The effect is measured by cleaning every profiled page again with the drafts
    installed (``NEWS_ETL_SITES`` = ``out_dir`` in front of what was set), in a
    fresh process pool, and comparing with the first pass.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    drafted = [s for s in result.sites if s.pages >= min_pages and (s.blocks or s.publisher or s.domains)]
    for s in drafted:
        path = out / f"{s.key}.toml"
        path.write_text(render_table(s, s.key, result.input_url), encoding="utf-8")
        result.written.append(str(path))
    paths = [p.source_path for s in drafted for p in result.pages[s.key]]
    before = {p.source_path: _fields(p) for s in drafted for p in result.pages[s.key]}
    previous = os.environ.get(SITES_ENV)
    os.environ[SITES_ENV] = os.pathsep.join(x for x in (str(out), previous) if x)
    reload_sites()
    try:
        after: dict[str, dict] = {}
        for part in _map(_clean_chunk, result.input_url, paths, workers or default_workers(), progress, "checking drafts"):
            after.update(part)
    finally:
        if previous is None:
            os.environ.pop(SITES_ENV, None)
        else:
            os.environ[SITES_ENV] = previous
        reload_sites()
    for s in drafted:
        site_paths = [p.source_path for p in result.pages[s.key]]
        result.effects[s.key] = effect(s, site_paths, before, after)
        samples = _samples(site_paths, before, after, result.seed)
        sample_path = out / f"{s.key}.sample.md"
        sample_path.write_text(render_sample(s.key, samples), encoding="utf-8")
        result.written.append(str(sample_path))
    return result.written


def effect(s: SiteProfile, paths: list[str], before: dict[str, dict], after: dict[str, dict]) -> dict:
    """What installing the draft changed on the site's pages, field by field, and the blocks it dropped."""
    changed = Counter()
    dropped = Counter()
    rules = [(b.pattern, re.compile(b.pattern)) for b in s.blocks]
    for path in paths:
        b, a = before[path], after[path]
        for k in FIELDS:
            if b[k] != a[k]:
                changed[k] += 1
        gone = set((b["text"] or "").split("\n\n")) - set((a["text"] or "").split("\n\n"))
        for pattern, rx in rules:
            if any(rx.search(g) for g in gone):
                dropped[pattern] += 1
    return {
        "pages": len(paths),
        "pages changed": sum(1 for p in paths if before[p] != after[p]),
        "fields changed": dict(changed),
        "publisher after": dict(Counter(after[p]["publisher"] or "(none)" for p in paths).most_common(3)),
        "dated before": sum(1 for p in paths if before[p]["published_at"]),
        "dated after": sum(1 for p in paths if after[p]["published_at"]),
        "blocks dropped": {b.pattern: dropped[b.pattern] for b in s.blocks},
        "defects before": defect_counts(before[p] for p in paths),
        "defects after": defect_counts(after[p] for p in paths),
    }


def _samples(paths: list[str], before: dict, after: dict, seed: int, n: int = SAMPLE_PAGES) -> list[dict]:
    """A few pages, the ones whose text the draft changes first, in a seeded order."""
    order = sorted(paths)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda p: (before[p]["text"] == after[p]["text"], before[p] == after[p]))
    return [{"source_path": p, "before": before[p], "after": after[p]} for p in order[:n]]
