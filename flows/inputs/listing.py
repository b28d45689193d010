"""The input listing as an Arrow table, with each file's stat for change detection.

A run over a folder of millions of files must tell the unchanged ones from the
rest without opening them, and without one Python object per file: the listing
is a table (``LISTING_SCHEMA``) that a planner joins with the stored state. It
is built from the walk of :mod:`flows.inputs.storage` (one walk, the
same entries: see that module; :func:`discover` gives it as a list), in Arrow chunks of ``CHUNK_ROWS`` entries.

Local files carry their size and ``st_mtime_ns`` (a symlink inside the root,
its target's). Object stores and other fsspec filesystems carry what their
listing gives: the size, the modification time in nanoseconds when the info
has one, and the ETag or version id, which changes whenever the content does.
"""
from __future__ import annotations

import datetime as dt
import os
import posixpath
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa
from fsspec.implementations.local import LocalFileSystem

from flows.inputs.storage import InputFile, open_root, walk_local

LISTING_SCHEMA = pa.schema([
    pa.field("source_path", pa.string(), nullable=False),  # relative to the input root, forward slashes
    pa.field("size", pa.int64(), nullable=False),
    pa.field("mtime_ns", pa.int64()),  # null when the filesystem gives no time (or the stat failed)
    pa.field("etag", pa.string()),  # object stores: ETag / version id / generation; null on a local disk
])
CHUNK_ROWS = 65_536

# Keys of fsspec info dicts, in order of preference, across local, memory, s3fs, gcsfs, adlfs and others.
_MTIME_KEYS = ("mtime", "LastModified", "last_modified", "updated", "modified", "created", "creation_time")
_ETAG_KEYS = ("ETag", "etag", "VersionId", "version_id", "generation", "md5Hash")

Entry = tuple[str, int, int | None, str | None]


def list_inputs(url: str) -> pa.Table:
    """Every input file under ``url`` (``LISTING_SCHEMA``), sorted by ``source_path``.

    A single file given as the input is listed under its own name. Sorting is by
    UTF-8 bytes, which is the code point order of :func:`discover`. The entries go
    straight into column lists, turned into Arrow every ``CHUNK_ROWS`` rows (a
    tuple per entry, zipped apart again, cost a quarter of a listing: 0.5 s of ~1.8
    at 291k files).
    """
    batches: list[pa.RecordBatch] = []
    paths: list[str] = []
    sizes: list[int] = []
    mtimes: list[int | None] = []
    etags: list[str | None] | None = None  # a local disk has none: one null column per chunk

    def flush() -> None:
        tags = pa.nulls(len(paths), pa.string()) if etags is None else pa.array(etags, pa.string())
        batches.append(pa.record_batch([pa.array(paths, pa.string()), pa.array(sizes, pa.int64()),
                                        pa.array(mtimes, pa.int64()), tags], schema=LISTING_SCHEMA))
        for column in (paths, sizes, mtimes, etags or []):
            column.clear()

    local_dir = _local_dir(url)
    if local_dir is not None:
        entries: Iterator[tuple] = walk_local(local_dir)  # (path, size, mtime): no ETag to keep
    else:
        entries, etags = iter_inputs(url), []
    for entry in entries:
        paths.append(entry[0])
        sizes.append(entry[1])
        mtimes.append(entry[2])
        if etags is not None:
            etags.append(entry[3])
        if len(paths) == CHUNK_ROWS:
            flush()
    flush()
    table = pa.Table.from_batches(batches, LISTING_SCHEMA)
    return table.sort_by("source_path").combine_chunks()


def _local_dir(url: str) -> str | None:
    """The root of ``url`` when it is a directory on a local disk (the common case, listed by
    :func:`~flows.inputs.storage.walk_local` directly); None for a file or another filesystem."""
    fs, root = open_root(url)
    return root if isinstance(fs, LocalFileSystem) and os.path.isdir(root) else None


