"""Assemble the next version of the datasets from the live one and a run's batches.

Three steps: plan the new state (pure bookkeeping over small per-file rows),
link duplicates over every article of that state, then materialise the version
(carry, filter or rewrite part files through the :class:`~flows.store.Store`).
"""
from __future__ import annotations

import os
import posixpath
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import pyarrow as pa
import pyarrow.parquet as pq

from flows.batch import BatchResult
from flows.storage import write_parquet
from flows.store import StateRow, Store
from transforms.dedup import SCHEME, DedupEntry, link_duplicates, signature

DEDUP_FILE = "_dedup.parquet"
DEDUP_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("first_seen", pa.string(), nullable=False),
    pa.field("published_at", pa.timestamp("us", tz="UTC")),
    pa.field("text_hash", pa.string()),
    pa.field("minhash", pa.binary()),
    pa.field("duplicate_of", pa.string()),
])
# Schema metadata key naming the MinHash scheme of the ``minhash`` column (transforms.dedup.SCHEME).
# Files without it were written with datasketch's MinHash, before schemes were named.
SCHEME_KEY = b"news_etl.minhash_scheme"


@dataclass
class VersionCounts:
    """How the run changed the datasets, per input and per stored row."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0  # records dropped by --prune because their file is gone
    missing: int = 0  # records kept although their file is gone
    articles_total: int = 0
    rejects_total: int = 0
    duplicates_total: int = 0
    duplicates_new: int = 0
    input_kinds: Counter = field(default_factory=Counter)  # article/reject per input of this run


@dataclass
class Plan:
    state: dict[str, StateRow]
    drop: dict[str, set[str]]  # old part -> keys of rows it must lose
    counts: VersionCounts


def plan_version(run_id: str, previous: dict[str, StateRow], results: list[BatchResult], prune: bool,
                 full_refresh: bool) -> Plan:
    counts = VersionCounts()
    state: dict[str, StateRow] = {}
    drop: dict[str, set[str]] = defaultdict(set)
    seen: set[str] = set()
    for outcome in (o for r in results for o in r.outcomes):
        seen.add(outcome.source_path)
        old = previous.get(outcome.source_path)
        if outcome.status == "unchanged" and old is not None:
            counts.unchanged += 1
            state[outcome.source_path] = old
            counts.input_kinds[old.kind] += 1
            continue
        setattr(counts, outcome.status, getattr(counts, outcome.status) + 1)
        counts.input_kinds[outcome.kind] += 1
        state[outcome.source_path] = StateRow(outcome.source_path, outcome.doc_id, outcome.content_sha256,
                                              outcome.kind or "reject", outcome.part, run_id)
        if old is not None and old.part:
            drop[old.part].add(_row_key(old))
    for source_path, old in previous.items():
        if source_path in seen or full_refresh:
            continue
        if prune:
            counts.removed += 1
            if old.part:
                drop[old.part].add(_row_key(old))
        else:
            counts.missing += 1
            state[source_path] = old
    counts.articles_total = sum(1 for r in state.values() if r.kind == "article")
    counts.rejects_total = sum(1 for r in state.values() if r.kind == "reject")
    return Plan(state, drop, counts)


def load_dedup(store: Store) -> tuple[dict[str, dict], bool]:
    """The live version's dedup rows by doc_id, and whether their signatures are of this
    :data:`~transforms.dedup.SCHEME` (signatures of another scheme must not be compared)."""
    run = store.current_run()
    path = posixpath.join(store.version_path(run), DEDUP_FILE) if run else None
    if not path or not store.fs.exists(path):
        return {}, True
    with store.fs.open(path, "rb") as fh:
        scheme = (pq.read_metadata(fh).metadata or {}).get(SCHEME_KEY)
        fh.seek(0)
        rows = {r["doc_id"]: r for r in pq.read_table(fh, schema=DEDUP_SCHEMA).to_pylist()}
    return rows, scheme == SCHEME.encode()


def recompute_signatures(store: Store, run: str, parts: dict[str, set[str]]) -> dict[str, bytes | None]:
    """Signatures of this scheme for the records ``parts`` names (part -> doc_ids), from the
    ``text`` the version of ``run`` holds for them: what a store written with another scheme
    needs once. Records not found get None (no near-duplicate link, exact ones still work)."""
    out: dict[str, bytes | None] = {}
    for part, ids in sorted(parts.items()):
        path = posixpath.join(store.version_path(run), part)
        if not store.fs.exists(path):
            continue
        with store.fs.open(path, "rb") as fh:
            table = pq.read_table(fh, columns=["doc_id", "text"])
        for doc_id, text in zip(table.column("doc_id").to_pylist(), table.column("text").to_pylist(), strict=True):
            if doc_id in ids:
                out[doc_id] = signature(text or "")
    return out


def build_version(store: Store, run_id: str, previous: dict[str, StateRow], results: list[BatchResult],
                  prune: bool = False, full_refresh: bool = False) -> VersionCounts:
    """Write the staged version (parts, dedup index, state); return the counts."""
    plan = plan_version(run_id, previous, results, prune, full_refresh)
    stage = store.staging_path(run_id)
    old_run = store.current_run()
    old_dedup, current_scheme = ({}, True) if full_refresh else load_dedup(store)
    live_ids = {r.doc_id for r in plan.state.values() if r.kind == "article" and r.doc_id}
    new_entries = {e.doc_id: e for r in results for e in r.dedup}
    part_of = {r.doc_id: r.part for r in plan.state.values() if r.kind == "article"}
    if not current_scheme and old_run:  # signatures of another scheme: recompute the ones kept from the text
        stale: dict[str, set[str]] = defaultdict(set)
        for doc_id in live_ids:
            if doc_id in old_dedup and doc_id not in new_entries and part_of.get(doc_id):
                stale[part_of[doc_id]].add(doc_id)
        fresh = recompute_signatures(store, old_run, stale)
        for doc_id, row in old_dedup.items():
            row["minhash"] = fresh.get(doc_id)
    entries: list[DedupEntry] = []
    for doc_id in live_ids:
        old = old_dedup.get(doc_id)
        if doc_id in new_entries:
            e = new_entries[doc_id]
            if old:  # a changed file is the same document: it keeps its place in line
                e = DedupEntry(e.doc_id, old["first_seen"], e.published_at, e.text_hash, e.minhash)
            entries.append(e)
        elif old:
            entries.append(DedupEntry(doc_id, old["first_seen"], old["published_at"], old["text_hash"], old["minhash"]))
    links = link_duplicates(entries)
    # parts whose rows need a new duplicate_of value
    relink: dict[str, dict[str, str | None]] = defaultdict(dict)
    for doc_id, target in links.items():
        before = old_dedup[doc_id]["duplicate_of"] if doc_id in old_dedup and doc_id not in new_entries else None
        if target != before and part_of.get(doc_id):
            relink[part_of[doc_id]][doc_id] = target
    store.sweep_stage(stage, {row.part for row in plan.state.values() if row.part and row.run_id == run_id})
    jobs = []
    if old_run and not full_refresh:
        carried = {row.part for row in plan.state.values() if row.part and row.run_id != run_id}
        jobs += [(store.carry_part, old_run, part, stage, run_id, plan.drop.get(part, set()), relink.get(part))
                 for part in sorted(carried)]
    for part in sorted({row.part for row in plan.state.values() if row.part and row.run_id == run_id}):
        if relink.get(part):
            path = posixpath.join(stage, part)
            jobs.append((store.rewrite_part, path, path, set(), relink[part]))
    # Each job reads and writes its own part; Parquet decoding, zstd and file I/O
    # release the GIL, so threads use every core while the worker processes idle.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = [pool.submit(*job) for job in jobs]
        renamed = {job[2]: f.result() for job, f in zip(jobs, futures, strict=True) if job[0] == store.carry_part}
    renamed = {old: new for old, new in renamed.items() if new != old}
    if renamed:  # rewritten parts have new names: the state names them
        plan.state = {k: replace(r, part=renamed[r.part]) if r.part in renamed else r for k, r in plan.state.items()}
    _write_dedup(store, stage, entries, links)
    store.write_state(stage, list(plan.state.values()))
    plan.counts.duplicates_total = sum(1 for v in links.values() if v)
    plan.counts.duplicates_new = sum(1 for d, v in links.items() if v and d in new_entries)
    return plan.counts


def _write_dedup(store: Store, stage: str, entries: list[DedupEntry], links: dict[str, str | None]) -> None:
    rows = [{"doc_id": e.doc_id, "first_seen": e.first_seen, "published_at": e.published_at,
             "text_hash": e.text_hash, "minhash": e.minhash, "duplicate_of": links.get(e.doc_id)}
            for e in sorted(entries, key=lambda e: e.doc_id)]
    schema = DEDUP_SCHEMA.with_metadata({SCHEME_KEY: SCHEME.encode()})
    write_parquet(store.fs, posixpath.join(stage, DEDUP_FILE), pa.Table.from_pylist(rows, schema=schema))


def _row_key(row: StateRow) -> str:
    """Article rows are keyed by doc_id in their parts, reject rows by source path."""
    return row.doc_id if row.kind == "article" and row.doc_id else row.source_path
