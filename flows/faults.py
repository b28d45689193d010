"""Fault hooks for the crash tests. TEST-ONLY: nothing in a normal run sets these variables.

- ``NEWS_ETL_PAUSE_AT=<point>``: announce ``news-etl: paused at <point> (pid N)`` on stdout and sleep
  ``NEWS_ETL_PAUSE_SECONDS`` (default 60) there, so that a test can kill the process at that point.
  With ``NEWS_ETL_PAUSE_ONCE=<file>`` only the first process to create that file pauses (a retried
  batch then runs through); with ``NEWS_ETL_PAUSE_UNTIL=<file>`` the pause ends as soon as that file
  exists (the test lets the run go on).
- ``NEWS_ETL_TEST_CRASH_ON=<substring>``: a worker process that is about to clean a file whose path
  contains the substring kills itself with SIGKILL, like the kernel's OOM killer would. Never fires in
  the flow's own process (only in a child of it), so it cannot take a whole run down.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time


def pause_point(name: str) -> None:
    """With NEWS_ETL_PAUSE_AT=name, announce and sleep here (to be killed)."""
    if os.environ.get("NEWS_ETL_PAUSE_AT") != name:
        return
    once = os.environ.get("NEWS_ETL_PAUSE_ONCE")
    if once:
        try:
            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            return
    print(f"news-etl: paused at {name} (pid {os.getpid()})", flush=True)
    deadline = time.monotonic() + float(os.environ.get("NEWS_ETL_PAUSE_SECONDS", "60"))
    until = os.environ.get("NEWS_ETL_PAUSE_UNTIL")
    while time.monotonic() < deadline and not (until and os.path.exists(until)):
        time.sleep(0.1)


def crash_on(rel_path: str) -> None:
    """With NEWS_ETL_TEST_CRASH_ON set and found in ``rel_path``, SIGKILL this worker process."""
    needle = os.environ.get("NEWS_ETL_TEST_CRASH_ON")
    if needle and needle in rel_path and multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
