from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
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


# A test that uses one of these starts or talks to a real server: marked slow (skipped by `make test-fast` only).
SERVER_FIXTURES = frozenset({"prefect_server", "s3", "dask_cluster"})  # fixturenames holds every fixture a test needs, indirect ones too


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


SHARED_SERVER = "news_etl_prefect_server"  # the xdist workers' input naming the controller's server


def pytest_configure(config) -> None:
    """Under xdist, the controller spawns the one Prefect server every worker uses (see :func:`prefect_server`)."""
    if config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses", None) \
            and not hasattr(config, "workerinput"):
        from tests.prefect_server import PrefectServer

        config.news_etl_server = PrefectServer(Path(tempfile.mkdtemp(prefix="news-etl-tests-server-"))).spawn()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist, on the controller: tell each worker where the shared server is."""
    server = getattr(node.config, "news_etl_server", None)
    if server is not None:
        node.workerinput[SHARED_SERVER] = [str(server.home), server.port]


def pytest_unconfigure(config) -> None:
    server = getattr(config, "news_etl_server", None)
    if server is not None:
        server.stop()
        shutil.rmtree(server.home, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_server(request, tmp_path_factory):
    """A real Prefect API server on a loopback port, shared by the session.

    Under xdist one server serves every worker (spawned by the controller while the workers start,
    and waited for here): a server costs ~10 CPU-s to start and ~1 CPU-s a minute idle, and the
    tests tell their runs apart by output path and run id, never by "the latest run"."""
    from tests.prefect_server import PrefectServer

    shared = getattr(request.config, "workerinput", {}).get(SHARED_SERVER)
    if shared is not None:
        yield PrefectServer(Path(shared[0]), int(shared[1])).wait_ready()
        return
    server = PrefectServer(tmp_path_factory.mktemp("prefect_home")).start()
    yield server
    server.stop()


@dataclass(frozen=True)
class FirstRun:
    """The output of a first ``news-etl run`` of the sample, and the summary that run printed."""
    out: Path
    summary: dict


@pytest.fixture(scope="session")
def first_run(prefect_server, sample_dir: Path, tmp_path_factory) -> FirstRun:
    """One first run of (a copy of) the sample for the whole session: the reference "what a clean run
    gives" of the tests that compare against one, and the starting point of those that go on from it
    (through :func:`after_first_run`). Read it, never write it: copy it first.

    It stands in for the identical first run a dozen tests made for themselves, ~3 CPU-s each."""
    from tests.test_incremental import cli, summary_of

    root = tmp_path_factory.mktemp("first_run")
    shutil.copytree(sample_dir, root / "in")
    out = root / "out"
    return FirstRun(out, summary_of(cli(prefect_server, str(root / "in"), str(out))))


@pytest.fixture
def after_first_run(first_run: FirstRun, tmp_path: Path) -> Path:
    """``tmp_path/out``: a copy of :func:`first_run`'s output, as if this test had run it on its ``corpus``.

    An output is relocatable (its links are relative, its state keys are paths under the input root,
    and a copied input keeps its sizes and mtimes), which test_incremental asserts."""
    out = tmp_path / "out"
    shutil.copytree(first_run.out, out, symlinks=True)
    return out


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
