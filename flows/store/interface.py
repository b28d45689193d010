"""The output store: one interface, one module per backend.

The flow talks to a :class:`Store` only, and never asks which one it has:

- ``lock(run_id)``: the writer guard for the length of a run;
- ``recover(retain_seconds)``: clear what killed runs left, expire old versions;
- ``load_state()`` / ``read_dedup()``: what the live data holds (Arrow tables, never
  one Python object per file);
- ``layout_outdated()``: whether the live data sits in an older layout, which the
  next version rewrites even when no input changed;
- ``stage_url(run_id)``: where the batches write their Parquet parts;
- ``write(run_id, plan)``: materialise the plan (:mod:`flows.run.incremental`);
- ``publish(run_id)``: make it live, the single atomic step of a run;
- ``discard(run_id)``: drop what a run staged when it changes nothing (no new version);
- ``write_run_log(run_id, summary)``, ``compact()``.

Backends, chosen from the output URL and ``--table-format``:

- :mod:`flows.store.parquet`: versioned Hive-partitioned Parquet on a local
  filesystem (symlink swap, hard links, flock). The default for local paths.
- :mod:`flows.store.delta`: Delta Lake tables (delta-rs): atomic commits with
  S3 conditional writes, merge by ``doc_id``. Always used for object storage
  (``s3://``, ``gs://``, ``az://``...), and locally with ``--table-format delta``.
"""
from __future__ import annotations

import json
import posixpath
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.inputs.storage import open_root
from schemas.version import METADATA_KEY, SCHEMA_VERSION

if TYPE_CHECKING:
    from flows.store.changes import RunPlan

DATASETS = ("articles", "rejects")
TABLE_FORMATS = ("parquet", "delta")
# One row per input file the output knows: what the next run compares its listing against.
STATE_SCHEMA = pa.schema([
    pa.field("source_path", pa.string(), nullable=False),
    pa.field("doc_id", pa.string()),
    pa.field("content_sha256", pa.string()),  # null: never read whole (the next run tries again)
    pa.field("kind", pa.string(), nullable=False),  # article | reject (| gone: a tombstone in a state log)
    pa.field("size", pa.int64()),  # the listing's stat when the file was last read
    pa.field("mtime_ns", pa.int64()),
    pa.field("etag", pa.string()),  # ETag or version id on object stores
    pa.field("rules_version", pa.string()),  # transforms.rules_version of the rules that made the row
    pa.field("first_seen", pa.string()),  # run that first stored the record: its place in the duplicate order
    pa.field("duplicate_of", pa.string()),  # the record's live duplicate link (articles)
    pa.field("run_id", pa.string(), nullable=False),  # the run that cleaned the file last
])
TOMBSTONE = "gone"
# Columns read with dictionary encoding: few distinct values over millions of rows.
STATE_DICTIONARY = ["kind", "rules_version", "first_seen", "run_id"]
# How long a replaced version stays readable for readers that listed it before it was replaced.
DEFAULT_RETAIN_SECONDS = 3600.0


class OutputLocked(RuntimeError):
    """Another run holds the output."""


class SchemaMismatch(RuntimeError):
    """The live dataset was written with another major schema version."""


def conform_state(table: pa.Table) -> pa.Table:
    """``table`` with every column of :data:`STATE_SCHEMA`, in order, missing ones null.

    States written before stat and rules were recorded lack those columns: their
    rows then match no listing stat and no rules version, so the next run hashes
    every file and re-cleans it once.
    """
    cols = []
    for f in STATE_SCHEMA:
        if f.name in table.column_names:
            col = table.column(f.name)
            cols.append(col if pa.types.is_dictionary(col.type) else col.cast(f.type))
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, names=STATE_SCHEMA.names)


def empty_state() -> pa.Table:
    return conform_state(STATE_SCHEMA.empty_table())


