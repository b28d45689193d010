"""The output store: versioned, atomically published, incremental, one writer.

Layout under OUTPUT (local filesystem)::

    articles -> _current/articles      (fixed symlinks: what plain readers open)
    rejects  -> _current/rejects
    _current -> _versions/<run_id>     (swapped atomically with rename(2))
    _versions/<run_id>/articles/year=YYYY/month=MM/part-*.parquet
    _versions/<run_id>/rejects/part-*.parquet
    _versions/<run_id>/_state.parquet  (one row per source_path: hash, kind, part)
    _runs/<run_id>.json                (the run log)
    .lock                              (flock: one writer; released by the kernel if the run dies)

A run builds a complete new version beside the live one: unchanged part files
are hard-linked (no copy), parts holding a replaced record are rewritten
without it, new parts come from the run's batches. Publishing is one rename of
the ``_current`` symlink, so a reader sees the old version or the new one,
never a mix; a run killed at any point leaves the previous version live and
its unfinished ``*.tmp`` directory is removed by the next run.

On object storage (s3://, memory://) there are no symlinks or hard links: the
pointer is the object ``_CURRENT`` (one atomic PUT) and parts are copied; read
through :func:`schemas.read.articles_dataset`, which follows the pointer.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import posixpath
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.faults import pause_point
from flows.storage import open_root, write_parquet
from schemas.version import METADATA_KEY, SCHEMA_VERSION

DATASETS = ("articles", "rejects")
STATE_FILE = "_state.parquet"
POINTER = "_CURRENT"
STATE_SCHEMA = pa.schema([
    pa.field("source_path", pa.string(), nullable=False),
    pa.field("doc_id", pa.string()),
    pa.field("content_sha256", pa.string()),
    pa.field("kind", pa.string(), nullable=False),  # article | reject
    pa.field("part", pa.string()),  # path of the part file, relative to the version root
    pa.field("run_id", pa.string(), nullable=False),
])
PUBLISHED_MARK = "_published_at"  # in a version: when it became live (so when its predecessor stopped being)
# How long a superseded version stays on disk for readers that listed it before it was replaced.
DEFAULT_RETAIN_SECONDS = 3600.0


def rewritten_name(part: str, run_id: str) -> str:
    """The name of ``part`` rewritten by run ``run_id``: same folder, a name no
    earlier version used (the run id is new, the digest tells the parts of one
    run apart)."""
    digest = hashlib.sha256(part.encode()).hexdigest()[:12]
    return posixpath.join(posixpath.dirname(part), f"part-{run_id}-r{digest}.parquet")


class OutputLocked(RuntimeError):
    """Another run holds the output."""


class SchemaMismatch(RuntimeError):
    """The live dataset was written with another major schema version."""


@dataclass(frozen=True, slots=True)  # slots: one per input file lives in the flow process
class StateRow:
    source_path: str
    doc_id: str | None
    content_sha256: str | None
    kind: str
    part: str | None
    run_id: str


class Store:
    """One output root. Local paths get symlinks, hard links and flock."""

    def __init__(self, output_url: str) -> None:
        self.url = output_url
        self.fs, self.root = open_root(output_url)
        self.local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))

    # -- paths -------------------------------------------------------------
    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def version_path(self, run_id: str) -> str:
        return self.path("_versions", run_id)

    def url_of(self, path: str) -> str:
        return path if self.local else self.fs.unstrip_protocol(path)

    # -- locking -----------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, run_id: str) -> Iterator[None]:
        """Fail fast if another run writes here; the kernel frees the lock if we die."""
        if not self.local:
            yield  # object stores have no advisory locks: one scheduler per output
            return
        import fcntl

        os.makedirs(self.root, exist_ok=True)
        fd = os.open(self.path(".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
                raise OutputLocked(f"output {self.url} is being written by {holder}; try again when it finishes") \
                    from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"run {run_id} (pid {os.getpid()} on {socket.gethostname()})".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    # -- reading the live version ------------------------------------------
    def current_run(self) -> str | None:
        if self.local:
            link = self.path("_current")
            if os.path.islink(link):
                return os.path.basename(os.readlink(link).rstrip("/"))
            return None
        pointer = self.path(POINTER)
        if self.fs.exists(pointer):
            return self.fs.cat_file(pointer).decode().strip() or None
        return None

    def load_state(self) -> dict[str, StateRow]:
        run = self.current_run()
        if run is None:
            return {}
        path = posixpath.join(self.version_path(run), STATE_FILE)
        if not self.fs.exists(path):
            return {}
        with self.fs.open(path, "rb") as fh:
            table = pq.read_table(fh)
        written = (table.schema.metadata or {}).get(METADATA_KEY, b"").decode() or SCHEMA_VERSION
        if written.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            raise SchemaMismatch(f"{self.url} holds schema version {written}; this news-etl writes "
                                 f"{SCHEMA_VERSION}. Write to a new output (or use --full-refresh to rebuild).")
        return {r["source_path"]: StateRow(**r) for r in table.cast(STATE_SCHEMA).to_pylist()}

    # -- recovery and garbage collection -----------------------------------
    def collect_garbage(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> list[str]:
        """Remove unfinished versions of killed runs, versions that were never
        published, and versions superseded more than ``retain_seconds`` ago."""
        versions = self.path("_versions")
        if not self.fs.exists(versions):
            return []
        current = self.current_run()
        names = sorted(posixpath.basename(p.rstrip("/")) for p in self.fs.ls(versions, detail=False))
        finished = [n for n in names if not n.endswith(".tmp")]
        doomed = [n for n in names if n.endswith(".tmp")]
        # a finished version newer than the live one was never published: drop it too
        doomed += [n for n in finished if current is not None and n > current]
        older = [n for n in finished if current is None or n < current]
        now = time.time()
        for name, successor in zip(older, [*older[1:], current], strict=False):  # empty when older is
            replaced = self.published_at(successor) if successor else now
            if now - replaced >= retain_seconds:
                doomed.append(name)
        for name in dict.fromkeys(doomed):
            self.fs.rm(posixpath.join(versions, name), recursive=True)
        if self.fs.exists(self.path("_staging")):  # left by an older layout
            self.fs.rm(self.path("_staging"), recursive=True)
        return doomed

    def published_at(self, run_id: str) -> float:
        """When the version of ``run_id`` was published (its mark, else its state file's time)."""
        root = self.version_path(run_id)
        mark = posixpath.join(root, PUBLISHED_MARK)
        if self.fs.exists(mark):
            return float(self.fs.cat_file(mark).decode().strip())
        for path in (posixpath.join(root, STATE_FILE), root):
            with contextlib.suppress(FileNotFoundError):
                modified = self.fs.modified(path)
                return modified.timestamp()
        return 0.0

    # -- building a version --------------------------------------------------
    def staging_path(self, run_id: str) -> str:
        """Where a run builds its version. Object stores have no rename: the version is
        written in place and stays invisible until the pointer names it."""
        return self.version_path(run_id + ".tmp") if self.local else self.version_path(run_id)

    def carry_part(self, old_run: str, part: str, new_root: str, new_run: str, drop_ids: set[str],
                   links: dict[str, str | None] | None = None) -> str | None:
        """Bring one part of the live version into the new one, minus ``drop_ids``
        and with ``duplicate_of`` set from ``links`` when given.

        An unchanged part keeps its name (a hard link: same bytes); a rewritten
        one gets a name of its own (:func:`rewritten_name`), so that a reader
        that listed the old version finds its file gone, never different.
        Returns the part's relative path in the new version, or None when no row is left.
        """
        src = posixpath.join(self.version_path(old_run), part)
        if not drop_ids and not links:
            self._link_or_copy(src, posixpath.join(new_root, part))
            return part
        new = rewritten_name(part, new_run)
        return new if self.rewrite_part(src, posixpath.join(new_root, new), drop_ids, links) else None

    def rewrite_part(self, src: str, dst: str, drop_ids: set[str], links: dict[str, str | None] | None) -> bool:
        """Write ``src`` to ``dst`` without ``drop_ids`` rows; False when nothing is left."""
        with self.fs.open(src, "rb") as fh:
            table = pq.read_table(fh)
        key = "doc_id" if "doc_id" in table.column_names else "source_path"
        if drop_ids:
            keep = pc.invert(pc.is_in(table.column(key), value_set=pa.array(sorted(drop_ids), pa.string())))
            table = table.filter(keep)
        if table.num_rows == 0:
            if src == dst:
                self.fs.rm(dst)
            return False
        if links and "duplicate_of" in table.column_names:
            ids = table.column("doc_id").to_pylist()
            old = table.column("duplicate_of").to_pylist()
            new = pa.array([links.get(i, o) for i, o in zip(ids, old, strict=True)], pa.string())
            table = table.set_column(table.schema.get_field_index("duplicate_of"), table.schema.field("duplicate_of"),
                                     new)
        write_parquet(self.fs, dst, table)
        return True

    def sweep_stage(self, stage: str, keep: set[str]) -> list[str]:
        """Remove staged parts no state row names: what an attempt whose worker died
        had already written (its files are cleaned again, by a retry or a piece of
        the split batch, under other names)."""
        removed = []
        for name in DATASETS:
            root = posixpath.join(stage, name)
            if not self.fs.exists(root):
                continue
            for path in self.fs.find(root):
                rel = posixpath.relpath(path, stage)
                if rel.endswith(".parquet") and rel not in keep:
                    self.fs.rm(path)
                    removed.append(rel)
        return removed

    def _link_or_copy(self, src: str, dst: str) -> None:
        self.fs.makedirs(posixpath.dirname(dst), exist_ok=True)
        if self.local:
            try:
                os.link(src, dst)
                return
            except OSError:
                shutil.copy2(src, dst)
                return
        self.fs.copy(src, dst)

    def write_state(self, stage: str, rows: list[StateRow]) -> None:
        rows = sorted(rows, key=lambda r: r.source_path)
        table = pa.Table.from_pydict({name: [getattr(r, name) for r in rows] for name in STATE_SCHEMA.names},
                                     schema=STATE_SCHEMA.with_metadata({METADATA_KEY: SCHEMA_VERSION.encode()}))
        write_parquet(self.fs, posixpath.join(stage, STATE_FILE), table)

    # -- publishing ------------------------------------------------------------
    def publish(self, run_id: str) -> None:
        """Make the staged version live: the single atomic step of a run."""
        stage, final = self.staging_path(run_id), self.version_path(run_id)
        for name in DATASETS:
            self.fs.makedirs(posixpath.join(stage, name), exist_ok=True)
        pause_point("before_publish")
        if stage != final:
            self.fs.mv(stage, final, recursive=True)
        self.fs.pipe_file(posixpath.join(final, PUBLISHED_MARK), f"{time.time():.3f}".encode())
        pause_point("before_swap")
        if self.local:
            tmp = self.path(f"._current.{run_id}")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(posixpath.join("_versions", run_id), tmp)
            os.replace(tmp, self.path("_current"))
            for name in DATASETS:
                link = self.path(name)
                if os.path.islink(link):
                    continue
                if os.path.isdir(link):  # a dataset written by an older layout: move it aside
                    shutil.rmtree(link)
                os.symlink(posixpath.join("_current", name), link)
        else:
            with self.fs.open(self.path(POINTER), "wb") as fh:
                fh.write(run_id.encode())
        pause_point("after_swap")

    def write_run_log(self, run_id: str, summary: dict) -> str:
        path = self.path("_runs", f"{run_id}.json")
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        body = json.dumps({**summary, "schema_version": SCHEMA_VERSION}, ensure_ascii=False, indent=1, sort_keys=True)
        tmp = path + ".tmp"
        with self.fs.open(tmp, "w", encoding="utf-8") as fh:
            fh.write(body)
        self.fs.mv(tmp, path)
        return path

