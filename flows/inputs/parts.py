"""Few, well-sized Parquet files: streaming merges of part files and when to merge them.

Each batch of a run writes one small part per month it touches, and every
incremental run adds more; readers then pay per file (footers, opens, tiny row
groups). :func:`merge_parquet` rewrites a list of parts into files of about
``target_bytes`` on disk, streaming one source row group at a time, so that its
memory is bounded by a row group and the writer's buffer, never by the data
merged. :func:`plan_merges` is the automatic threshold: which files of one
partition to merge so that it holds few files again.
"""
from __future__ import annotations

import contextlib
import posixpath
import uuid
from collections.abc import Callable, Sequence

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from flows.inputs.storage import PARQUET_OPTIONS, iter_part, join, open_root

DEFAULT_TARGET_BYTES = 128 * 2**20
# Arrow bytes buffered before they are written as one row group: big enough for
# well-compressed row groups, small enough to keep a merge's memory flat.
DEFAULT_ROW_GROUP_BYTES = 32 * 2**20
# A file is rolled over once it holds this share of ``target_bytes``: a row group
# cut to fill the last few per cent would only make a tiny row group.
_FULL_SHARE = 0.9
# Footer bytes a row group adds at close (its metadata and column statistics), per column, until the
# first closed file measures it: only a prior, which matters for small targets only.
_FOOTER_PRIOR_PER_COLUMN = 256
# ``plan_merges`` merges files below this share of ``target_bytes``; larger ones are already well sized.
SMALL_SHARE = 0.5


