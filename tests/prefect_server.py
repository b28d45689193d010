"""A real ``prefect server start`` on loopback, for tests that run the CLI in subprocesses.

Starting one server per test session costs ~10-20 s once; each CLI run then
reports to it instead of starting its own temporary server.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PREFECT = Path(sys.executable).parent / "prefect"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServer:
    """A ``prefect server start`` this object spawned (:meth:`spawn`), or one that another process of the
    test session spawned with ``home`` on ``port`` (then only :meth:`wait_ready`); :meth:`stop` stops only its own."""

    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.proc: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_API_URL": self.api_url,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}

    def start(self, timeout: float = 120) -> PrefectServer:
        return self.spawn().wait_ready(timeout)

    def spawn(self) -> PrefectServer:
        """Start the server without waiting for it: the caller goes on while it imports and migrates."""
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.home / "server.log", "w")
        env = {k: v for k, v in self.env.items() if k != "PREFECT_API_URL"}
        self.proc = subprocess.Popen([str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 120) -> PrefectServer:
        """Until ``/health`` answers; the server's log if it exits (our own) or never answers."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"prefect server exited: {(self.home / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.api_url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        log = self.home / "server.log"
        raise TimeoutError(f"prefect server did not become healthy: {log.read_text()[-2000:] if log.exists() else ''}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
