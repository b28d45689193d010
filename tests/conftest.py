from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Every Prefect process the tests start (temporary servers of `news-etl run`, flows run in this
# process) keeps its database in a home of this session's own, never the user's ~/.prefect: a
# test run must not write run history into it, nor fail on a database that another Prefect
# version migrated. Set before anything imports Prefect, which reads its settings on import.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="news-etl-tests-prefect-")
atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)

FIXTURES = Path(__file__).parent / "fixtures"
DEV = FIXTURES / "dev"
GOLD = FIXTURES / "gold"
SAMPLE = Path(__file__).parent.parent / "sample"


def load_gold() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD.glob("*.json"))]


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    return DEV


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


def raw(rel: str) -> bytes:
    return (DEV / rel).read_bytes()


@pytest.fixture
def fresh_sites(monkeypatch):
    """No ``NEWS_ETL_SITES`` / ``NEWS_ETL_DISABLE_SITES`` and freshly loaded tables; the monkeypatch to set them
    (then ``reload_sites()``); the tables of the environment are loaded again afterwards."""
    from transforms import sites

    monkeypatch.delenv(sites.SITES_ENV, raising=False)
    monkeypatch.delenv(sites.DISABLE_ENV, raising=False)
    sites.reload_sites()
    yield monkeypatch
    monkeypatch.undo()
    sites.reload_sites()


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real Prefect API server on a loopback port, shared by the session."""
    from tests.prefect_server import PrefectServer

    server = PrefectServer(tmp_path_factory.mktemp("prefect_home")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3():
    """A moto S3 server on a loopback port (bucket ``news``); the env a subprocess needs to reach it.

    In a process of its own, not a thread of this one: delta-rs holds the GIL
    while it waits for a response, which a server thread here would never send.
    """
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.prefect_server import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
            break
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the moto S3 server did not start") from None
            time.sleep(0.2)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "FSSPEC_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import fsspec.config
    import s3fs

    # this process imported fsspec before the variable was set: configure it directly
    fsspec.config.conf.setdefault("s3", {})["endpoint_url"] = env["FSSPEC_S3_ENDPOINT_URL"]
    fs = s3fs.S3FileSystem(endpoint_url=env["FSSPEC_S3_ENDPOINT_URL"])
    fs.mkdir("news")
    yield fs, env
    server.terminate()
    server.wait(timeout=30)
    fsspec.config.conf.get("s3", {}).pop("endpoint_url", None)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
