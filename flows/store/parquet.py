"""Versioned Hive-partitioned Parquet on a local filesystem: atomically published, one writer.

Layout under OUTPUT::

    articles -> _current/articles      (fixed symlinks: what plain readers open)
    rejects  -> _current/rejects
    _current -> _versions/<run_id>     (swapped atomically with rename(2))
    _versions/<run_id>/articles/year=YYYY/month=M/part-*.parquet   (undated: year=0/month=0)
    _versions/<run_id>/rejects/part-*.parquet
    _versions/<run_id>/_state/part-<run>.parquet   (the state log: one part per run, rows
                                       replace earlier ones by source_path; merged past MAX_STATE_PARTS)
    _versions/<run_id>/_dedup/part-*.parquet       (the duplicate index: one row per cleaned article)
    _versions/<run_id>/_published_at   (when the version became live)
    _runs/<run_id>.json                (the run log)
    .lock                              (flock: one writer; released by the kernel if the run dies)

A run builds a complete new version beside the live one: unchanged files
are hard-linked (same name, same bytes), parts holding a replaced record are
rewritten under a new name, and the run's new rows are merged per partition
into few files (:mod:`flows.inputs.parts`); a partition that has gathered more than
``max_partition_files`` small files over many runs has them merged. The state
and the dedup index are logs of parts too: a run adds one part of each instead
of rewriting them, so what it writes follows what changed. Publishing
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
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.faults import pause_point
from flows.inputs.parts import merge_parquet, plan_merges
from flows.inputs.storage import STAGED_SUFFIX, write_parquet
from flows.store.interface import (
    DATASETS,
    DEFAULT_RETAIN_SECONDS,
    STATE_DICTIONARY,
    STATE_SCHEMA,
    FsStore,
    OutputLocked,
    check_schema_version,
    compose_state,
    empty_state,
    is_local,
    links_setter,
    new_run_id,
    read_tables,
    sorted_lookup,
    sorted_paths,
    stamped,
)
from schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA, articles_table, rejects_table
from schemas.internal import DEDUP_SCHEMA
from schemas.partitions import UNDATED_DIR, canonical_dir

if TYPE_CHECKING:
    from flows.store.changes import RunPlan, VersionCounts

STATE_DIR, DEDUP_DIR, OUTCOMES_DIR = "_state", "_dedup", "_outcomes"
LEGACY_STATE = "_state.parquet"  # the whole state in one file, before 1.1
MAX_STATE_PARTS = 8  # state log parts a version keeps before they are merged into one
MAX_DEDUP_PARTS = 64  # dedup parts a version keeps before its live rows are rewritten as one
TARGET_PART_BYTES = 128 * 2**20  # merged parts are cut at about this size
EMPTY_SUFFIX = "-empty.parquet"  # parts that carry a dataset's schema and no row
PUBLISHED_MARK = "_published_at"  # in a version: when it became live (so when its predecessor stopped being)


def rewritten_name(part: str, run_id: str) -> str:
    """The name of ``part`` rewritten by run ``run_id``: same folder, a name no
    earlier version used (the run id is new, the digest tells the parts of one
    run apart)."""
    digest = hashlib.sha256(part.encode()).hexdigest()[:12]
    return posixpath.join(posixpath.dirname(part), f"part-{run_id}-r{digest}.parquet")


class ParquetStore(FsStore):
    """One local output root: symlinks, hard links and flock."""

    def __init__(self, output_url: str, max_partition_files: int | None = None,
                 target_part_bytes: int = TARGET_PART_BYTES) -> None:
        if not is_local(output_url):
            raise ValueError(f"{output_url}: versioned Parquet needs a local filesystem")
        super().__init__(output_url)
        # A partition's files are merged when a run leaves more than this: twice the cores by default.
        self.max_partition_files = max_partition_files or 2 * (os.cpu_count() or 1)
        self.target_part_bytes = target_part_bytes

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

    def layout_outdated(self) -> bool:
        """Whether the live version has partition directories of a pre-1.2 spelling (the Hive
        default partition, ``month=08``): the next run then writes a new version even if no
        input changed. A listing of the year and month directories, no file opened."""
        run = self.current_run()
        return run is not None and bool(self._misplaced(self.version_path(run)))

    @staticmethod
    def _misplaced(root: str) -> dict[str, str]:
        """``{partition directory: where it belongs}`` for the articles' partition directories
        under ``root`` not spelled as :func:`schemas.partitions.partition_dir` spells them."""
        articles = posixpath.join(root, "articles")
        out = {}
        for year in sorted(os.listdir(articles)) if os.path.isdir(articles) else []:
            ydir = posixpath.join(articles, year)
            if not (year.startswith("year=") and os.path.isdir(ydir)):
                continue
            for month in sorted(os.listdir(ydir)):
                if month.startswith("month=") and os.path.isdir(posixpath.join(ydir, month)):
                    rel = posixpath.join(year, month)
                    target = canonical_dir(year.removeprefix("year="), month.removeprefix("month="))
                    if target != rel:
                        out[rel] = target
        return out

    def load_state(self) -> pa.Table:
        """The live state: the version's state log composed (a pre-1.1 single file is read as one part)."""
        run = self.current_run()
        if run is None:
            return empty_state()
        root = self.version_path(run)
        paths = self._files(root, STATE_DIR) or [p for p in [posixpath.join(root, LEGACY_STATE)] if os.path.exists(p)]
        tables = []
        for path in paths:
            dictionary = [c for c in STATE_DICTIONARY if c in pq.read_schema(path).names]
            table = pq.read_table(path, read_dictionary=dictionary)
            check_schema_version(table, self.url)
            tables.append(table)
        return compose_state(tables)

    def read_dedup(self, columns: list[str], doc_ids: pa.Array | None = None) -> pa.Table:
        """Stored dedup rows (live or superseded: the caller joins them with the state)."""
        run = self.current_run()
        files = self._files(self.version_path(run), DEDUP_DIR) if run else []
        return read_tables(files, DEDUP_SCHEMA, columns, doc_ids)

    @staticmethod
    def _files(root: str, rel_dir: str) -> list[str]:
        """Parquet files under ``root/rel_dir``, sorted by path (so by run)."""
        out = []
        for dirpath, _dirs, files in os.walk(posixpath.join(root, rel_dir)):
            out += [posixpath.join(dirpath, f) for f in files if f.endswith(".parquet")]
        return sorted(out)

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
        for path in (*self._files(root, STATE_DIR), posixpath.join(root, LEGACY_STATE), root):
            with contextlib.suppress(FileNotFoundError):
                return os.stat(path).st_mtime
        return 0.0

    def compact(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> dict:
        """Merge every partition's small parts, the state log and the live dedup rows
        into few files, as a new version (no row changes: readers of the old version
        keep theirs), then remove versions replaced more than ``retain_seconds`` ago."""
        run_id = new_run_id("c")
        with self.lock(run_id):
            self.recover(retain_seconds)
            old = self.current_run()
            if old is None:
                return {"format": "parquet", "removed_versions": []}
            stage = self.staging_path(run_id)
            before = self._count_parts(self.version_path(old))
            self._link_tree(self.version_path(old), stage)
            self._relayout(stage)
            merged = self._compact_partitions(stage, run_id, max_files=1)
            state = self.load_state()
            self._write_state(stage, run_id, state, state, force_merge=True)
            self._collect_dedup(stage, run_id, state, force=True)
            self.publish(run_id)
            after = self._count_parts(self.version_path(run_id))
            removed = self.recover(retain_seconds)
        return {"format": "parquet", "version": run_id, "parts_before": before, "parts_after": after,
                "partitions_merged": merged, "removed_versions": removed}

    @staticmethod
    def _count_parts(root: str) -> int:
        return sum(len(ParquetStore._files(root, d)) for d in DATASETS)

    # -- building a version --------------------------------------------------
    def write(self, run_id: str, plan: RunPlan) -> None:
        """Write the staged version: new rows merged per partition, carried and rewritten
        parts, automatic compaction, the dedup index and the state log."""
        stage = self.staging_path(run_id)
        old = None if plan.full_refresh else self.current_run()
        self.sweep_stage(stage, set(plan.staged))
        jobs = self._merge_jobs(stage, run_id, plan)
        if old:
            jobs += self._carry_jobs(old, stage, run_id, plan)
        # Each job reads and writes its own files; Parquet decoding, zstd and file I/O
        # release the GIL, so threads use every core while the worker processes idle.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for f in [pool.submit(*job) for job in jobs]:
                f.result()
        self._relayout(stage)
        self._compact_partitions(stage, run_id, self.max_partition_files)
        if old:
            for rel_dir in (DEDUP_DIR, STATE_DIR):
                self._link_tree(posixpath.join(self.version_path(old), rel_dir), posixpath.join(stage, rel_dir))
        self._collect_dedup(stage, run_id, plan.state)
        self._write_state(stage, run_id, plan.delta, plan.state)
        shutil.rmtree(posixpath.join(stage, OUTCOMES_DIR), ignore_errors=True)
        self._keep_schemas(stage, run_id, plan.counts)

    def _merge_jobs(self, stage: str, run_id: str, plan: RunPlan) -> list[tuple]:
        """One job per partition: the run's staged parts of it merged into few files, with their links."""
        jobs = []
        set_links = links_setter(plan.links)
        for dataset, schema in (("articles", ARTICLES_SCHEMA), ("rejects", REJECTS_SCHEMA)):
            by_dir: dict[str, list[str]] = defaultdict(list)
            for rel in plan.staged_parts(dataset):
                by_dir[posixpath.dirname(rel)].append(posixpath.join(stage, rel))
            for rel_dir, srcs in sorted(by_dir.items()):
                transform = set_links if dataset == "articles" else None
                jobs.append((self._merge_into, srcs, posixpath.join(stage, rel_dir), f"part-{run_id}-m", schema,
                             transform))
        return jobs

    def _merge_into(self, srcs: list[str], dst_dir: str, prefix: str, schema: pa.Schema, transform) -> list[str]:
        """Merge ``srcs`` into new files ``prefix<NNN>.parquet`` in ``dst_dir`` and remove them."""
        taken = {f for f in os.listdir(dst_dir)} if os.path.isdir(dst_dir) else set()
        start = sum(1 for f in taken if f.startswith(prefix))
        written = merge_parquet(srcs, dst_dir, lambda i: f"{prefix}{start + i:03d}.parquet", schema=schema,
                                target_bytes=self.target_part_bytes, transform=transform)
        for src in srcs:
            if src not in written:
                os.unlink(src)
        return written

    def _carry_jobs(self, old: str, stage: str, run_id: str, plan: RunPlan) -> list[tuple]:
        """One job per part of the live version: linked as it is, or rewritten without
        the rows the run replaces and with the links that change."""
        root = self.version_path(old)
        jobs = []
        drops = {"articles": plan.drop_articles, "rejects": plan.drop_rejects}
        for dataset, schema in (("articles", ARTICLES_SCHEMA), ("rejects", REJECTS_SCHEMA)):
            relink = plan.relink if dataset == "articles" else None
            for path in self._files(root, dataset):
                if path.endswith(EMPTY_SUFFIX):
                    continue  # carries a schema only (_keep_schemas); made again while the dataset is empty
                rel = posixpath.relpath(path, root)
                jobs.append((self.carry_part, path, stage, rel, run_id, schema, drops[dataset], relink))
        return jobs

    def carry_part(self, src: str, stage: str, rel: str, run_id: str, schema: pa.Schema, drop: pa.Array,
                   relink: pa.Table | None) -> str | None:
        """Bring one part of the live version into the new one.

        A part that loses no row, relinks none and has the current columns keeps its
        name (a hard link: same bytes); otherwise it is rewritten under a name of
        its own (:func:`rewritten_name`), so that a reader that listed the old
        version finds its file gone, never different. Only the key column is read
        to decide. Returns the part's path in the new version, or None when no row is left.
        """
        key = "doc_id" if "doc_id" in schema.names else "source_path"
        current = pq.read_schema(src).names == schema.names
        keys = pq.read_table(src, columns=[key]).column(key) if len(drop) or (relink is not None and relink.num_rows) \
            else None
        hit_drop = keys is not None and len(drop) and pc.any(pc.is_in(keys, value_set=drop)).as_py()
        hit_link = keys is not None and relink is not None and relink.num_rows and \
            pc.any(pc.is_in(keys, value_set=relink.column("doc_id").combine_chunks())).as_py()
        if current and not hit_drop and not hit_link:
            dst = posixpath.join(stage, rel)
            self._link_or_copy(src, dst)
            return dst
        set_links = links_setter(relink, keep_others=True) if hit_link else None

        def transform(table: pa.Table) -> pa.Table:
            if hit_drop:
                table = table.filter(pc.invert(pc.is_in(table.column(key), value_set=drop)))
            return set_links(table) if set_links else table

        new = rewritten_name(rel, run_id)
        written = merge_parquet([src], posixpath.join(stage, posixpath.dirname(new)), lambda i: posixpath.basename(new)
                                if i == 0 else f"{posixpath.basename(new)[:-8]}-{i}.parquet", schema=schema,
                                target_bytes=self.target_part_bytes, transform=transform)
        return written[0] if written else None

    def _compact_partitions(self, stage: str, run_id: str, max_files: int) -> int:
        """Merge the small parts of every partition holding more than ``max_files`` files."""
        merged = 0
        jobs = []
        for dataset, schema in (("articles", ARTICLES_SCHEMA), ("rejects", REJECTS_SCHEMA)):
            by_dir: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for path in self._files(stage, dataset):
                if not path.endswith(EMPTY_SUFFIX):
                    by_dir[posixpath.dirname(path)].append((path, os.path.getsize(path)))
            for rel_dir, files in sorted(by_dir.items()):
                for n, group in enumerate(plan_merges(files, max_files=max_files, target_bytes=self.target_part_bytes)):
                    jobs.append((self._merge_into, group, rel_dir, f"part-{run_id}-c{n:03d}-", schema, None))
                    merged += 1
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for f in [pool.submit(*job) for job in jobs]:
                f.result()
        return merged

    def _collect_dedup(self, stage: str, run_id: str, state: pa.Table, force: bool = False) -> None:
        """Past MAX_DEDUP_PARTS parts (or when ``force``), merge the dedup parts into few,
        keeping only live rows (a doc_id and run_id the state names), streaming."""
        files = self._files(stage, DEDUP_DIR)
        if len(files) <= MAX_DEDUP_PARTS and not force:
            return
        live = state.filter(pc.equal(state.column("kind"), "article"))
        find = sorted_lookup(pc.binary_join_element_wise(live.column("doc_id"), live.column("run_id"), "|"))

        def live_only(table: pa.Table) -> pa.Table:
            found, _ = find(pc.binary_join_element_wise(table.column("doc_id"), table.column("run_id"), "|"))
            return table.filter(pa.array(found))

        self._merge_into(files, posixpath.join(stage, DEDUP_DIR), f"part-{run_id}-d", DEDUP_SCHEMA, live_only)

    def _write_state(self, stage: str, run_id: str, delta: pa.Table, state: pa.Table, force_merge: bool = False) -> None:
        """Add the run's delta to the state log; past MAX_STATE_PARTS parts, write the whole state as one."""
        state_dir = posixpath.join(stage, STATE_DIR)
        parts = self._files(stage, STATE_DIR)
        if force_merge or len(parts) + 1 > MAX_STATE_PARTS:
            for f in parts:
                os.unlink(f)
            delta = state
        if not sorted_paths(delta.column("source_path")):  # a first run's is: no copy of a million rows
            delta = delta.sort_by("source_path")
        write_parquet(self.fs, posixpath.join(state_dir, f"part-{run_id}.parquet"), stamped(delta.cast(STATE_SCHEMA)))

    def _relayout(self, stage: str) -> list[str]:
        """Move the parts of partition directories a pre-1.2 layout spelled otherwise (undated
        under the Hive default partition, ``month=08``) to where they belong
        (:func:`schemas.partitions.canonical_dir`). The files hold no partition column, so
        they move as they are (a rename in the new version): new paths, and a reader that
        listed the old version finds its old paths gone, never different. Returns the
        moved parts' new paths."""
        moved = []
        for rel, target in self._misplaced(stage).items():
            src_dir, dst_dir = posixpath.join(stage, "articles", rel), posixpath.join(stage, "articles", target)
            os.makedirs(dst_dir, exist_ok=True)
            for f in sorted(os.listdir(src_dir)):
                dst = posixpath.join(dst_dir, f)
                if os.path.exists(dst):  # part names hold their run id: never seen, but never overwrite a part
                    raise FileExistsError(f"{dst}: a part of that name is already in {target}")
                os.rename(posixpath.join(src_dir, f), dst)
                moved.append(dst)
            os.rmdir(src_dir)
            with contextlib.suppress(OSError):  # the year directory, once it is empty
                os.rmdir(posixpath.dirname(src_dir))
        return moved

    def _link_tree(self, src_root: str, dst_root: str) -> None:
        """Hard-link every file under ``src_root`` to the same place under ``dst_root``."""
        for dirpath, _dirs, files in os.walk(src_root):
            for f in files:
                if f == PUBLISHED_MARK:
                    continue
                src = posixpath.join(dirpath, f)
                self._link_or_copy(src, posixpath.join(dst_root, posixpath.relpath(src, src_root)))

    def _keep_schemas(self, stage: str, run_id: str, counts: VersionCounts) -> None:
        """A dataset left with no row gets one empty part file that carries its schema.

        Readers that take the schema from the files (DuckDB, Polars, pandas, a plain
        ``pyarrow.dataset``) then see every column and zero rows instead of failing
        on an empty folder. The part belongs to no state row, so the next run never
        carries it: it writes one again only while the dataset is still empty.
        The articles' part sits in ``year=0/month=0``, the undated partition
        (:mod:`schemas.partitions`): readers that infer the hive columns get ``year``
        and ``month`` as integers (a file outside any partition would have no hive columns).
        (Delta tables keep their schema in the log and need none of this.)
        """
        name = f"part-{run_id}{EMPTY_SUFFIX}"
        if counts.articles_total == 0:
            write_parquet(self.fs, posixpath.join(stage, "articles", UNDATED_DIR, name), articles_table([], run_id))
        if counts.rejects_total == 0:
            write_parquet(self.fs, posixpath.join(stage, "rejects", name), rejects_table([], run_id))

    def sweep_stage(self, stage: str, keep: set[str]) -> list[str]:
        """Remove staged parts no state row names: what an attempt whose worker died
        had already written (its files are cleaned again, by a retry or a piece of
        the split batch, under other names)."""
        removed = []
        for name in (*DATASETS, OUTCOMES_DIR, DEDUP_DIR):
            for dirpath, _dirs, files in os.walk(posixpath.join(stage, name)):
                for f in files:
                    rel = posixpath.relpath(posixpath.join(dirpath, f), stage)
                    if rel.endswith((".parquet", STAGED_SUFFIX)) and rel not in keep:
                        os.unlink(posixpath.join(stage, rel))
                        removed.append(rel)
        return removed

    def _link_or_copy(self, src: str, dst: str) -> None:
        os.makedirs(posixpath.dirname(dst), exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    # -- publishing ------------------------------------------------------------
    def discard(self, run_id: str) -> None:
        shutil.rmtree(self.staging_path(run_id), ignore_errors=True)

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
