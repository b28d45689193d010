"""The local worker processes, and what happens when one of them dies.

A worker killed by the kernel (OOM, a segfault in a C library, SIGKILL)
breaks a ``ProcessPoolExecutor`` for good: every batch in flight fails and
every later submit raises ``BrokenProcessPool``. Here a broken pool costs only
the batches it was running:

1. the pool is rebuilt (once, by whichever batch notices first);
2. each batch that was in flight is retried alone, in a process of its own,
   so that a second death is that batch's fault and no other's (with several
   batches in flight the first death cannot be pinned on one of them);
3. a batch that kills its own process as well is split in halves, each retried
   alone, until the file that kills its worker is by itself: that file
   becomes a ``worker_crash`` reject, with the signal in ``detail``, and every
   other file of the batch is cleaned as usual.

Workers are started by a fork server, never forked from the flow process,
which runs Prefect's threads (a fork copies their locks in whatever state
they are). The fork server starts with the flow (on a first run, earlier: while
the CLI waits for its temporary server) and imports the cleaning code
once, in the background (:mod:`flows.run.warm`, ~0.6 s, 1.5 s with pandas
installed); each worker is then a fork of that single-threaded process:
~10 ms to start, ~40 ms for a one-file batch in a process of its own,
against ~1 s for a ``spawn`` worker that imports everything again.
"""
from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from flows.run.batch import BatchResult, crash_result, run_batch

PRELOAD = ["flows.run.warm"]


def context() -> multiprocessing.context.BaseContext:
    """The fork-server context, its server importing the cleaning code once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


_LIVE_POOLS = 0
_LIVE_LOCK = threading.Lock()


def start_server() -> None:
    """Start the fork server now (it imports :data:`PRELOAD` in the background),
    so that its start-up overlaps the flow's own work before the first batch."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()


def stop_server() -> None:
    """Stop the fork server once no pool needs it.

    It holds the cleaning code's imports (~110 MB PSS) for as long as it lives,
    and the end of a run (linking, merging, the state) is when the flow process
    itself is largest: at ~1M files, stopping it keeps the process tree inside
    its memory budget. The next run starts it again early (:func:`start_server`),
    and a worker started without one restarts it (``connect_to_new_process``
    calls ``ensure_running``; that worker then waits for the preload, ~0.6 s).
    ``_stop`` is CPython's own (its tests use it); a Python without it keeps the
    server.
    """
    from multiprocessing import forkserver

    with _LIVE_LOCK:
        if _LIVE_POOLS:
            return  # another run in this process still forks workers from it
        stop = getattr(forkserver._forkserver, "_stop", None)
        if stop is not None:
            stop()


@dataclass(frozen=True, slots=True)
class BatchJob:
    """The arguments of :func:`flows.run.batch.run_batch` for one batch or piece of one."""

    input_url: str
    stage_url: str
    run_id: str
    batch_no: int
    rel_paths: list[str]
    max_bytes: int | None
    previous: dict[str, str]
    piece: str = ""
    rules: str | None = None

    def args(self) -> tuple:
        return (self.input_url, self.stage_url, self.run_id, self.batch_no, self.rel_paths, self.max_bytes,
                self.previous, self.piece, self.rules)

    def halves(self) -> tuple[BatchJob, BatchJob]:
        mid = len(self.rel_paths) // 2
        make = lambda paths, tag: BatchJob(self.input_url, self.stage_url, self.run_id, self.batch_no,  # noqa: E731
                                           paths, self.max_bytes, self.previous, f"{self.piece or '-'}{tag}",
                                           self.rules)
        return make(self.rel_paths[:mid], "0"), make(self.rel_paths[mid:], "1")


class WorkerDied(Exception):
    """The process running a job ended without a result."""

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        super().__init__(describe_exit(exitcode))


def describe_exit(exitcode: int | None) -> str:
    """'worker killed by SIGKILL' for -9, 'worker exited with status 3' for 3."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"worker killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"worker killed by signal {-exitcode}"
    return f"worker exited with status {exitcode}" if exitcode is not None else "worker died"


def _child(conn, job: BatchJob) -> None:
    try:
        conn.send((True, run_batch(*job.args())))
    except BaseException as exc:  # sent to the parent, which raises it as the batch's error
        conn.send((False, exc))
    finally:
        conn.close()


def run_alone(job: BatchJob) -> BatchResult:
    """Run ``job`` in a fresh process of its own; raise :class:`WorkerDied` if that process dies."""
    ctx = context()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, job), name=f"news-etl-batch-{job.batch_no}{job.piece}")
    proc.start()
    sender.close()
    try:
        ok, value = receiver.recv()
    except EOFError:
        proc.join()
        raise WorkerDied(proc.exitcode) from None
    finally:
        receiver.close()
    proc.join()
    if not ok:
        raise value
    return value


class WorkerPool:
    """A process pool that survives the death of its workers (see the module docstring)."""

    def __init__(self, workers: int) -> None:
        global _LIVE_POOLS
        self.workers = workers
        self._lock = threading.Lock()
        self._executor = self._new_executor()
        self.rebuilds = 0
        with _LIVE_LOCK:
            _LIVE_POOLS += 1

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context())

    def run(self, job: BatchJob, log: Callable[[str], None]) -> BatchResult:
        """The batch's result; only files that kill their worker every time are lost (as rejects)."""
        executor = self._executor
        try:
            return executor.submit(run_batch, *job.args()).result()
        except BrokenProcessPool:
            self._rebuild(executor)
            log(f"batch {job.batch_no}: a worker process died while it ran; the pool is rebuilt and the batch "
                "retried in a process of its own")
        return self._isolate(job, log)

    def _rebuild(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:  # the first batch to notice replaces it, the others use the new one
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
                self.rebuilds += 1

    def _isolate(self, job: BatchJob, log: Callable[[str], None]) -> BatchResult:
        try:
            return run_alone(job)
        except WorkerDied as died:
            if len(job.rel_paths) == 1:
                (rel,) = job.rel_paths
                log(f"batch {job.batch_no}: {rel} kills its worker ({died}); rejected as worker_crash")
                return crash_result(job.stage_url, job.run_id, job.batch_no, rel, str(died), job.piece or "-x",
                                    job.rules)
            log(f"batch {job.batch_no}{job.piece}: {died} again; splitting its {len(job.rel_paths)} files in two")
        result: BatchResult | None = None
        for half in job.halves():
            part = self._isolate(half, log)
            if result is None:
                result = part
            else:
                result.absorb(part)
        assert result is not None
        return result

    def shutdown(self) -> None:
        """Stop the workers, then the fork server if no other pool is alive."""
        global _LIVE_POOLS
        self._executor.shutdown(cancel_futures=True)
        with _LIVE_LOCK:
            _LIVE_POOLS -= 1
        stop_server()
