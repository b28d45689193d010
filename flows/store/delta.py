"""Delta Lake tables (delta-rs): the backend for object storage, and for local
outputs written with ``--table-format delta``.

Layout under OUTPUT (each a Delta table: Parquet files plus ``_delta_log/``)::

    articles/     partitioned by year, month (integers; null when undated: the log types
                  them, so no reader infers anything; see schemas.partitions); key doc_id
    rejects/      key source_path
    _state/       one row per source_path: stat, hash, kind, rules (what the next run compares
                  against); overwritten by each run
    _dedup/       the duplicate index: one row per cleaned article, appended by each run
    _publishes/   one row per published run: the commit gate (below)
    _staging/<run_id>/   the batches' Parquet parts, removed once the run is committed
    _writers/<run_id>    a running writer's heartbeat
    _runs/<run_id>.json  the run log

Every commit is atomic: delta-rs writes the data files, then creates the next
``_delta_log/NNN.json`` with a conditional PUT (``If-None-Match``, which S3 and
the S3-compatible stores honour; ``aws_conditional_put=etag`` is set), so of
two writers that try the same version exactly one succeeds. No
``AWS_S3_ALLOW_UNSAFE_RENAME``: nothing here relies on rename.

Two runs at once: a run refuses to start while another run's heartbeat is
fresh (fail fast, ``OutputLocked``), and whatever slips past that check (two
runs starting in the same second) is stopped by the gate: a run remembers the
version of ``_publishes`` it planned against and, before touching any table,
appends its row to ``_publishes`` *at that version* with no commit retries.
Only one of two runs that planned against the same version can create the next
one; the other fails with :class:`ConcurrentWrite` having committed nothing,
and its work is redone by the next run. A killed writer leaves no lock: its
heartbeat goes stale within ``3 * HEARTBEAT_SECONDS``.

A run then merges into ``articles`` by ``doc_id`` (insert new, update changed,
delete gone or now-rejected, relink duplicates) and ``rejects`` by
``source_path``, appends its rows to ``_dedup`` and, last, overwrites ``_state``. A run killed
between those commits leaves each table consistent; the next run, reading the
old ``_state``, cleans the same files again and its merges (idempotent by key)
give exactly the rows of a clean run.
"""
from __future__ import annotations

import contextlib
import json
import os
import posixpath
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from flows.faults import pause_point
from flows.inputs.parts import read_staged
from flows.store.interface import (
    DEFAULT_RETAIN_SECONDS,
    STATE_SCHEMA,
    FsStore,
    OutputLocked,
    check_schema_version,
    conform_state,
    empty_state,
    is_local,
    links_setter,
)
from schemas.articles import ARTICLES_SCHEMA
from schemas.internal import DEDUP_SCHEMA
from schemas.partitions import PARTITION_SCHEMA, partition_columns
from schemas.read import delta_dataset, delta_storage_options
from schemas.rejects import REJECTS_SCHEMA
from schemas.version import SCHEMA_VERSION

if TYPE_CHECKING:
    from flows.store.changes import RunPlan

TABLES = ("articles", "rejects", "_state", "_dedup")
GATE = "_publishes"
GATE_SCHEMA = pa.schema([pa.field("run_id", pa.string(), nullable=False),
                         pa.field("planned_at_version", pa.int64(), nullable=False),
                         pa.field("published_at", pa.float64(), nullable=False)])
SCHEME_META = "news_etl.minhash_scheme"
VERSION_META = "news_etl.schema_version"  # in the commit of _state: the schema version the run wrote
OP = "_op"  # merge source column: upsert | relink | delete


def heartbeat_seconds() -> float:
    """How often a writer renews its heartbeat; one not renewed for three times that is dead."""
    return float(os.environ.get("NEWS_ETL_HEARTBEAT_SECONDS", "10"))


class ConcurrentWrite(OutputLocked):
    """Another run committed to the output while this one was working."""


