"""The Prefect flow: discover, clean in batches, publish, report.

One task per batch (hundreds of files), never one per document: a task run
costs ~15-20 ms of orchestration here. Tasks are scheduled on a thread pool and
hand the CPU-bound cleaning to a process pool (:mod:`flows.pool`: workers
forked from a fork server that imported the cleaning code once, never from this
multi-threaded process), so every core works without paying Prefect's start-up
again in each worker process, and a worker that dies costs only its batch.
"""
from __future__ import annotations

import contextlib
import gc
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows import assets, reporting
from flows.batch import BatchResult, default_workers, run_batch
from flows.faults import pause_point
from flows.incremental import build_version
from flows.pool import BatchJob, WorkerPool, start_server
from flows.report import RunSummary, summarize
from flows.runners import make_task_runner
from flows.storage import InputFile, discover
from flows.store import DEFAULT_RETAIN_SECONDS, open_store

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Executors live outside task parameters: Prefect would try to hash them.
_POOLS: dict[str, WorkerPool] = {}


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


MIN_BATCH, MAX_BATCH = 50, 2000


def auto_batch_size(n_files: int, workers: int) -> int:
    """About 4 batches per worker for balance, 50 to 2000 files each.

    Every task costs the flow process and the Prefect server CPU that the
    workers then lack (on the bench corpus, 2000-file batches instead of 1000
    save ~0.8 CPU-s), while a batch of 2000 files is ~1.5 s of one core: the
    unbalanced tail stays short.
    """
    return max(MIN_BATCH, min(MAX_BATCH, -(-n_files // max(1, workers * 4))))


def make_batches(files: list[InputFile], batch_size: int) -> list[list[str]]:
    return [[f.rel_path for f in files[i:i + batch_size]] for i in range(0, len(files), batch_size)]


@task(name="clean-batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE,
      task_run_name="clean-batch-{batch_no}")
def clean_batch(input_url: str, stage_url: str, run_id: str, batch_no: int, rel_paths: list[str],
                max_bytes: int | None, previous: dict[str, str]) -> BatchResult:
    """Clean one batch; retried on transient I/O errors (parts are overwritten, not duplicated).

    A worker process that dies is not such an error: the pool retries and, if
    need be, splits the batch itself (:class:`flows.pool.WorkerPool`).
    """
    pool = _POOLS.get(run_id)
    job = BatchJob(input_url, stage_url, run_id, batch_no, rel_paths, max_bytes, previous)
    result = run_batch(*job.args()) if pool is None else pool.run(job, get_run_logger().warning)
    if batch_no == 0:
        pause_point("cleaning")
    get_run_logger().info("batch %d: %d files -> %d articles, %d rejects in %.2f s", batch_no, result.inputs,
                          result.articles, result.rejects, result.seconds)
    reporting.log_rejects(get_run_logger(), result)
    return result


@flow(name="news-etl", log_prints=False)
def etl_flow(input_url: str, output_url: str, batch_size: int | None = None, workers: int | None = None,
             max_bytes: int | None = DEFAULT_MAX_BYTES, full_refresh: bool = False, prune: bool = False,
             runner: str = "local", address: str | None = None,
             retain_seconds: float = DEFAULT_RETAIN_SECONDS, table_format: str | None = None) -> dict:
    """Bring the datasets under ``output_url`` up to date with the files under ``input_url``.

    Incremental by default: unchanged files are skipped, new ones added, changed
    ones replace their record; files that disappeared keep their records unless
    ``prune``. ``full_refresh`` rebuilds everything from the input alone.
    A superseded version stays readable for ``retain_seconds`` after it was replaced.
    ``table_format`` (parquet | delta) picks the backend for a new local output;
    object storage is always Delta Lake (:func:`flows.store.open_store`).
    """
    logger = get_run_logger()
    started = time.perf_counter()
    run_id = new_run_id()
    if runner == "local":
        start_server()  # the fork server imports the cleaning code while this process gets ready
    store = open_store(output_url, table_format)
    with store.lock(run_id), _gc_frozen():
        removed = store.recover(retain_seconds)
        if removed:
            logger.info("removed %d unfinished or superseded version(s): %s", len(removed), ", ".join(removed))
        previous = {} if full_refresh else store.load_state()  # raises SchemaMismatch on a major change
        workers = workers or default_workers()
        files = discover(input_url)
        size = batch_size or auto_batch_size(len(files), workers)
        batches = make_batches(files, size)
        logger.info("run %s: %d files in %d batches of up to %d, %d worker(s), %d records live", run_id, len(files),
                    len(batches), size, workers, len(previous))
        stage = store.stage_url(run_id)
        results = _run_batches(input_url, stage, run_id, batches, workers, max_bytes, previous, runner, address)
        counts = build_version(store, run_id, previous, results, prune=prune, full_refresh=full_refresh)
        assets.publish(store, run_id, input_url, counts)
        summary = summarize(run_id, input_url, output_url, results, time.perf_counter() - started, workers, counts,
                            "full-refresh" if full_refresh else "incremental")
        store.write_run_log(run_id, summary.to_dict())
        store.recover(retain_seconds)
    for reason, n in summary.reject_reasons.items():
        logger.warning("%d input(s) rejected: %s", n, reason)
    logger.info(reporting.format_report(summary))
    reporting.create_artifacts(summary)
    if not summary.accounted:
        raise RuntimeError(f"run {run_id}: {summary.inputs} inputs but {summary.articles + summary.rejects} outputs")
    return summary.to_dict()


@contextlib.contextmanager
def _gc_frozen() -> Iterator[None]:
    """Everything alive when a run starts (Prefect's imports, mostly) outlives it:
    the collector need not scan it again after every few thousand allocations
    (~0.5 CPU-s of the flow process on the bench corpus). Unfrozen afterwards, so
    a long-lived process that runs the flow again still collects it."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _as_is(value):
    return value


def _run_batches(input_url: str, stage: str, run_id: str, batches: list[list[str]], workers: int,
                 max_bytes: int | None, previous: dict, runner: str = "local",
                 address: str | None = None) -> list[BatchResult]:
    """One task per batch. Locally the CPU work goes to worker processes (even
    with one worker: a file that kills its process must not kill the run); on
    Dask or Ray the task itself runs on a cluster worker."""
    if runner == "local":
        _POOLS[run_id] = WorkerPool(min(workers, max(1, len(batches))))
    try:
        with make_task_runner(runner, workers, address) as task_runner:
            # quote(): the path lists and hash maps hold no futures, so Prefect need not
            # walk their thousands of items looking for some (one walk per task).
            # prefect-dask 0.3.7 hands quoted values to the task still wrapped: local only.
            wrap = quote if runner == "local" else _as_is
            futures = [
                task_runner.submit(clean_batch, {
                    "input_url": input_url, "stage_url": stage, "run_id": run_id, "batch_no": i,
                    "rel_paths": wrap(b), "max_bytes": max_bytes,
                    "previous": wrap({p: previous[p].content_sha256 for p in b
                                      if p in previous and previous[p].content_sha256}),
                })
                for i, b in enumerate(batches)
            ]
            return reporting.wait_for(futures, [len(b) for b in batches])
    finally:
        pool = _POOLS.pop(run_id, None)
        if pool is not None:
            pool.shutdown()


__all__ = ["RunSummary", "etl_flow", "new_run_id"]