def compose_state(parts: list[pa.Table]) -> pa.Table:
    """The live state of a state log: parts oldest first, a later row for a path
    replaces every earlier one, and a tombstone (kind ``gone``) removes the path."""
    parts = [conform_state(p) for p in parts if p.num_rows]
    if not parts:
        return empty_state()
    if len(parts) == 1:
        only = decoded(parts[0])
        gone = pc.equal(only.column("kind"), TOMBSTONE)
        return (only.filter(pc.invert(gone)) if pc.any(gone).as_py() else only).cast(STATE_SCHEMA)
    seq = pa.chunked_array([pa.array(np.full(p.num_rows, i, dtype=np.int32)) for i, p in enumerate(parts)])
    table = pa.concat_tables([decoded(p) for p in parts]).append_column("_seq", seq)
    table = table.sort_by([("source_path", "ascending"), ("_seq", "descending")])
    paths = table.column("source_path").combine_chunks()
    first = np.ones(len(paths), dtype=bool)
    if len(paths) > 1:
        first[1:] = pc.not_equal(paths.slice(1), paths.slice(0, len(paths) - 1)).to_numpy(zero_copy_only=False)
    table = table.filter(pa.array(first)).drop_columns(["_seq"])
    return table.filter(pc.not_equal(table.column("kind"), TOMBSTONE)).cast(STATE_SCHEMA)


def _plain(col):
    return col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col


def decoded(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded (parts' dictionaries differ, so concatenation needs plain columns)."""
    return pa.Table.from_arrays([_plain(c) for c in table.columns], names=table.column_names)


def check_schema_version(table: pa.Table | str, url: str) -> None:
    """Refuse a dataset written with another major schema version (``table``: one stamped
    with it in its schema metadata, or the version itself)."""
    written = table if isinstance(table, str) else (table.schema.metadata or {}).get(METADATA_KEY, b"").decode()
    written = written or SCHEMA_VERSION
    if written.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise SchemaMismatch(f"{url} holds schema version {written}; this news-etl writes "
                             f"{SCHEMA_VERSION}. Write to a new output (or use --full-refresh to rebuild).")


def stamped(table: pa.Table) -> pa.Table:
    """``table`` with the schema version in its metadata (state and dedup files)."""
    return table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: SCHEMA_VERSION.encode()})