class DeltaStore(FsStore):
    """The datasets as Delta Lake tables under one root (local or object storage)."""

    def __init__(self, output_url: str) -> None:
        super().__init__(output_url)
        self.options = delta_storage_options(output_url)
        self._base: int = -1  # version of the gate table this run planned against
        self._plans: dict[str, RunPlan] = {}

    # -- paths -------------------------------------------------------------
    def table_uri(self, name: str) -> str:
        if is_local(self.url):
            return posixpath.join(os.path.abspath(self.root), name)
        return self.url.rstrip("/") + "/" + name

    def stage_url(self, run_id: str) -> str:
        path = self.path("_staging", run_id)
        return path if is_local(self.url) else self.fs.unstrip_protocol(path)

    def _table(self, name: str, version: int | None = None):
        from deltalake import DeltaTable

        uri = self.table_uri(name)
        if not DeltaTable.is_deltatable(uri, storage_options=self.options):
            return None
        return DeltaTable(uri, version=version, storage_options=self.options)

    def _dataset(self, table) -> ds.Dataset:
        """``table`` as Arrow through pyarrow's filesystem (see ``schemas.read.delta_filesystem``)."""
        return delta_dataset(table, self.options)

    # -- the writer guard --------------------------------------------------
    @contextlib.contextmanager
    def lock(self, run_id: str) -> Iterator[None]:
        """Fail fast while another writer's heartbeat is fresh; keep ours fresh; note the gate version."""
        beat = heartbeat_seconds()
        writers = self.path("_writers")
        self.fs.invalidate_cache()
        if self.fs.exists(writers):
            for path in self.fs.ls(writers, detail=False):
                with contextlib.suppress(FileNotFoundError, ValueError):
                    info = json.loads(self.fs.cat_file(path))
                    age = time.time() - float(info["time"])
                    if info.get("run") != run_id and age < 3 * beat:
                        raise OutputLocked(f"output {self.url} is being written by run {info['run']} (pid "
                                           f"{info.get('pid')} on {info.get('host')}, alive {age:.0f} s ago); "
                                           "try again when it finishes")
        mine = posixpath.join(writers, run_id)
        stop = threading.Event()

        def renew() -> None:
            body = json.dumps({"run": run_id, "pid": os.getpid(), "host": socket.gethostname(), "time": time.time()})
            self.fs.pipe_file(mine, body.encode())

        self.fs.makedirs(writers, exist_ok=True)
        renew()
        gate = self._table(GATE)
        self._base = gate.version() if gate is not None else -1

        def loop() -> None:
            while not stop.wait(beat):
                with contextlib.suppress(Exception):  # a missed beat is not fatal; the gate still guards
                    renew()

        thread = threading.Thread(target=loop, name="news-etl-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(mine)

    def recover(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> list[str]:
        """Remove the staging areas of runs that are not alive (killed, or finished and failed)."""
        staging = self.path("_staging")
        self.fs.invalidate_cache()
        if not self.fs.exists(staging):
            return []
        alive = set()
        if self.fs.exists(self.path("_writers")):
            for path in self.fs.ls(self.path("_writers"), detail=False):
                with contextlib.suppress(FileNotFoundError, ValueError):
                    info = json.loads(self.fs.cat_file(path))
                    if time.time() - float(info["time"]) < 3 * heartbeat_seconds():
                        alive.add(info["run"])
        removed = []
        for path in self.fs.ls(staging, detail=False):
            name = posixpath.basename(path.rstrip("/"))
            if name not in alive:
                self.fs.rm(path, recursive=True)
                removed.append(f"staging {name}")
        return removed

    # -- reading what is live ----------------------------------------------
    def layout_outdated(self) -> bool:
        """Never: Delta's partition values are typed in its log, and undated articles
        have been null there in every schema version."""
        return False

    def load_state(self) -> pa.Table:
        table = self._table("_state")
        if table is None:
            return empty_state()
        written = (table.history(1) or [{}])[0].get(VERSION_META) or SCHEMA_VERSION
        check_schema_version(str(written), self.url)
        return conform_state(self._dataset(table).to_table())

    def read_dedup(self, columns: list[str], doc_ids: pa.Array | None = None) -> pa.Table:
        """Stored dedup rows (live or superseded: the caller joins them with the state).
        A ``_dedup`` table written before 1.1 (no keys) holds none the caller can use."""
        table = self._table("_dedup")
        empty = DEDUP_SCHEMA.empty_table().select(columns)
        if table is None:
            return empty
        dataset = self._dataset(table)
        if not set(columns) <= set(dataset.schema.names):
            return empty
        flt = pc.field("doc_id").isin(doc_ids) if doc_ids is not None else None
        return dataset.to_table(columns=columns, filter=flt).cast(empty.schema)

    # -- writing -------------------------------------------------------------
    def write(self, run_id: str, plan: RunPlan) -> None:
        """Nothing to stage beyond the batches' parts: the plan is committed by :meth:`publish`."""
        self._plans[run_id] = plan

    def publish(self, run_id: str) -> None:
        """Pass the gate, then commit articles, rejects, the dedup index and the state, in that order."""
        from deltalake import CommitProperties, write_deltalake

        from transforms.dedup import SCHEME

        plan = self._plans.pop(run_id)
        stage = self.stage_url(run_id)
        pause_point("before_publish")
        row = pa.Table.from_pylist([{"run_id": run_id, "planned_at_version": self._base,
                                     "published_at": time.time()}], schema=GATE_SCHEMA)
        no_retry = CommitProperties(max_commit_retries=0)
        try:
            if self._base < 0:
                write_deltalake(self.table_uri(GATE), row, mode="error", storage_options=self.options,
                                commit_properties=no_retry)
            else:
                write_deltalake(self._table(GATE, self._base), row, mode="append", commit_properties=no_retry)
        except Exception as exc:
            if not _is_conflict(exc):
                raise
            winner = self._latest_publisher()
            raise ConcurrentWrite(f"another run ({winner}) committed to {self.url} while run {run_id} was "
                                  f"working; nothing of run {run_id} was committed. Run again: it will add this "
                                  "run's changes on top.") from None
        pause_point("before_swap")
        gone_articles = set(plan.drop_articles.to_pylist())
        gone_rejects = set(plan.drop_rejects.to_pylist())
        new_articles = read_staged(stage, plan.staged_parts("articles"), ARTICLES_SCHEMA)
        new_articles = _with_partitions(links_setter(plan.links)(new_articles))
        new_rejects = read_staged(stage, plan.staged_parts("rejects"), REJECTS_SCHEMA)
        relink = dict(zip(plan.relink.column("doc_id").to_pylist(), plan.relink.column("duplicate_of").to_pylist(),
                          strict=True))
        self._merge("articles", "doc_id", new_articles, gone_articles, relink, plan.full_refresh,
                    partition_by=["year", "month"])
        self._merge("rejects", "source_path", new_rejects, gone_rejects, {}, plan.full_refresh)
        pause_point("mid_commit")
        dedup = read_staged(stage, plan.staged_parts("_dedup"), DEDUP_SCHEMA)
        old_dedup = self._table("_dedup")
        fresh = plan.full_refresh or old_dedup is None or "run_id" not in old_dedup.schema().to_arrow().names
        if dedup.num_rows or fresh:
            write_deltalake(self.table_uri("_dedup"), dedup.replace_schema_metadata(None),
                            mode="overwrite" if fresh else "append", storage_options=self.options,
                            schema_mode="overwrite" if fresh else None,
                            commit_properties=CommitProperties(custom_metadata={SCHEME_META: SCHEME}))
        write_deltalake(self.table_uri("_state"), plan.state.cast(STATE_SCHEMA), mode="overwrite",
                        storage_options=self.options, schema_mode="overwrite",
                        commit_properties=CommitProperties(custom_metadata={VERSION_META: SCHEMA_VERSION}))
        pause_point("after_swap")
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.path("_staging", run_id), recursive=True)

    def discard(self, run_id: str) -> None:
        self._plans.pop(run_id, None)
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.path("_staging", run_id), recursive=True)

    def _latest_publisher(self) -> str:
        gate = self._table(GATE)
        if gate is None:
            return "another run"
        rows = self._dataset(gate).to_table(columns=["run_id", "published_at"]).to_pylist()
        return max(rows, key=lambda r: r["published_at"])["run_id"] if rows else "another run"

    def _merge(self, name: str, key: str, rows: pa.Table, gone: set[str], relink: dict[str, str | None],
               full_refresh: bool, partition_by: list[str] | None = None) -> None:
        """Upsert ``rows``, delete the ``gone`` keys and set ``duplicate_of`` of ``relink`` rows, in one commit."""
        from deltalake import write_deltalake

        rows = rows.replace_schema_metadata(None)
        table = self._table(name)
        if table is None or full_refresh:
            write_deltalake(self.table_uri(name), rows, mode="overwrite", partition_by=partition_by,
                            storage_options=self.options, schema_mode="overwrite" if table is not None else None)
            return
        gone = gone - set(rows.column(key).to_pylist())
        if not rows.num_rows and not gone and not relink:
            return
        source = _ops(rows, key, gone, relink)
        merger = table.merge(source, f"t.{key} = s.{key}", source_alias="s", target_alias="t")
        merger = merger.when_matched_update_all(predicate=f"s.{OP} = 'upsert'", except_cols=[OP])
        if relink:
            merger = merger.when_matched_update(updates={"duplicate_of": "s.duplicate_of"},
                                                predicate=f"s.{OP} = 'relink'")
        merger.when_matched_delete(predicate=f"s.{OP} = 'delete'") \
            .when_not_matched_insert_all(predicate=f"s.{OP} = 'upsert'", except_cols=[OP]).execute()

    # -- maintenance -----------------------------------------------------------
    def compact(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> dict:
        """``optimize`` (small files into large ones) and ``vacuum`` (files no version
        younger than ``retain_seconds`` needs) on every table, as one writer."""
        out: dict = {"format": "delta"}
        with self.lock("compact"):
            for name in (*TABLES, GATE):
                table = self._table(name)
                if table is None:
                    continue
                metrics = table.optimize.compact()
                removed = table.vacuum(retention_hours=int(retain_seconds // 3600), dry_run=False,
                                       enforce_retention_duration=False)
                out[name] = {"files_added": metrics.get("numFilesAdded", 0),
                             "files_removed": metrics.get("numFilesRemoved", 0), "vacuumed": len(removed),
                             "version": table.version()}
        return out


def _is_conflict(exc: Exception) -> bool:
    from deltalake.exceptions import CommitFailedError

    text = str(exc).lower()
    return isinstance(exc, CommitFailedError) or "already exists" in text or ("version" in text and "exist" in text)


def _with_partitions(table: pa.Table) -> pa.Table:
    """``year`` and ``month`` columns from ``published_at`` (:func:`schemas.partitions.partition_columns`):
    null when undated, Delta's own null partition value (what ``schemas.read`` gives for the
    Parquet layout's ``year=0/month=0`` too)."""
    year, month = partition_columns(table.column("published_at"))
    return table.append_column(PARTITION_SCHEMA.field("year"), year).append_column(PARTITION_SCHEMA.field("month"),
                                                                                   month)


def _ops(rows: pa.Table, key: str, gone: set[str], relink: dict[str, str | None]) -> pa.Table:
    """The merge source: rows to upsert, keys to delete, rows whose duplicate_of changes."""
    schema = pa.schema([f.with_nullable(True) for f in rows.schema])
    upserts = rows.cast(schema).append_column(OP, pa.array(["upsert"] * rows.num_rows, pa.string()))
    extra = [{key: k, OP: "delete"} for k in sorted(gone)]
    extra += [{key: k, "duplicate_of": t, OP: "relink"} for k, t in sorted(relink.items())]
    if not extra:
        return upserts
    return pa.concat_tables([upserts, pa.Table.from_pylist(extra, schema=upserts.schema)])
