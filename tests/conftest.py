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
