"""Incremental, idempotent, crash-safe loads, through the real CLI in subprocesses."""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA
from schemas.read import articles_dataset, rejects_dataset

BIN = Path(sys.executable).parent / "news-etl"
# Every column but run_id: a run killed and redone writes under another run id than a clean run.
CONTENT = [n for n in ARTICLES_SCHEMA.names if n != "run_id"]
REJECT_CONTENT = [n for n in REJECTS_SCHEMA.names if n != "run_id"]
TEXT = CONTENT.index("text")


def cli(server, *args: str, extra_env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "run", *args, "--workers", "1", "--json"], capture_output=True, text=True,
                          timeout=timeout, env={**server.env, **(extra_env or {})})


def rows(out: Path) -> list[tuple]:
    """The dataset's content, order-free: every column but the run that wrote it."""
    table = articles_dataset(str(out)).to_table(columns=CONTENT)
    return sorted(tuple(r[c] for c in CONTENT) for r in table.to_pylist())


def reject_rows(out: Path) -> list[tuple]:
    table = rejects_dataset(str(out)).to_table(columns=REJECT_CONTENT)
    return sorted(tuple(r[c] for c in REJECT_CONTENT) for r in table.to_pylist())


def reject_paths(out: Path) -> list[str]:
    return sorted(rejects_dataset(str(out)).to_table().column("source_path").to_pylist())


@pytest.fixture()
def corpus(sample_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "in"
    shutil.copytree(sample_dir, dst)
    return dst


def summary_of(p: subprocess.CompletedProcess) -> dict:
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout[p.stdout.index("{"):])


def test_rerun_is_idempotent_and_skips_unchanged(prefect_server, first_run, corpus: Path, after_first_run: Path) -> None:
    """Also: an output moved elsewhere, rerun on a copy of its input elsewhere, is still up to date."""
    out, first = after_first_run, first_run.summary
    before = rows(out)
    assert before == rows(first_run.out) and first["new"] == first["inputs"] == 14
    second = summary_of(cli(prefect_server, str(corpus), str(out)))
    assert second["unchanged"] == second["inputs"] == first["inputs"] and second["new"] == second["changed"] == 0
    assert rows(out) == before
    assert reject_paths(out) == ["mirror/427555.md.png", "mirror/sedsrUKwT"]


def test_new_changed_removed_files(prefect_server, corpus: Path, after_first_run: Path) -> None:
    out = after_first_run
    before = {r[1]: r for r in rows(out)}
    # a changed file keeps its doc_id and replaces its record
    changed = corpus / "mirror" / "415951.md"
    changed.write_text(changed.read_text(encoding="utf-8").replace("关税", "关税壁垒"), encoding="utf-8")
    # a new file, and a removed one
    shutil.copy(corpus / "finews" / "2021-12-08-202112082206672930.md", corpus / "finews" / "new-copy.md")
    (corpus / "mirror" / "943901.md").unlink()
    s = summary_of(cli(prefect_server, str(corpus), str(out)))
    assert (s["new"], s["changed"], s["missing"], s["removed"]) == (1, 1, 1, 0)
    after = {r[1]: r for r in rows(out)}
    assert len(after) == len(before) + 1  # nothing lost, nothing twice
    assert after["mirror/415951.md"][0] == before["mirror/415951.md"][0]
    assert "关税壁垒" in after["mirror/415951.md"][TEXT] and "关税壁垒" not in before["mirror/415951.md"][TEXT]
    assert "mirror/943901.md" in after  # an archive does not lose data
    s = summary_of(cli(prefect_server, str(corpus), str(out), "--prune"))
    assert s["removed"] == 1 and "mirror/943901.md" not in {r[1] for r in rows(out)}
    log = json.loads((out / "_runs" / f"{s['run_id']}.json").read_text())
    assert log["inputs"] == log["articles"] + log["rejects"] == log["new"] + log["changed"] + log["unchanged"]


def test_full_refresh_rebuilds_the_same_rows(prefect_server, corpus: Path, after_first_run: Path) -> None:
    out = after_first_run
    before = rows(out)
    s = summary_of(cli(prefect_server, str(corpus), str(out), "--full-refresh"))
    assert s["mode"] == "full-refresh" and s["new"] == s["inputs"]
    assert rows(out) == before


