"""Versioned Hive-partitioned Parquet on a local filesystem: atomically published, one writer.

Layout under OUTPUT::

    articles -> _current/articles      (fixed symlinks: what plain readers open)
    rejects  -> _current/rejects
    _current -> _versions/<run_id>     (swapped atomically with rename(2))
    _versions/<run_id>/articles/year=YYYY/month=MM/part-*.parquet
    _versions/<run_id>/rejects/part-*.parquet
    _versions/<run_id>/_state.parquet  (one row per source_path: hash, kind, part)
    _versions/<run_id>/_dedup.parquet  (the duplicate index)
    _versions/<run_id>/_published_at   (when the version became live)
    _runs/<run_id>.json                (the run log)
    .lock                              (flock: one writer; released by the kernel if the run dies)

A run builds a complete new version beside the live one: unchanged part files
are hard-linked (same name, same bytes), parts holding a replaced record are
rewritten under a new name, new parts come from the run's batches. Publishing
is one rename of the ``_current`` symlink, so a reader sees the old version or
the new one, never a mix; a reader that listed the old version's files and
reads them later finds each file as it was or gone (never different), and a
replaced version stays on disk for ``retain_seconds``. A run killed at any
point leaves the previous version live; its unfinished ``*.tmp`` directory is
removed by the next run.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import posixpath
import shutil
import socket
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.faults import pause_point
from flows.storage import write_parquet
from flows.store import (
    DATASETS,
    DEFAULT_RETAIN_SECONDS,
    STATE_SCHEMA,
    FsStore,
    OutputLocked,
    StateRow,
    check_schema_version,
    is_local,
    state_table,
)
from schemas import articles_table, rejects_table

if TYPE_CHECKING:
    from flows.incremental import RunPlan, VersionCounts

STATE_FILE = "_state.parquet"
PUBLISHED_MARK = "_published_at"  # in a version: when it became live (so when its predecessor stopped being)


def rewritten_name(part: str, run_id: str) -> str:
    """The name of ``part`` rewritten by run ``run_id``: same folder, a name no
    earlier version used (the run id is new, the digest tells the parts of one
    run apart)."""
    digest = hashlib.sha256(part.encode()).hexdigest()[:12]
    return posixpath.join(posixpath.dirname(part), f"part-{run_id}-r{digest}.parquet")


class ParquetStore(FsStore):
    """One local output root: symlinks, hard links and flock."""

    def __init__(self, output_url: str) -> None:
        if not is_local(output_url):
            raise ValueError(f"{output_url}: versioned Parquet needs a local filesystem")
        super().__init__(output_url)

    # -- paths -------------------------------------------------------------
    def version_path(self, run_id: str) -> str:
        return self.path("_versions", run_id)

    def staging_path(self, run_id: str) -> str:
        """Where a run builds its version: renamed to its final name when published."""
        return self.version_path(run_id + ".tmp")

    def stage_url(self, run_id: str) -> str:
        return self.staging_path(run_id)

    # -- locking -----------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, run_id: str) -> Iterator[None]:
        """Fail fast if another run writes here; the kernel frees the lock if we die."""
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
        link = self.path("_current")
        if os.path.islink(link):
            return os.path.basename(os.readlink(link).rstrip("/"))
        return None

    def load_state(self) -> dict[str, StateRow]:
        run = self.current_run()
        path = posixpath.join(self.version_path(run), STATE_FILE) if run else None
        if path is None or not os.path.exists(path):
            return {}
        table = pq.read_table(path)
        check_schema_version(table, self.url)
        return {r["source_path"]: StateRow(**r) for r in table.cast(STATE_SCHEMA).to_pylist()}

    def load_dedup(self) -> tuple[dict[str, dict], bool]:
        """The live dedup rows by doc_id, and whether their signatures are of this
        :data:`~transforms.dedup.SCHEME` (signatures of another scheme must not be compared)."""
        from flows.incremental import DEDUP_FILE, DEDUP_SCHEMA, SCHEME_KEY
        from transforms.dedup import SCHEME

        run = self.current_run()
        path = posixpath.join(self.version_path(run), DEDUP_FILE) if run else None
        if not path or not os.path.exists(path):
            return {}, True
        scheme = (pq.read_metadata(path).metadata or {}).get(SCHEME_KEY)
        rows = {r["doc_id"]: r for r in pq.read_table(path, schema=DEDUP_SCHEMA).to_pylist()}
        return rows, scheme == SCHEME.encode()

    def texts_of(self, ids: dict[str, str | None]) -> dict[str, str | None]:
        """The ``text`` the live version holds for each doc_id (mapped to its part)."""
        run = self.current_run()
        by_part: dict[str, set[str]] = defaultdict(set)
        for doc_id, part in ids.items():
            if part:
                by_part[part].add(doc_id)
        out: dict[str, str | None] = {}
        for part, wanted in sorted(by_part.items()):
            path = posixpath.join(self.version_path(run), part)
            if not os.path.exists(path):
                continue
            table = pq.read_table(path, columns=["doc_id", "text"])
            for doc_id, text in zip(table.column("doc_id").to_pylist(), table.column("text").to_pylist(), strict=True):
                if doc_id in wanted:
                    out[doc_id] = text
        return out

    # -- recovery and garbage collection -----------------------------------
    def recover(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> list[str]:
        """Remove unfinished versions of killed runs, versions that were never
        published, and versions replaced more than ``retain_seconds`` ago."""
        versions = self.path("_versions")
        if not os.path.isdir(versions):
            return []
        current = self.current_run()
        names = sorted(os.listdir(versions))
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
            shutil.rmtree(posixpath.join(versions, name))
        if os.path.isdir(self.path("_staging")):  # left by an older layout
            shutil.rmtree(self.path("_staging"))
        return doomed

    def published_at(self, run_id: str) -> float:
        """When the version of ``run_id`` was published (its mark, else its state file's time)."""
        root = self.version_path(run_id)
        with contextlib.suppress(FileNotFoundError, ValueError):
            with open(posixpath.join(root, PUBLISHED_MARK), encoding="ascii") as fh:
                return float(fh.read().strip())
        for path in (posixpath.join(root, STATE_FILE), root):
            with contextlib.suppress(FileNotFoundError):
                return os.stat(path).st_mtime
        return 0.0

    def compact(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> dict:
        """Versioned Parquet needs no optimisation step: every run writes few parts
        per month and rewrites only those it changes. Compaction here is the
        removal of versions replaced longer than ``retain_seconds`` ago."""
        with self.lock("compact"):
            return {"format": "parquet", "removed_versions": self.recover(retain_seconds)}

    # -- building a version --------------------------------------------------
    def write(self, run_id: str, plan: RunPlan) -> None:
        """Write the staged version: carried, rewritten and new parts, the dedup index and the state."""
        from flows.incremental import DEDUP_FILE

        stage = self.staging_path(run_id)
        old_run = self.current_run()
        part_of = {r.doc_id: r.part for r in plan.state.values() if r.kind == "article"}
        relink: dict[str, dict[str, str | None]] = defaultdict(dict)
        for doc_id, target in plan.relink.items():
            if part_of.get(doc_id):
                relink[part_of[doc_id]][doc_id] = target
        new_parts = plan.new_parts(run_id)
        self.sweep_stage(stage, new_parts)
        jobs = []
        if old_run and not plan.full_refresh:
            carried = {row.part for row in plan.state.values() if row.part and row.run_id != run_id}
            jobs += [(self.carry_part, old_run, part, stage, run_id, plan.drop.get(part, set()), relink.get(part))
                     for part in sorted(carried)]
        for part in sorted(new_parts):
            if relink.get(part):
                path = posixpath.join(stage, part)
                jobs.append((self.rewrite_part, path, path, set(), relink[part]))
        # Each job reads and writes its own part; Parquet decoding, zstd and file I/O
        # release the GIL, so threads use every core while the worker processes idle.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            futures = [pool.submit(*job) for job in jobs]
            renamed = {job[2]: f.result() for job, f in zip(jobs, futures, strict=True) if job[0] == self.carry_part}
        renamed = {old: new for old, new in renamed.items() if new != old}
        if renamed:  # rewritten parts have new names: the state names them
            plan.state = {k: replace(r, part=renamed[r.part]) if r.part in renamed else r
                          for k, r in plan.state.items()}
        self._keep_schemas(stage, run_id, plan.counts)
        write_parquet(self.fs, posixpath.join(stage, DEDUP_FILE), plan.dedup_table())
        self.write_state(stage, list(plan.state.values()))

    def _keep_schemas(self, stage: str, run_id: str, counts: VersionCounts) -> None:
        """A dataset left with no row gets one empty part file that carries its schema.

        Readers that take the schema from the files (DuckDB, Polars, pandas, a plain
        ``pyarrow.dataset``) then see every column and zero rows instead of failing
        on an empty folder. The part belongs to no state row, so the next run never
        carries it: it writes one again only while the dataset is still empty.
        The articles' part sits in ``year=0/month=0``, a partition no date maps to:
        readers that infer the hive columns get ``year`` and ``month`` as integers
        (the undated partition alone, all nulls, defeats pyarrow's and pandas'
        inference; a file outside any partition would have no hive columns).
        (Delta tables keep their schema in the log and need none of this.)
        """
        name = f"part-{run_id}-empty.parquet"
        if counts.articles_total == 0:
            write_parquet(self.fs, posixpath.join(stage, "articles", "year=0", "month=0", name), articles_table([], run_id))
        if counts.rejects_total == 0:
            write_parquet(self.fs, posixpath.join(stage, "rejects", name), rejects_table([], run_id))

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
        table = pq.read_table(src)
        key = "doc_id" if "doc_id" in table.column_names else "source_path"
        if drop_ids:
            keep = pc.invert(pc.is_in(table.column(key), value_set=pa.array(sorted(drop_ids), pa.string())))
            table = table.filter(keep)
        if table.num_rows == 0:
            if src == dst:
                os.unlink(dst)
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
            for dirpath, _dirs, files in os.walk(posixpath.join(stage, name)):
                for f in files:
                    rel = posixpath.relpath(posixpath.join(dirpath, f), stage)
                    if rel.endswith(".parquet") and rel not in keep:
                        os.unlink(posixpath.join(stage, rel))
                        removed.append(rel)
        return removed

    def _link_or_copy(self, src: str, dst: str) -> None:
        os.makedirs(posixpath.dirname(dst), exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    def write_state(self, stage: str, rows: list[StateRow]) -> None:
        write_parquet(self.fs, posixpath.join(stage, STATE_FILE), state_table(rows))

    # -- publishing ------------------------------------------------------------
    def publish(self, run_id: str) -> None:
        """Make the staged version live: the single atomic step of a run."""
        stage, final = self.staging_path(run_id), self.version_path(run_id)
        for name in DATASETS:
            os.makedirs(posixpath.join(stage, name), exist_ok=True)
        pause_point("before_publish")
        os.rename(stage, final)
        with open(posixpath.join(final, PUBLISHED_MARK), "w", encoding="ascii") as fh:
            fh.write(f"{time.time():.3f}")
        pause_point("before_swap")
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
        pause_point("after_swap")
