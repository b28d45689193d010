from __future__ import annotations

import json
from pathlib import Path

import pytest

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
