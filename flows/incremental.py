"""Plan the next version of the datasets from the live one and a run's batches.

Two steps shared by every backend: plan the new state (pure bookkeeping over
small per-file rows), then link duplicates over every article of that state.
The :class:`RunPlan` says what must change; the store's ``write`` materialises
it (versioned Parquet carries, filters and rewrites part files; Delta Lake
merges rows by key).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pyarrow as pa

from flows.batch import BatchResult
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
    drop: dict[str, set[str]]  # old part -> keys of rows it must lose ("" on backends without parts)
    counts: VersionCounts


@dataclass
class RunPlan(Plan):
    """A :class:`Plan` with the duplicate links over every live article."""

    full_refresh: bool = False
    previous: dict[str, StateRow] = field(default_factory=dict)  # the live state the plan starts from
    entries: list[DedupEntry] = field(default_factory=list)  # the dedup index of the new version
    links: dict[str, str | None] = field(default_factory=dict)  # doc_id -> duplicate_of, every live article
    relink: dict[str, str | None] = field(default_factory=dict)  # kept or new rows whose duplicate_of changes
    new_ids: set[str] = field(default_factory=set)  # doc_ids cleaned by this run

    def new_parts(self, run_id: str) -> set[str]:
        return {row.part for row in self.state.values() if row.part and row.run_id == run_id}

    def dedup_table(self) -> pa.Table:
        rows = [{"doc_id": e.doc_id, "first_seen": e.first_seen, "published_at": e.published_at,
                 "text_hash": e.text_hash, "minhash": e.minhash, "duplicate_of": self.links.get(e.doc_id)}
                for e in sorted(self.entries, key=lambda e: e.doc_id)]
        return pa.Table.from_pylist(rows, schema=DEDUP_SCHEMA.with_metadata({SCHEME_KEY: SCHEME.encode()}))



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
        if old is not None:
            drop[old.part or ""].add(_row_key(old))
    for source_path, old in previous.items():
        if source_path in seen or full_refresh:
            continue
        if prune:
            counts.removed += 1
            drop[old.part or ""].add(_row_key(old))
        else:
            counts.missing += 1
            state[source_path] = old
    counts.articles_total = sum(1 for r in state.values() if r.kind == "article")
    counts.rejects_total = sum(1 for r in state.values() if r.kind == "reject")
    return Plan(state, drop, counts)


def plan_run(store: Store, run_id: str, previous: dict[str, StateRow], results: list[BatchResult],
             prune: bool = False, full_refresh: bool = False) -> RunPlan:
    """The plan of the run and the duplicate links of the version it makes."""
    base = plan_version(run_id, previous, results, prune, full_refresh)
    plan = RunPlan(base.state, base.drop, base.counts, full_refresh=full_refresh, previous=previous)
    old_dedup, current_scheme = ({}, True) if full_refresh or not previous else store.load_dedup()
    live_ids = {r.doc_id for r in plan.state.values() if r.kind == "article" and r.doc_id}
    new_entries = {e.doc_id: e for r in results for e in r.dedup}
    plan.new_ids = set(new_entries)
    part_of = {r.doc_id: r.part for r in plan.state.values() if r.kind == "article"}
    if not current_scheme:  # signatures of another scheme: recompute the ones kept from the text
        stale = {d: part_of.get(d) for d in live_ids if d in old_dedup and d not in new_entries}
        texts = store.texts_of(stale)
        for doc_id, row in old_dedup.items():
            row["minhash"] = signature(texts[doc_id] or "") if doc_id in texts else None
    for doc_id in live_ids:
        old = old_dedup.get(doc_id)
        if doc_id in new_entries:
            e = new_entries[doc_id]
            if old:  # a changed file is the same document: it keeps its place in line
                e = DedupEntry(e.doc_id, old["first_seen"], e.published_at, e.text_hash, e.minhash)
            plan.entries.append(e)
        elif old:
            plan.entries.append(DedupEntry(doc_id, old["first_seen"], old["published_at"], old["text_hash"],
                                           old["minhash"]))
    plan.links = link_duplicates(plan.entries)
    for doc_id, target in plan.links.items():  # rows that need a new duplicate_of value
        before = old_dedup[doc_id]["duplicate_of"] if doc_id in old_dedup and doc_id not in new_entries else None
        if target != before:
            plan.relink[doc_id] = target
    plan.counts.duplicates_total = sum(1 for v in plan.links.values() if v)
    plan.counts.duplicates_new = sum(1 for d, v in plan.links.items() if v and d in new_entries)
    return plan


def build_version(store: Store, run_id: str, previous: dict[str, StateRow], results: list[BatchResult],
                  prune: bool = False, full_refresh: bool = False) -> VersionCounts:
    """Plan the run and let the store write it (not yet live: see ``store.publish``); return the counts."""
    plan = plan_run(store, run_id, previous, results, prune, full_refresh)
    store.write(run_id, plan)
    return plan.counts


def _row_key(row: StateRow) -> str:
    """Article rows are keyed by doc_id, reject rows by source path."""
    return row.doc_id if row.kind == "article" and row.doc_id else row.source_path
