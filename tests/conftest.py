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


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real Prefect API server on a loopback port, shared by the session."""
    from tests.prefect_server import PrefectServer

    server = PrefectServer(tmp_path_factory.mktemp("prefect_home")).start()
    yield server
    server.stop()