def test_a_second_writer_fails_fast(prefect_server, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**prefect_server.env, "NEWS_ETL_PAUSE_AT": "cleaning", "NEWS_ETL_PAUSE_SECONDS": "120"}
    first = subprocess.Popen([str(BIN), "run", str(corpus), str(out), "--workers", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    try:
        wait_for_pause(first)
        second = cli(prefect_server, str(corpus), str(out), timeout=120)
        assert second.returncode == 3
        assert "is being written by run" in second.stderr
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # the killed holder's lock died with it: the next run goes through
    assert summary_of(cli(prefect_server, str(corpus), str(out)))["inputs"] == 14


@contextlib.contextmanager
def background_run(*args: str, env: dict, stderr=subprocess.STDOUT) -> Iterator[subprocess.Popen]:
    """``news-etl run *args`` in the background (its own process group, killed on exit if still running)."""
    proc = subprocess.Popen([str(BIN), "run", *args], stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
                            start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for_pause(proc: subprocess.Popen, point: str = r"\w+", timeout: float = 180) -> int:
    """Read the run's stdout until it pauses at ``point`` (see flows/faults.py); the pid that paused."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if m := re.search(rf"news-etl: paused at {point} \(pid (\d+)\)", line):
            return int(m.group(1))
        if not line and proc.poll() is not None:
            raise AssertionError(f"run ended before reaching its pause point: {proc.stdout.read()[-3000:]}")
    raise AssertionError("pause point not reached")


def _change_for_the_killed_run(corpus: Path) -> None:
    """The edit the killed run would bring into the dataset: one file gone, one added."""
    (corpus / "mirror" / "943901.md").unlink()
    shutil.copy(corpus / "finews" / "2021-12-08-202112082206907056.md", corpus / "finews" / "added.md")


@pytest.fixture(scope="module")
def clean_history(prefect_server, first_run, sample_dir: Path, tmp_path_factory) -> dict:
    """What the run after the first gives when it is never killed, once for the whole kill matrix (the same
    history as the killed ones: duplicate links depend on which run saw a text first)."""
    root = tmp_path_factory.mktemp("clean_history")
    corpus, clean = root / "in", root / "clean"
    shutil.copytree(sample_dir, corpus)
    shutil.copytree(first_run.out, clean, symlinks=True)
    _change_for_the_killed_run(corpus)
    s = summary_of(cli(prefect_server, str(corpus), str(clean), "--prune"))
    return {"after": rows(clean), "rejects": reject_rows(clean), "inputs": s["inputs"]}


# One worker runs the whole matrix: its clean history is made once, not once per worker.
@pytest.mark.xdist_group("kill_matrix")
@pytest.mark.parametrize("point", ["cleaning", "before_publish", "before_swap", "after_swap"])
def test_sigkill_at_any_point_leaves_a_readable_dataset(prefect_server, clean_history: dict, corpus: Path,
                                                        after_first_run: Path, point: str) -> None:
    out = after_first_run
    before = rows(out)
    # change the corpus, then kill the run that would bring the dataset up to date
    _change_for_the_killed_run(corpus)
    env = {**prefect_server.env, "NEWS_ETL_PAUSE_AT": point, "NEWS_ETL_PAUSE_SECONDS": "120"}
    proc = subprocess.Popen([str(BIN), "run", str(corpus), str(out), "--workers", "1", "--prune"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    wait_for_pause(proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # readable by pyarrow and DuckDB, no partial or duplicate rows: the old version or the new one
    now = rows(out)
    n_dup = duckdb.sql(f"SELECT count(*) - count(DISTINCT doc_id) FROM read_parquet('{out}/articles/**/*.parquet', "
                       "hive_partitioning=true)").fetchall()[0][0]
    assert n_dup == 0
    assert now in (before, clean_history["after"])
    # the next run completes the work: exactly the rows of a clean run
    s = summary_of(cli(prefect_server, str(corpus), str(out), "--prune"))
    assert rows(out) == clean_history["after"]
    assert reject_rows(out) == clean_history["rejects"]
    assert s["inputs"] == clean_history["inputs"]
    assert not list((out / "_versions").glob("*.tmp"))
