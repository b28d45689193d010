"""The Prefect flow: discover, clean in batches, publish, report.

One task per batch (hundreds of files), never one per document: a task run
costs ~15-20 ms of orchestration here. Tasks are scheduled on a thread pool and
hand the CPU-bound cleaning to a process pool (:mod:`flows.run.pool`: workers
forked from a fork server that imported the cleaning code once, never from this
multi-threaded process), so every core works without paying Prefect's start-up
again in each worker process, and a worker that dies costs only its batch.
"""
from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.app import assets, reporting
from flows.app.report import RunSummary, summarize
from flows.app.runtime import use_lean_arrow_pool
from flows.faults import pause_point
from flows.inputs.listing import listing_for
from flows.run.batch import BatchResult, default_workers, run_batch
from flows.run.incremental import build_version
from flows.run.plan import InputPlan, plan_inputs
from flows.run.pool import BatchJob, WorkerPool, start_server
from flows.run.runners import make_task_runner
from flows.store.interface import DEFAULT_RETAIN_SECONDS, empty_state, new_run_id
from flows.store.open import open_store
from transforms.rules_version import rules_version

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Executors live outside task parameters: Prefect would try to hash them.
_POOLS: dict[str, WorkerPool] = {}


MIN_BATCH, MAX_BATCH = 50, 5000


def auto_batch_size(n_files: int, workers: int) -> int:
    """About 4 batches per worker for balance, 50 to 5000 files each.

    Every task costs the flow process and the Prefect server CPU that the
    workers then lack (on the bench corpus, 2000-file batches instead of 1000
    save ~0.8 CPU-s). On a x10 copy (291k files, 2 workers) a first run took
    162-177 s with batches of 2000, 154 s with 4000 and 150 s with 8000; a batch
    of 5000 files is ~5 s of one core, so the unbalanced tail stays short.
    """
    return max(MIN_BATCH, min(MAX_BATCH, -(-n_files // max(1, workers * 4))))




@task(name="clean-batch", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE,
      task_run_name="clean-batch-{batch_no}")
def clean_batch(input_url: str, stage_url: str, run_id: str, batch_no: int, rel_paths: list[str],
                max_bytes: int | None, previous: dict[str, str], rules: str | None = None) -> BatchResult:
    """Clean one batch; retried on transient I/O errors (parts are overwritten, not duplicated).

    A worker process that dies is not such an error: the pool retries and, if
    need be, splits the batch itself (:class:`flows.run.pool.WorkerPool`).
    """
    pool = _POOLS.get(run_id)
    job = BatchJob(input_url, stage_url, run_id, batch_no, rel_paths, max_bytes, previous, "", rules)
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
             retain_seconds: float = DEFAULT_RETAIN_SECONDS, table_format: str | None = None,
             verify_content: bool = False, keep_stale_rules: bool = False) -> dict:
    """Bring the datasets under ``output_url`` up to date with the files under ``input_url``.

    Incremental by default: a file whose stat matches the state is not opened, new
    ones are added, changed ones replace their record (a file whose stat changed
    but not its bytes is only hashed; ``verify_content`` hashes every file), and
    records made by other cleaning rules are cleaned again (not with
    ``keep_stale_rules``); files that disappeared keep their records unless
    ``prune``. ``full_refresh`` rebuilds everything from the input alone.
    A superseded version stays readable for ``retain_seconds`` after it was replaced.
    ``table_format`` (parquet | delta) picks the backend for a new local output;
    object storage is always Delta Lake (:func:`flows.store.open.open_store`).
    """
    logger = get_run_logger()
    started = time.perf_counter()
    run_id = new_run_id()
    use_lean_arrow_pool()
    if runner == "local":
        start_server()  # the fork server imports the cleaning code while this process gets ready
    store = open_store(output_url, table_format)
    with store.lock(run_id), _gc_frozen():
        removed = store.recover(retain_seconds)
        if removed:
            logger.info("removed %d unfinished or superseded version(s): %s", len(removed), ", ".join(removed))
        state = None if full_refresh else store.load_state()  # raises SchemaMismatch on a major change
        rules = rules_version()
        workers = workers or default_workers()
        inputs = plan_inputs(listing_for(input_url), state, rules, verify_content=verify_content,
                             keep_stale_rules=keep_stale_rules)
        size = batch_size or auto_batch_size(inputs.todo.num_rows, workers)
        logger.info("run %s: %d files listed, %d to read (%d new, %d with a new stat, %d made by other rules), "
                    "%d unchanged by stat, %d gone; batches of up to %d, %d worker(s), rules %s", run_id,
                    inputs.listed, inputs.todo.num_rows, inputs.new, inputs.stat_changed, inputs.stale_rules,
                    inputs.unchanged, inputs.gone.num_rows, size, workers, rules)
        stage = store.stage_url(run_id)
        results = _run_batches(input_url, stage, run_id, inputs, size, workers, max_bytes, rules, runner, address)
        plan = build_version(store, run_id, rules, inputs, state if state is not None else empty_state(), results,
                             stage, prune=prune, full_refresh=full_refresh)
        counts = plan.counts
        if plan.changes:
            assets.publish(store, run_id, input_url, counts)
        else:
            store.discard(run_id)
        summary = summarize(run_id, input_url, output_url, results, time.perf_counter() - started, workers, counts,
                            "full-refresh" if full_refresh else "incremental", inputs.listed, rules)
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


def _run_batches(input_url: str, stage: str, run_id: str, inputs: InputPlan, size: int, workers: int,
                 max_bytes: int | None, rules: str, runner: str = "local",
                 address: str | None = None) -> list[BatchResult]:
    """One task per batch of the files to read. Locally the CPU work goes to worker
    processes (even with one worker: a file that kills its process must not kill
    the run); on Dask or Ray the task itself runs on a cluster worker."""
    n_batches = -(-inputs.todo.num_rows // size) if inputs.todo.num_rows else 0
    if not n_batches:
        return []
    if runner == "local":
        _POOLS[run_id] = WorkerPool(min(workers, n_batches))
    try:
        with make_task_runner(runner, workers, address) as task_runner:
            # quote(): the path lists and hash maps hold no futures, so Prefect need not
            # walk their thousands of items looking for some (one walk per task).
            # prefect-dask 0.3.7 hands quoted values to the task still wrapped: local only.
            wrap = quote if runner == "local" else _as_is
            futures, sizes = [], []
            for i, (paths, previous) in enumerate(inputs.batches(size)):
                futures.append(task_runner.submit(clean_batch, {
                    "input_url": input_url, "stage_url": stage, "run_id": run_id, "batch_no": i,
                    "rel_paths": wrap(paths), "max_bytes": max_bytes, "previous": wrap(previous), "rules": rules,
                }))
                sizes.append(len(paths))
            return reporting.wait_for(futures, sizes)
    finally:
        pool = _POOLS.pop(run_id, None)
        if pool is not None:
            pool.shutdown()


__all__ = ["RunSummary", "etl_flow", "new_run_id"]
