"""Prefect's API app as news-etl's temporary server runs it: Prefect's own
``create_app``, with the server's background task queue polled less often.

Prefect 3.9 runs its background tasks through docket, whose worker looks for
due tasks every 250 ms. In a temporary server docket's backend is in memory
(fakeredis, which runs each of those looks as a Lua script in Python), so an
idle temporary server burns ~0.09 of a core: 3.6 CPU-s in 40 s here, 13 CPU-s
over a first run of 291k files, taken from the two worker processes that clean.
The tasks behind that queue (late runs, cancellation clean-up, vacuums,
deployments and work queues marked ready) have nothing to do within one
``news-etl run``, so the temporary server looks every ``POLL_SECONDS``
instead. Task runs, logs, events and artifacts do not go through that queue
and are recorded as before. A server the user runs (``prefect server start``)
is not touched.
"""
from __future__ import annotations

from datetime import timedelta

POLL_SECONDS = 5.0


def slow_worker(worker_class: type) -> type:
    """A subclass of docket's ``Worker`` that checks for due tasks every ``POLL_SECONDS``."""
    poll = timedelta(seconds=POLL_SECONDS)

    class SlowPollWorker(worker_class):
        def __init__(self, *args, **kwargs) -> None:
            kwargs.setdefault("minimum_check_interval", poll)
            kwargs.setdefault("scheduling_resolution", poll)
            super().__init__(*args, **kwargs)

    SlowPollWorker.__qualname__ = SlowPollWorker.__name__ = f"SlowPoll{worker_class.__name__}"
    return SlowPollWorker


def create_app():
    """The uvicorn factory of the temporary server (``flows.temp_server``)."""
    from prefect.server.api import background_workers
    from prefect.server.api.server import create_app as prefect_create_app

    if not background_workers.Worker.__name__.startswith("SlowPoll"):
        background_workers.Worker = slow_worker(background_workers.Worker)
    return prefect_create_app()
