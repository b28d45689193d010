"""What a run changes, as the planner hands it to a store backend.

:mod:`flows.run.incremental` builds a :class:`RunPlan`; each backend's ``write``
materialises it. Both sides import this module, neither imports the other.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa


@dataclass
class VersionCounts:
    """How the run changed the datasets, per input and per stored row."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    stale_rules: int = 0  # cleaned again because another rules version made their record
    removed: int = 0  # records dropped by --prune because their file is gone
    missing: int = 0  # records kept although their file is gone
    files_opened: int = 0  # files the workers read (every other listed file was known by its stat)
    articles_total: int = 0
    rejects_total: int = 0
    duplicates_total: int = 0
    duplicates_new: int = 0
    input_kinds: Counter = field(default_factory=Counter)  # article/reject per input of this run


@dataclass
class RunPlan:
    """What the run changes. Tables, not per-file objects."""

    run_id: str
    full_refresh: bool
    counts: VersionCounts
    state: pa.Table  # the live state of the new version (STATE_SCHEMA)
    delta: pa.Table  # the rows the state gains (STATE_SCHEMA; tombstones have kind "gone")
    drop_articles: pa.Array  # doc_ids whose old article row goes (replaced or pruned)
    drop_rejects: pa.Array  # source paths whose old reject row goes
    links: pa.Table  # LINKS_SCHEMA: duplicate_of of the articles this run cleaned
    relink: pa.Table  # LINKS_SCHEMA: kept articles whose duplicate_of changes
    staged: list[str] = field(default_factory=list)  # files the batches staged (relative to the stage)
    relayout: bool = False  # the live version has an older layout (Store.layout_outdated): rewrite it anyway

    @property
    def changes(self) -> bool:
        """Whether the new version differs from the live one at all (rows, or where they sit)."""
        return bool(self.delta.num_rows or self.full_refresh or self.relayout)

    def staged_parts(self, dataset: str) -> list[str]:
        return sorted(p for p in self.staged if p.startswith(dataset + "/"))
