"""The pip fallback installs what the lock holds: requirements-dev.txt is uv.lock exported, not an older tree."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXPORT = ["export", "--frozen", "--format", "requirements-txt", "--extra", "dev", "--no-emit-project", "-q"]


def _uv() -> str | None:
    return shutil.which("uv") or next((str(p) for p in [ROOT / ".tools" / "bin" / "uv"] if p.exists()), None)


def _pins(text: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^ \\;\n]+)", text, re.M)}


def test_requirements_pin_the_locked_versions() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"].lower(): p["version"] for p in lock["package"] if "version" in p}
    pins = _pins((ROOT / "requirements-dev.txt").read_text())
    assert pins and {n: v for n, v in pins.items() if locked.get(n) != v} == {}


def test_requirements_are_the_export_of_the_lock() -> None:
    uv = _uv()
    if uv is None:
        pytest.skip("no uv here (make install brings one when it can)")
    out = subprocess.run([uv, *EXPORT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    committed = (ROOT / "requirements-dev.txt").read_text()
    assert _pins(out) == _pins(committed), "requirements-dev.txt is stale: run `make lock`"