def merge_parquet(srcs: Sequence[str], dst_dir: str, name: Callable[[int], str], *, schema: pa.Schema,
                  target_bytes: int = DEFAULT_TARGET_BYTES,
                  transform: Callable[[pa.Table], pa.Table] | None = None,
                  fs: fsspec.AbstractFileSystem | None = None,
                  row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES) -> list[str]:
    """Rewrite the rows of ``srcs`` (in order) into files ``dst_dir/name(0)``, ``name(1)``, …; their paths.

    Each source row group is read alone, passed through ``transform`` (which
    may drop rows or change values but must return ``schema``'s columns) and
    buffered; about ``row_group_bytes`` of Arrow data make one output row group,
    and an output file is closed once it holds about ``target_bytes`` on disk:
    the writer's position after each row group, plus the footer bytes per row
    group that the closed files showed; the compression ratio seen so far sizes
    the next row group so that it fits. Memory is about ``row_group_bytes`` plus
    one source row group plus the writer's encoding of one row group, whatever
    the number of sources (bench/merge_memory.py measures it). The files carry
    ``schema`` with its metadata (``news_etl.schema_version``) and the writer
    settings of :func:`flows.inputs.storage.write_parquet`. Returns ``[]`` when no row
    is left, and then writes nothing.

    Outputs are written under hidden temporary names (``.name.<hex>.tmp``, which
    dataset readers skip) and renamed to their final names only after every
    source was read: an exception leaves no file under a final name (the
    temporaries are removed), and an output may replace one of the sources.
    ``fs`` defaults to the local filesystem.
    """
    out = _Outputs(fs or LocalFileSystem(), dst_dir.rstrip("/") or "/", name, schema, target_bytes)
    cap = max(1, row_group_bytes)
    buffer: list[pa.Table] = []
    buffered = 0
    try:
        for src in srcs:
            for piece in iter_part(out.fs, src):
                table = conform(piece, schema)
                if transform is not None:
                    table = conform(transform(table), schema)
                if table.num_rows == 0:
                    continue
                buffer.append(table)
                buffered += table.nbytes
                if buffered >= out.room(cap):
                    out.write(pa.concat_tables(buffer), cap)
                    buffer, buffered = [], 0
        if buffer:
            out.write(pa.concat_tables(buffer), cap)
        return out.commit()
    except BaseException:
        out.abort()
        raise


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns, in its order and types (metadata aside);
    a column added to the schema since the file was written comes out null."""
    if table.schema.equals(schema, check_metadata=False):
        return table
    cols = [table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
            for f in schema]
    return pa.Table.from_arrays(cols, schema=schema)


def _rows_within(table: pa.Table, room: int) -> int:
    """The most leading rows of ``table`` within ``room`` Arrow bytes, at least one (rows differ in size)."""
    if table.nbytes <= room:
        return table.num_rows
    lo, hi = 1, table.num_rows - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if table.slice(0, mid).nbytes <= room:
            lo = mid
        else:
            hi = mid - 1
    return lo


class _Outputs:
    """The output files of one merge: row groups in, rolled over at ``target_bytes``, renamed at the end."""

    def __init__(self, fs: fsspec.AbstractFileSystem, dst_dir: str, name: Callable[[int], str], schema: pa.Schema,
                 target_bytes: int) -> None:
        self.fs, self.dst_dir, self.name, self.schema = fs, dst_dir, name, schema
        self.target = max(1, target_bytes)
        self.done: list[tuple[str, str]] = []  # (temporary, final) of closed files
        self.fh = self.writer = None
        self.current: tuple[str, str] | None = None
        self.arrow_bytes = self.disk_bytes = 0  # over all row groups written: the compression ratio
        self.groups = 0  # row groups in the current file
        self.footer_bytes = self.footer_groups = 0  # over the closed files: footer bytes per row group

    def _size(self, groups: int) -> float:
        """The current file's size on disk once closed with ``groups`` row groups (footer estimated)."""
        per_group = (self.footer_bytes / self.footer_groups if self.footer_groups
                     else _FOOTER_PRIOR_PER_COLUMN * len(self.schema))
        return (self.fh.tell() if self.fh is not None else 0) + per_group * groups

    def room(self, cap: int) -> int:
        """Arrow bytes that fit in the current file (a fresh one if none is open), at most ``cap``."""
        ratio = self.disk_bytes / self.arrow_bytes if self.arrow_bytes else 1.0  # 1.0: never overshoots at first
        return max(1, min(cap, int((self.target - self._size(self.groups + 1)) / max(ratio, 1e-6))))

    def write(self, table: pa.Table, cap: int) -> None:
        """Write ``table`` as row groups of at most ``cap`` Arrow bytes, none across a file boundary."""
        while table.num_rows:
            room = self.room(cap)
            rows = _rows_within(table, room)
            if rows == 1 and self.groups and table.slice(0, 1).nbytes > room:
                self._close()  # not even one more row fits: a new file rather than an overfull one
                continue
            self._write_group(table.slice(0, rows))
            table = table.slice(rows)

    def _write_group(self, group: pa.Table) -> None:
        if self.writer is None:
            final = posixpath.join(self.dst_dir, self.name(len(self.done)))
            tmp = posixpath.join(posixpath.dirname(final), f".{posixpath.basename(final)}.{uuid.uuid4().hex}.tmp")
            self.fs.makedirs(posixpath.dirname(final), exist_ok=True)
            self.current = (tmp, final)
            self.fh = self.fs.open(tmp, "wb")
            self.writer = pq.ParquetWriter(self.fh, self.schema, **PARQUET_OPTIONS)
        before = self.fh.tell()
        self.writer.write_table(group, row_group_size=group.num_rows)
        after = self.fh.tell()
        self.arrow_bytes += group.nbytes
        self.disk_bytes += after - before
        self.groups += 1
        if self._size(self.groups) >= self.target * _FULL_SHARE:
            self._close()

    def _close(self) -> None:
        if self.writer is not None:
            before = self.fh.tell()
            self.writer.close()
            self.footer_bytes += self.fh.tell() - before
            self.footer_groups += self.groups
            self.fh.close()
            self.done.append(self.current)
            self.writer = self.fh = self.current = None
            self.groups = 0

    def commit(self) -> list[str]:
        self._close()
        for tmp, final in self.done:
            self.fs.mv(tmp, final)
        return [final for _, final in self.done]

    def abort(self) -> None:
        """Close and remove every temporary file; never raises over the original error."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
        if self.fh is not None:
            with contextlib.suppress(Exception):
                self.fh.close()
        for tmp in [t for t, _ in self.done] + ([self.current[0]] if self.current else []):
            with contextlib.suppress(Exception):
                self.fs.rm(tmp)


def plan_merges(files: Sequence[tuple[str, int]], *, max_files: int, target_bytes: int) -> list[list[str]]:
    """Groups of one partition's files ``(path, size)`` to merge into about ``target_bytes`` each.

    Nothing while the partition holds at most ``max_files`` files: merging costs
    a rewrite, so it waits until there are too many. Then every small file
    (under ``SMALL_SHARE`` of ``target_bytes``) is packed, first fit by
    decreasing size, into groups of at most ``target_bytes``; a group of one
    file is no merge and is left out, and files of half the target or more are
    already well sized and stay as they are. So the partition ends with at most
    ``max_files`` files whenever its small files allow (the bound is the number
    of large files plus the groups). Within a group, and among the groups, the
    files keep their order in ``files``, so that a merge keeps rows in order.
    """
    if len(files) <= max_files:
        return []
    order = {path: i for i, (path, _) in enumerate(files)}
    small = sorted(((path, size) for path, size in files if size < target_bytes * SMALL_SHARE),
                   key=lambda f: (-f[1], order[f[0]]))
    groups: list[list[str]] = []
    loads: list[int] = []
    for path, size in small:
        for i, load in enumerate(loads):
            if load + size <= target_bytes:
                groups[i].append(path)
                loads[i] += size
                break
        else:
            groups.append([path])
            loads.append(size)
    merges = [sorted(g, key=order.__getitem__) for g in groups if len(g) > 1]
    return sorted(merges, key=lambda g: order[g[0]])


def read_staged(url: str, rels: list[str], schema: pa.Schema, columns: list[str] | None = None,
                doc_ids: pa.Array | None = None) -> pa.Table:
    """The staged files ``rels`` under ``url`` (a run's stage, local or on object storage; Parquet
    or staged IPC parts) as one table of ``schema`` (``columns`` of it), optionally only the rows
    whose ``doc_id`` is in ``doc_ids``."""
    import pyarrow.compute as pc

    fs, root = open_root(url)
    want = schema if columns is None else pa.schema([schema.field(c) for c in columns], schema.metadata)
    tables = []
    for rel in rels:
        for piece in iter_part(fs, join(root, rel), columns):
            piece = conform(piece, want)
            tables.append(piece if doc_ids is None else piece.filter(pc.is_in(piece.column("doc_id"),
                                                                                 value_set=doc_ids)))
    return pa.concat_tables(tables) if tables else want.empty_table()
