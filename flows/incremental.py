"""Assemble the next version of the datasets from the live one and a run's batches.

Pure bookkeeping over small per-file rows; the only I/O is through the
:class:`~flows.store.Store` (linking, filtering and writing part files).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flows.batch import BatchResult
from flows.store import StateRow, Store


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
    input_kinds: Counter = field(default_factory=Counter)  # article/reject per input of this run


def build_version(store: Store, run_id: str, previous: dict[str, StateRow], results: list[BatchResult],
                  prune: bool = False, full_refresh: bool = False) -> VersionCounts:
    """Write the staged version's carried parts and state; return the counts."""
    stage = store.staging_path(run_id)
    old_run = store.current_run()
    counts = VersionCounts()
    state: dict[str, StateRow] = {}
    drop: dict[str, set[str]] = defaultdict(set)  # old part -> keys of rows it must lose
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
    if old_run and not full_refresh:
        live_parts = {row.part for row in state.values() if row.part and row.run_id != run_id}
        for part in sorted(live_parts):
            store.carry_part(old_run, part, stage, drop.get(part, set()))
    counts.articles_total = sum(1 for r in state.values() if r.kind == "article")
    counts.rejects_total = sum(1 for r in state.values() if r.kind == "reject")
    store.write_state(stage, list(state.values()))
    return counts


def _row_key(row: StateRow) -> str:
    """Article rows are keyed by doc_id in their parts, reject rows by source path."""
    return row.doc_id if row.kind == "article" and row.doc_id else row.source_path
