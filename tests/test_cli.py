"""End to end: the installed ``news-etl`` command in a subprocess, read back with pyarrow."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

BIN = Path(sys.executable).parent / "news-etl"


def run_cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_run_on_sample_accounts_for_every_file(sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    p = run_cli("run", str(sample_dir), str(out), "--batch-size", "5", "--workers", "2")
    assert p.returncode == 0, p.stderr[-2000:]
    n = sum(1 for f in sample_dir.rglob("*") if f.is_file())
    assert f"{n} inputs = {n - 2} articles + 2 rejects (all accounted for)" in p.stdout
    assert "rejects by reason" in p.stdout and "articles by publisher" in p.stdout
    assert "Error flushing events" not in p.stdout + p.stderr
    articles = ds.dataset(str(out / "articles"), partitioning="hive").to_table()
    rejects = ds.dataset(str(out / "rejects")).to_table()
    assert articles.num_rows + rejects.num_rows == n
    assert {"000_38b69d1bccad3eff.txt", "mirror/415951.md"} <= set(articles.column("source_path").to_pylist())
    assert str(articles.schema.field("published_at").type) == "timestamp[us, tz=UTC]"


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    p = run_cli("run", str(tmp_path / "nope"), str(tmp_path / "out"))
    assert p.returncode == 2 and "input not found" in p.stderr


def test_inspect_shows_removed_blocks_and_record(dev_dir: Path) -> None:
    p = run_cli("inspect", str(dev_dir / "seeds/004_77a5095b54502230.txt"))
    assert p.returncode == 0
    assert "layout:   mirror" in p.stdout and "site:     ntdtv" in p.stdout
    assert "[dateline:ntdtv] 【新唐人北京时间2023年04月25日讯】" in p.stdout  # the table that knew it
    assert '"publisher": "新唐人"' in p.stdout


def test_a_new_output_is_what_starts_the_workers_fork_server_before_the_api_is_ready(tmp_path: Path) -> None:
    """Only a first run (every file is work) starts the fork server while the CLI waits for the
    temporary server; a rerun of an existing output may have nothing to clean and does not."""
    from flows.app.cli import _new_output

    assert _new_output(str(tmp_path / "not-yet"))
    (tmp_path / "empty").mkdir()
    assert _new_output(str(tmp_path / "empty")) and _new_output(f"file://{tmp_path / 'empty'}")
    (tmp_path / "used" / "_current").mkdir(parents=True)
    assert not _new_output(str(tmp_path / "used"))
    (tmp_path / "a-file").write_text("x")
    assert not _new_output(str(tmp_path / "a-file"))
    assert not _new_output("s3://bucket/out") and not _new_output("memory://out")