def iter_inputs(url: str) -> Iterator[Entry]:
    """``(source_path, size, mtime_ns, etag)`` of every input under ``url``, unsorted."""
    fs, root = open_root(url)
    if not fs.exists(root):
        raise FileNotFoundError(f"input not found: {url}")
    local = isinstance(fs, LocalFileSystem)
    if fs.isfile(root):
        if local:  # the user named this file: a link is followed
            st = os.stat(root)
            yield posixpath.basename(root), int(st.st_size), st.st_mtime_ns, None
        else:
            info = fs.info(root)
            yield posixpath.basename(root), int(info.get("size") or 0), mtime_ns(info), etag(info)
        return
    if local:
        for rel, size, mtime in walk_local(root):
            yield rel, size, mtime, None
        return
    base = root.replace("\\", "/")
    for path, info in fs.find(root, withdirs=False, detail=True).items():
        if info.get("type") not in (None, "file"):
            continue
        rel = posixpath.relpath(path.replace("\\", "/"), base)
        yield rel, int(info.get("size") or 0), mtime_ns(info), etag(info)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def mtime_ns(info: Mapping) -> int | None:
    """The modification time in an fsspec info dict, in nanoseconds since the epoch; None if it has none.

    Filesystems give a datetime (s3fs, adlfs), an ISO string (gcsfs) or epoch
    seconds as a number (local, sftp, memory); a naive datetime is taken as UTC.
    """
    for key in _MTIME_KEYS:
        value = info.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                continue
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.timezone.utc)
            return (value - _EPOCH) // dt.timedelta(microseconds=1) * 1000
        if isinstance(value, int | float) and not isinstance(value, bool):
            return round(value * 1_000_000) * 1000  # a float has microseconds at best: rounded there, stably
    return None


def etag(info: Mapping) -> str | None:
    """The ETag, version id or generation in an fsspec info dict, without its quotes; None if it has none."""
    for key in _ETAG_KEYS:
        value = info.get(key)
        if value is not None and str(value).strip('"'):
            return str(value).strip('"')
    return None


# -- listing ahead of the flow -------------------------------------------------------------------
class _ForkedListing:
    """A listing made by a forked child process into an unlinked temporary file (Arrow IPC).

    A thread would share the GIL with the CLI's imports: both are Python-bound, so a
    listing of 291k files (~1.5 CPU-s) and the imports (~1.8 s) took ~3.3 s one after
    the other. A child lists on the other core meanwhile. It is forked before the CLI
    starts any thread, writes to a file the parent has already unlinked (nothing is
    left behind, whatever dies) and leaves with ``os._exit`` (no atexit handler of the
    parent runs twice). Any failure in the child, a missing input included, makes the
    parent list again itself, so errors are raised where they always were.
    """

    def __init__(self, url: str) -> None:
        fd, path = tempfile.mkstemp(prefix="news-etl-listing-", suffix=".arrow")
        os.unlink(path)
        self.fd = fd
        self.pid = os.fork()
        if self.pid == 0:  # the child: list, write, leave
            code = 1
            try:
                table = list_inputs(url)
                with pa.OSFile(f"/proc/self/fd/{fd}", "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                    writer.write_table(table)
                code = 0
            finally:
                os._exit(code)

    def result(self, url: str) -> pa.Table:
        try:
            _, status = os.waitpid(self.pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                with os.fdopen(os.dup(self.fd), "rb") as fh:
                    return pa.ipc.open_file(fh).read_all()
        finally:
            os.close(self.fd)
        return list_inputs(url)


_AHEAD: dict[str, Future | _ForkedListing] = {}


def list_ahead(url: str, in_child: bool = False) -> None:
    """Start listing ``url`` now, for :func:`listing_for` to take.

    ``news-etl run`` calls it before Prefect is imported: the CLI then imports Prefect
    and waits for the API, and a listing of hundreds of thousands of files (a few
    seconds of ``stat``) fits in that time instead of adding to the run. With
    ``in_child`` (on Linux, for a local folder, before this process runs threads) a
    forked child lists it (:class:`_ForkedListing`), in parallel with the imports;
    else a thread does. The CLI asks for the child only when it starts no temporary
    Prefect server: that server's start-up is then what the run waits for, and a third
    busy process on two cores only delays it (a no-op rerun of 291k files took 7.2 s
    with the child, 6.5 s with the thread). Listing the *input* early is safe: a file
    that changes afterwards has a newer stat than the one recorded, so the next run
    hashes it again.
    """
    if url in _AHEAD:
        return
    if in_child and sys.platform.startswith("linux") and threading.active_count() == 1 \
            and _local_dir(url) is not None:
        _AHEAD[url] = _ForkedListing(url)
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="news-etl-listing")
    _AHEAD[url] = pool.submit(list_inputs, url)
    pool.shutdown(wait=False)


def listing_for(url: str) -> pa.Table:
    """The listing :func:`list_ahead` started for ``url`` (once), else a fresh one."""
    ahead = _AHEAD.pop(url, None)
    if isinstance(ahead, _ForkedListing):
        return ahead.result(url)
    return ahead.result() if ahead is not None else list_inputs(url)


def discover(url: str) -> list[InputFile]:
    """Every file under ``url``, sorted by relative path (forward slashes).

    The objects of :func:`list_inputs`, the one listing (a table,
    with each file's stat), for callers that want a list.
    """
    table = list_inputs(url)
    return [InputFile(rel, size) for rel, size in
            zip(table.column("source_path").to_pylist(), table.column("size").to_pylist(), strict=True)]
