"""Process-wide Prefect settings for the CLI, applied before Prefect is imported.

The embedded default is Prefect's temporary local server; when the user has a
``PREFECT_API_URL`` configured, runs report there instead. The temporary server
logs an "Error flushing events" traceback when it stops, which is noise to a
user: it is filtered out of the console.

Arrow allocates from jemalloc (:func:`prefer_jemalloc`).
"""
from __future__ import annotations

import logging
import os
import sys


class _DropShutdownNoise(logging.Filter):
    NOISE = ("Error flushing events", "EventsWorker", "Failed to emit event", "Service 'EventsWorker' failed")

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not any(n in msg for n in self.NOISE)


def configure(verbosity: int = 0) -> None:
    """``verbosity``: -1 quiet (warnings only), 0 normal, 1 verbose (debug).

    Quiet silences the terminal only: the run's INFO lines (one per batch)
    still reach the Prefect API, so the UI shows them.
    """
    level = {-1: "INFO", 0: "INFO", 1: "DEBUG"}.get(verbosity, "INFO")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", level)
    if verbosity < 0:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "0.5")
    install_noise_filter()


def install_noise_filter() -> None:
    noise = _DropShutdownNoise()
    for name in ("", "prefect", "prefect.events", "prefect.events.clients", "prefect._internal", "prefect.server"):
        logging.getLogger(name).addFilter(noise)
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(noise)


def prefer_jemalloc() -> None:
    """Make jemalloc Arrow's default allocator in this process and its children;
    called by the CLI before pyarrow is imported, which is when Arrow reads
    ``ARROW_DEFAULT_MEMORY_POOL``.

    The flow's tables come and go in phases (listing, plan, links, merges, the
    state), and Arrow's default mimalloc kept the pages of one phase resident in
    the next. Measured side by side in the flow process (RSS), mimalloc vs
    jemalloc: a first run over the bench corpus peaked at 436 vs 355 MB (21.7 vs
    18.9 s); a rerun with 1 % of a x10 copy changed at 925-1,058 vs 595-767 MB.
    Only the environment reaches the C++ default that the Parquet reader and the
    dataset scanner allocate from. A pool the user chose wins; Windows wheels have
    no jemalloc.
    """
    if sys.platform != "win32":
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")


def use_lean_arrow_pool() -> str:
    """jemalloc for the tables pyarrow allocates from Python, in a flow started
    without the CLI (a deployment's worker, a notebook), where pyarrow was
    imported before :func:`prefer_jemalloc` could act; the backend in use.

    A pool the user chose (``ARROW_DEFAULT_MEMORY_POOL``) wins, and a pyarrow
    built without jemalloc keeps its default.
    """
    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:
            pass
    return pa.default_memory_pool().backend_name
