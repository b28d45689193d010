"""Prefect's temporary local server, started early and in parallel.

Left to itself, Prefect starts its temporary server when the flow first needs
the API: after the CLI has spent ~3 s importing Prefect, and then the CLI waits
another ~3-4 s for the server to import its own stack. Both are CPU-bound and
independent, so ``news-etl run`` spawns the same server (Prefect's app under
uvicorn with the environment of ``prefect.server.api.server.SubprocessASGIServer``)
before importing Prefect at all, and the two start-ups overlap on two cores.
Two things differ: the start-up does not redo the migrations and block
registration that the previous one left in the database (``flows.app.server_child``),
and automations (triggers) are off unless the environment turns them on.
Their periodic evaluation was a third of what an idle server burnt, CPU the
workers then lacked (1.27 CPU-s per 20 s idle with them, 0.81-0.88 without).

The server is only used when Prefect itself would start one: when settings
(environment, profile, ``prefect.toml``) name an API URL, or temporary servers
are disabled, the early server is discarded and Prefect's own rules apply.
Its output goes to a log file, not the terminal: a server that is still
shutting down must not hold the caller's pipes open, and its shutdown noise is
not the user's business. The log's tail is shown when the server fails.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

# uvicorn's exit code for a failed start-up, e.g. when the port was taken
# between our probe and its bind.
_PORT_TAKEN = 3
DISABLE_ENV = "NEWS_ETL_EARLY_SERVER"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent_hook() -> Callable[[], object] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when the CLI dies, even by SIGKILL.

    Prefect's own temporary server outlives a killed CLI; ours must not. The
    libc function is looked up here, in the parent, so the child runs no import
    and takes no lock between fork and exec. None where prctl does not exist.
    """
    import ctypes
    import signal

    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigterm = 1, int(signal.SIGTERM)
    return lambda: prctl(pr_set_pdeathsig, sigterm)


class ServerStartError(RuntimeError):
    """The temporary server did not come up; the message carries its log."""


class TemporaryServer:
    """One ``uvicorn prefect.server.api.server:create_app`` subprocess on loopback."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen | None = None
        # An unlinked append-only file: nothing is left behind even if the CLI is killed.
        fd, path = tempfile.mkstemp(prefix="news-etl-prefect-server-", suffix=".log")
        os.close(fd)
        self._log_fd: int | None = os.open(path, os.O_RDWR | os.O_APPEND)
        os.unlink(path)
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def spawn(self) -> None:
        self.port = _free_port()
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        # Automations (triggers) have nothing to act on in a server that lives for one run;
        # their periodic evaluation was a third of what the idle server burnt (see above).
        env.setdefault("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", "false")
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "flows.app.server_child", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdin=subprocess.DEVNULL, stdout=self._log_fd, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent_hook(),
        )

    def wait_ready(self, timeout: float) -> str:
        """Block until ``/health`` answers; the API URL, or ServerStartError with the server's log."""
        deadline = time.monotonic() + timeout
        respawns = 0
        while time.monotonic() < deadline:
            assert self.process is not None
            code = self.process.poll()
            # uvicorn exits with 3 on any failed start-up; only a lost port race is worth a retry.
            if code == _PORT_TAKEN and respawns < 3 and "address already in use" in self.log_tail():
                respawns += 1
                self.spawn()
                continue
            if code is not None:
                raise ServerStartError(f"the temporary Prefect server exited with code {code}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self.api_url
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        self.stop()
        raise ServerStartError(f"the temporary Prefect server did not start within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, size: int = 3000) -> str:
        if self._log_fd is None:
            return "(no server log)"
        end = os.fstat(self._log_fd).st_size
        return os.pread(self._log_fd, size, max(0, end - size)).decode("utf-8", errors="replace")

    def terminate(self) -> None:
        """Ask the server to shut down without waiting: the caller prints its report meanwhile."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server, wait for it, close its log; idempotent (also run at exit)."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None


def start_early() -> TemporaryServer | None:
    """Spawn the server now, unless an API URL is plainly configured in the environment.

    Cheap on purpose (no Prefect import): profile settings are checked later by
    :func:`use`, which discards the server if Prefect would not have started one.
    """
    if os.environ.get("PREFECT_API_URL") or os.environ.get(DISABLE_ENV, "1").lower() in ("0", "false", "no"):
        return None
    server = TemporaryServer()
    server.spawn()
    return server


@contextlib.contextmanager
def use(server: TemporaryServer | None) -> Iterator[str | None]:
    """Run the body against ``server`` when Prefect would use a temporary server.

    Yields the API URL in use (None when Prefect's own settings decide). On exit
    the run's logs and events are sent before the server stops, so nothing is
    lost and no "Error flushing events" traceback is printed.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_UI_URL,
        get_current_settings,
        temporary_settings,
    )

    settings = get_current_settings()
    if server is None or settings.api.url or not settings.server.ephemeral.enabled:
        if server is not None:
            server.stop()
        yield settings.api.url
        return
    url = server.wait_ready(settings.server.ephemeral.startup_timeout_seconds)
    # The server dies with this process, so nobody could read heartbeats (used to
    # detect crashed runs), and waiting for the heartbeat thread costs up to 1 s
    # per run. It serves no UI either: no "View at" link to a page that is not there.
    updates = {PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_UI_URL: ""}
    try:
        with temporary_settings(updates=updates):
            try:
                yield url
            finally:
                drain_workers()  # also after a failed run: its final state reaches the server
    finally:
        server.terminate()  # reaped by stop() at exit, after the report is printed


def drain_workers() -> None:
    """Send this process's queued logs and events to the server while it is still up
    (also used by tests that run flows in-process against a server they then stop)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=5)