class Store(Protocol):
    """What the flow needs of an output (see the module docstring)."""

    url: str

    def lock(self, run_id: str) -> AbstractContextManager[None]: ...
    def recover(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> list[str]: ...
    def layout_outdated(self) -> bool: ...
    def load_state(self) -> pa.Table: ...
    def read_dedup(self, columns: list[str], doc_ids: pa.Array | None = None) -> pa.Table: ...
    def stage_url(self, run_id: str) -> str: ...
    def write(self, run_id: str, plan: RunPlan) -> None: ...
    def publish(self, run_id: str) -> None: ...
    def discard(self, run_id: str) -> None: ...
    def write_run_log(self, run_id: str, summary: dict) -> str: ...
    def compact(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> dict: ...


def is_local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


class FsStore:
    """What every backend shares: an fsspec root and the run logs under ``_runs/``."""

    def __init__(self, output_url: str) -> None:
        self.url = output_url
        self.fs, self.root = open_root(output_url)

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def write_run_log(self, run_id: str, summary: dict) -> str:
        path = self.path("_runs", f"{run_id}.json")
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        body = json.dumps({**summary, "schema_version": SCHEMA_VERSION}, ensure_ascii=False, indent=1, sort_keys=True)
        tmp = path + ".tmp"
        with self.fs.open(tmp, "w", encoding="utf-8") as fh:
            fh.write(body)
        self.fs.mv(tmp, path)
        return path


def new_run_id(tag: str = "") -> str:
    """A run's id: UTC time first, so that versions sort by when they were made
    (``recover`` relies on it); ``tag`` marks ids that are not runs (``c``: a compaction)."""
    import uuid
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + tag + uuid.uuid4().hex[:6 - len(tag)]


def sorted_paths(paths: pa.ChunkedArray) -> bool:
    """Whether ``paths`` ascend (one vectorised comparison; a copy of a million paths saved)."""
    if len(paths) < 2:
        return True
    return pc.all(pc.less_equal(paths.slice(0, len(paths) - 1), paths.slice(1))).as_py()


def sorted_lookup(keys: pa.Array | pa.ChunkedArray):
    """``find(values) -> (found, position)``: where each value sits in ``keys`` sorted.

    The lookup is built once and each call is a binary search: ``pc.index_in`` or
    ``pc.is_in`` would hash all of ``keys`` again for every one of the thousands of
    row groups a first run merges. A null is looked up as "", which no doc_id is.
    """
    ids = np.sort(fixed_width(keys)) if len(keys) else np.array([], "S1")

    def find(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
        probe = fixed_width(values)
        pos = np.searchsorted(ids, probe) if len(ids) else np.zeros(len(probe), dtype=np.int64)
        found = pos < len(ids)
        found[found] = ids[pos[found]] == probe[found]
        return found, pos

    return find


_WIDTH_BLOCK = 1 << 16  # strings copied per step: bounds the index temporaries (16 bytes per byte copied)


def fixed_width(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Strings as one NUL-padded numpy ``S<width>`` array (null as ""), copied from
    Arrow's buffers: no Python object per value (a million doc_ids through
    ``to_pylist`` cost ~100 MB of objects for a moment, and memory the process kept)."""
    arr = pc.fill_null(values, "")
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    wide = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if wide else np.int32, count=n + 1, offset=arr.offset
                            * (8 if wide else 4)) if n else np.zeros(1, np.int32)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if n and arr.buffers()[2] is not None else \
        np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    width = max(1, int(lengths.max()) if n else 1)
    if n and (lengths == width).all():  # doc_ids: every value as long as the next
        out = data[offsets[0]:offsets[-1]].reshape(n, width)
    else:
        out = np.zeros((n, width), dtype=np.uint8)
        for start in range(0, n, _WIDTH_BLOCK):
            lens = lengths[start:start + _WIDTH_BLOCK]
            first, total = int(offsets[start]), int(lens.sum())
            ends = np.cumsum(lens)
            flat = np.repeat(np.arange(len(lens)) * width - (ends - lens), lens) + np.arange(total)
            out[start:start + len(lens)].reshape(-1)[flat] = data[first:first + total]
    return out.view(f"S{width}").reshape(n)


def links_setter(links: pa.Table | None, keep_others: bool = False):
    """A function setting ``duplicate_of`` of a table's rows from ``links`` (doc_id, duplicate_of),
    by :func:`sorted_lookup` (built once, however many tables it is applied to).

    Rows whose doc_id is not in ``links`` get null, or keep their value with ``keep_others``.
    Order-preserving: parts keep their row order.
    """
    if links is None:
        return None
    links = links.filter(pc.is_valid(links.column("duplicate_of"))) if not keep_others else links
    links = links.sort_by("doc_id")
    find = sorted_lookup(links.column("doc_id"))
    targets = links.column("duplicate_of").combine_chunks()

    def apply(table: pa.Table) -> pa.Table:
        if "duplicate_of" not in table.column_names or not table.num_rows:
            return table
        found, pos = find(table.column("doc_id"))
        idx = pa.array(np.where(found, pos, 0), mask=~found)
        new = pc.take(targets, idx) if links.num_rows else pa.nulls(table.num_rows, pa.string())
        if keep_others:
            new = pc.if_else(pa.array(found), new, table.column("duplicate_of"))
        i = table.schema.get_field_index("duplicate_of")
        return table.set_column(i, table.schema.field(i), new)

    return apply


def read_tables(files: list[str], schema: pa.Schema, columns: list[str], doc_ids: pa.Array | None = None) -> pa.Table:
    """``columns`` of the Parquet ``files`` (of ``schema``) as one table, optionally only rows of ``doc_ids``."""
    import pyarrow.dataset as ds

    if not files:
        return schema.empty_table().select(columns)
    dataset = ds.dataset(files, schema=schema, format="parquet")
    flt = ds.field("doc_id").isin(doc_ids) if doc_ids is not None else None
    return dataset.to_table(columns=columns, filter=flt)
