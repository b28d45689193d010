"""A worker process that dies costs only its batch: the pool is rebuilt, the batch
retried alone and split until the file that kills its worker is isolated.

Both tests run the real CLI in a subprocess. The deaths are real SIGKILLs: one
from the test-only hook ``NEWS_ETL_TEST_CRASH_ON`` (the worker kills itself on
one file, every time), one sent by the test to a worker paused mid-batch.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from flows.run.pool import describe_exit
from tests.test_incremental import BIN, background_run, cli, corpus, reject_paths, reject_rows, rows, summary_of, wait_for_pause  # noqa: F401

POISON = "mirror/415951.md"


def _rejects(out: Path) -> dict[str, tuple[str, str]]:
    from schemas.read import rejects_dataset

    table = rejects_dataset(str(out)).to_table(columns=["source_path", "reason", "detail"])
    return {r["source_path"]: (r["reason"], r["detail"]) for r in table.to_pylist()}


def test_exit_descriptions() -> None:
    assert describe_exit(-9) == "worker killed by SIGKILL"
    assert describe_exit(-11) == "worker killed by SIGSEGV"
    assert describe_exit(3) == "worker exited with status 3"


def test_a_process_of_its_own_reports_how_it_died(tmp_path: Path, sample_dir: Path) -> None:
    # In a fresh interpreter: the fork server copies the environment it started with, and this
    # test process may have started one before the fault variable was set.
    code = f"""
import json, signal
from flows.run.pool import BatchJob, WorkerDied, run_alone
if __name__ == "__main__":
    job = BatchJob({str(sample_dir)!r}, {str(tmp_path / "stage")!r}, "r1", 0,
                   ["mirror/415951.md", "mirror/943901.md"], None, {{}})
    try:
        run_alone(job)
        died = None
    except WorkerDied as exc:
        died = [exc.exitcode, str(exc)]
    ok = run_alone(BatchJob(job.input_url, job.stage_url, "r1", 1, ["mirror/415951.md"], None, {{}}))
    print(json.dumps([died, ok.inputs, ok.articles]))
"""
    script = tmp_path / "alone.py"
    script.write_text(code, encoding="utf-8")
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                       cwd=Path(__file__).parent.parent, env={**os.environ, "NEWS_ETL_TEST_CRASH_ON": "943901",
                                                              "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout) == [[-signal.SIGKILL, "worker killed by SIGKILL"], 1, 1]


def test_a_file_that_kills_its_worker_is_the_only_loss(prefect_server, first_run, corpus: Path,  # noqa: F811
                                                       tmp_path: Path) -> None:
    out, clean, expected = tmp_path / "out", first_run.out, first_run.summary
    p = subprocess.run([str(BIN), "run", str(corpus), str(out), "--workers", "2", "--batch-size", "4", "--json"],
                       capture_output=True, text=True, timeout=300,
                       env={**prefect_server.env, "NEWS_ETL_TEST_CRASH_ON": POISON})
    s = summary_of(p)  # exit status 0: the run completed
    assert s["inputs"] == expected["inputs"] and s["accounted"]
    assert s["rejects"] == expected["rejects"] + 1 and s["reject_reasons"]["worker_crash"] == 1
    assert "kills its worker (worker killed by SIGKILL); rejected as worker_crash" in p.stderr
    assert _rejects(out)[POISON] == ("worker_crash", "worker killed by SIGKILL")
    # every other file is exactly what a clean run makes of it
    assert [r for r in rows(clean) if r[1] != POISON] == rows(out)
    assert sorted(_rejects(out)) == sorted([*reject_paths(clean), POISON])
    # nothing a dead attempt had staged is left in the version: the data files are the run's merged
    # parts, and the dedup index holds one row per live article
    current = (out / "_current").resolve()
    data = [f.name for d in ("articles", "rejects") for f in (current / d).rglob("*.parquet")]
    assert data and all(re.fullmatch(r"part-[0-9TZ]+-[0-9a-f]{6}-m\d{3}\.parquet", n) for n in data), data
    assert not (current / "_outcomes").exists()
    dedup_ids = [i for f in (current / "_dedup").glob("*.parquet") for i in pq.read_table(f).column("doc_id").to_pylist()]
    assert sorted(dedup_ids) == sorted(r[0] for r in rows(out))
    # the crash is not remembered as the file's verdict: the next run (no fault) cleans it
    again = summary_of(cli(prefect_server, str(corpus), str(out)))
    assert again["unchanged"] == again["inputs"] - 1 and again["rejects"] == again["inputs"] - again["articles"]
    assert rows(out) == rows(clean) and reject_rows(out) == reject_rows(clean)


def test_a_worker_killed_mid_batch_costs_nothing(prefect_server, first_run, corpus: Path,  # noqa: F811
                                                 tmp_path: Path) -> None:
    out, clean = tmp_path / "out", first_run.out
    env = {**prefect_server.env, "NEWS_ETL_PAUSE_AT": "worker", "NEWS_ETL_PAUSE_SECONDS": "120",
           "NEWS_ETL_PAUSE_ONCE": str(tmp_path / "paused-once")}
    with background_run(str(corpus), str(out), "--workers", "2", "--batch-size", "4", "--json", env=env,
                        stderr=subprocess.PIPE) as proc:
        pid = wait_for_pause(proc, "worker")
        assert pid != proc.pid
        os.kill(pid, signal.SIGKILL)  # from outside, like the OOM killer
        stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr[-3000:]
    assert "a worker process died while it ran; the pool is rebuilt" in stderr
    s = summary_of(subprocess.CompletedProcess(proc.args, 0, stdout, stderr))
    assert "worker_crash" not in s["reject_reasons"]
    assert rows(out) == rows(clean) and reject_rows(out) == reject_rows(clean)


def test_the_fork_server_stops_with_the_last_pool(tmp_path: Path, sample_dir: Path) -> None:
    # A fresh interpreter, so that no other test's pool or server is alive in it.
    code = f"""
import json, os
from multiprocessing import forkserver
from flows.run.pool import BatchJob, WorkerPool, start_server

def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False

if __name__ == "__main__":
    job = BatchJob({str(sample_dir)!r}, {str(tmp_path / "stage")!r}, "r1", 0, ["mirror/415951.md"], None, {{}})
    start_server()
    first, second = WorkerPool(1), WorkerPool(1)
    log = lambda msg: None
    a = first.run(job, log).articles
    pid = forkserver._forkserver._forkserver_pid
    first.shutdown()
    kept = alive(pid) and forkserver._forkserver._forkserver_pid == pid
    b = second.run(job, log).articles  # the other pool still forks from the same server
    second.shutdown()
    stopped = forkserver._forkserver._forkserver_pid is None and not alive(pid)
    third = WorkerPool(1)
    c = third.run(job, log).articles  # restarted on demand
    restarted = forkserver._forkserver._forkserver_pid not in (None, pid)
    third.shutdown()
    print(json.dumps([a, b, c, kept, stopped, restarted]))
"""
    script = tmp_path / "server.py"
    script.write_text(code, encoding="utf-8")
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                       cwd=Path(__file__).parent.parent, env={**os.environ,
                                                              "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.strip().splitlines()[-1]) == [1, 1, 1, True, True, True]
