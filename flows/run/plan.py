"""Which files a run must read: the listing joined with the live state, as tables.

A file whose size, modification time (and ETag or version id, on object
stores) match the state, whose hash is known and whose record was made by the
current rules is unchanged without being opened. Every other listed file goes
to the workers: new ones, ones whose stat differs (they are hashed, and cleaned
only when their bytes differ: see ``expected``), and ones made by other rules
(cleaned again). ``--verify-content`` hashes every file whatever its stat says,
for filesystems whose modification times cannot be trusted.

Nothing here holds one Python object per file: the plan is the join of two
Arrow tables and a few boolean masks over it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.store.interface import STATE_SCHEMA, decoded, empty_state, sorted_paths

# State columns carried into the plan, renamed with this prefix (the join needs distinct names).
OLD = "old_"


@dataclass
class InputPlan:
    """The files of a run: ``todo`` are read by the workers, ``gone`` are in the state only."""

    listed: int
    todo: pa.Table  # listing columns + expected (hash that lets a file be skipped) + the old_* state columns
    unchanged: int  # stat, hash and rules match: not opened
    new: int  # not in the state
    stat_changed: int  # in the state, stat differs (or --verify-content): hashed, cleaned if the bytes differ
    stale_rules: int  # same stat, record made by other rules: cleaned again
    gone: pa.Table  # state rows whose file is not listed
    unchanged_kinds: dict[str, int]  # article/reject among the files not opened

    def batches(self, size: int) -> Iterator[tuple[list[str], dict[str, str]]]:
        """The todo files in slices of ``size``: their paths, and the expected hash of
        those that need not be cleaned if their bytes are the same."""
        for start in range(0, self.todo.num_rows, size):
            chunk = self.todo.slice(start, size)
            paths = chunk.column("source_path").to_pylist()
            expected = chunk.column("expected").to_pylist()
            yield paths, {p: e for p, e in zip(paths, expected, strict=True) if e}


def plan_inputs(listing: pa.Table, state: pa.Table | None, rules: str, *, verify_content: bool = False,
                keep_stale_rules: bool = False) -> InputPlan:
    """Join ``listing`` (:data:`flows.inputs.listing.LISTING_SCHEMA`) with ``state``
    (:data:`flows.store.interface.STATE_SCHEMA`, empty or None on a first run or full refresh)."""
    state = empty_state() if state is None else state
    old = decoded(state)
    old = old.rename_columns(["source_path", *(OLD + n for n in old.column_names[1:])])
    if not old.num_rows:  # a first run: no join (it would cost a hash table over the whole listing)
        joined = _side_by_side(listing, old, lambda f: pa.nulls(listing.num_rows, f.type))
    elif old.num_rows == listing.num_rows and pc.all(pc.equal(listing.column("source_path"),
                                                              old.column("source_path"))).as_py():
        # the same files as last time (both sorted by path): no join either
        joined = _side_by_side(listing, old, lambda f: old.column(f.name))
    else:
        joined = listing.join(old, keys="source_path", join_type="full outer")
    listed_mask = _mask(pc.is_valid(joined.column("size")))
    known = _mask(pc.is_valid(joined.column(OLD + "kind")))
    same_stat = _mask(pc.and_kleene(pc.equal(joined.column("size"), joined.column(OLD + "size")),
                                    pc.equal(joined.column("mtime_ns"), joined.column(OLD + "mtime_ns"))))
    same_etag = _mask(pc.equal(pc.fill_null(joined.column("etag"), ""), pc.fill_null(joined.column(OLD + "etag"), "")))
    hashed = _mask(pc.is_valid(joined.column(OLD + "content_sha256")))
    rules_ok = _mask(pc.equal(joined.column(OLD + "rules_version"), rules)) | keep_stale_rules
    in_both = listed_mask & known
    skip = in_both & same_stat & same_etag & hashed & rules_ok & (not verify_content)
    todo_mask = listed_mask & ~skip
    stale = in_both & same_stat & same_etag & hashed & ~rules_ok & (not verify_content)
    expected = pc.if_else(pa.array(in_both & hashed & rules_ok), joined.column(OLD + "content_sha256"),
                          pa.scalar(None, pa.string()))
    joined = joined.append_column("expected", expected)
    todo = joined if todo_mask.all() else joined.filter(pa.array(todo_mask))  # a first run reads every file
    if not sorted_paths(todo.column("source_path")):  # the listing is sorted by path; a join is not
        todo = todo.sort_by("source_path")
    gone = joined.filter(pa.array(known & ~listed_mask))
    kinds = pc.value_counts(joined.filter(pa.array(skip)).column(OLD + "kind")).to_pylist()
    return InputPlan(
        listed=int(listed_mask.sum()), todo=todo, unchanged=int(skip.sum()), new=int((listed_mask & ~known).sum()),
        stat_changed=int((todo_mask & known & ~stale).sum()), stale_rules=int(stale.sum()),
        gone=_as_state(gone), unchanged_kinds={k["values"]: k["counts"] for k in kinds})


def _side_by_side(listing: pa.Table, old: pa.Table, column) -> pa.Table:
    """The listing with the old_* columns appended, ``column(field)`` giving each."""
    for f in old.schema:
        if f.name != "source_path":
            listing = listing.append_column(f, column(f))
    return listing


def _mask(arr) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _as_state(joined: pa.Table) -> pa.Table:
    """The old_* columns of ``joined`` as state rows."""
    return pa.Table.from_arrays([joined.column(n if n == "source_path" else OLD + n) for n in STATE_SCHEMA.names],
                                schema=STATE_SCHEMA)
