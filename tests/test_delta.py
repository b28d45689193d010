"""Delta Lake output: on moto's S3 server on loopback (two concurrent writers, a
writer killed mid-commit) and locally with ``--table-format delta``; the tables
read back through deltalake, Polars, DuckDB (via Arrow) and pandas.

Every process that reads a Delta table is checked for its exit status: with
pyarrow 26 such processes abort at exit (status 134) although they printed the
right answer; with pyarrow 25 they did now and then (4 of 100) when the files
were read through deltalake's default Python filesystem, which is why readers
here, like the package, pass ``schemas.read.delta_filesystem``.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from schemas.read import articles_dataset, delta_filesystem, delta_storage_options
from tests.test_incremental import BIN, background_run, cli, corpus, reject_rows, rows, summary_of, wait_for_pause  # noqa: F401

pytest.importorskip("deltalake")


def _change(corpus: Path) -> None:  # noqa: F811
    """A changed file, a new one, a removed one and a reject that becomes an article."""
    changed = corpus / "mirror" / "415951.md"
    changed.write_text(changed.read_text(encoding="utf-8").replace("关税", "关税壁垒"), encoding="utf-8")
    shutil.copy(corpus / "finews" / "2021-12-08-202112082206672930.md", corpus / "finews" / "new-copy.md")
    (corpus / "mirror" / "943901.md").unlink()
    (corpus / "mirror" / "sedsrUKwT").write_text("---\ntitle: 新标题\n---\n" + "这是一篇足够长的新文章。" * 8,
                                                 encoding="utf-8")


def test_local_delta_tables_match_versioned_parquet(prefect_server, first_run, corpus: Path,  # noqa: F811
                                                    after_first_run: Path, tmp_path: Path) -> None:
    pq_out, dl_out = after_first_run, tmp_path / "delta"
    for extra in ([], ["--prune"]):
        a = summary_of(cli(prefect_server, str(corpus), str(pq_out), *extra)) if extra else first_run.summary
        b = summary_of(cli(prefect_server, str(corpus), str(dl_out), "--table-format", "delta", *extra))
        assert {k: a[k] for k in ("new", "changed", "unchanged", "missing", "removed", "articles_total")} == \
               {k: b[k] for k in ("new", "changed", "unchanged", "missing", "removed", "articles_total")}
        assert rows(dl_out) == rows(pq_out) and reject_rows(dl_out) == reject_rows(pq_out)
        _change(corpus) if not extra else None
    assert (dl_out / "articles" / "_delta_log").is_dir() and not (dl_out / "_current").exists()
    # an existing Delta output stays Delta without the option
    s = summary_of(cli(prefect_server, str(corpus), str(dl_out)))
    assert s["unchanged"] == s["inputs"]
    p = subprocess.run([str(BIN), "compact", str(dl_out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout)["format"] == "delta"
    assert rows(dl_out) == rows(pq_out)
    dataset = articles_dataset(str(dl_out))
    assert not isinstance(dataset.filesystem, pafs.PyFileSystem)  # pyarrow's own, not deltalake's Python one
    assert dataset.count_rows() == len(rows(pq_out))
    _readers_agree(str(dl_out), {}, rows(pq_out), each_alone=True)


def test_delta_filesystem_is_pyarrows_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Local paths and ``file://`` URIs get a LocalFileSystem rooted at the table, S3 an
    S3FileSystem with the endpoint of the storage options; other schemes none (deltalake's own)."""
    local = delta_filesystem(str(tmp_path / "articles") + "/")
    assert isinstance(local, pafs.SubTreeFileSystem) and isinstance(local.base_fs, pafs.LocalFileSystem)
    assert local.base_path.rstrip("/") == str(tmp_path / "articles")
    assert delta_filesystem(f"file://{tmp_path}/articles/").base_path == local.base_path
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("FSSPEC_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    s3 = delta_filesystem("s3://news/out/articles/", delta_storage_options("s3://news/out/articles"))
    assert isinstance(s3.base_fs, pafs.S3FileSystem) and s3.base_path.rstrip("/") == "news/out/articles"
    assert s3.base_fs.region == "eu-west-3" and "127.0.0.1:9" in repr(s3.base_fs.__reduce__())
    assert delta_filesystem("gs://news/out/articles") is None


def test_s3_concurrent_writers(prefect_server, s3, first_run, corpus: Path, tmp_path: Path) -> None:  # noqa: F811
    """A run that starts while another writes fails fast; one that slipped past that check
    (its heartbeat lost) is stopped at the commit gate with nothing committed."""
    fs, env = s3
    fs.put(str(corpus), "news/cin", recursive=True)
    out = "s3://news/concurrent"
    go = tmp_path / "go"
    a_env = {**prefect_server.env, **env, "NEWS_ETL_PAUSE_AT": "before_publish", "NEWS_ETL_PAUSE_SECONDS": "200",
             "NEWS_ETL_PAUSE_UNTIL": str(go), "NEWS_ETL_HEARTBEAT_SECONDS": "600"}
    with background_run("s3://news/cin", out, "--workers", "1", "--json", env=a_env) as a:
        wait_for_pause(a, "before_publish")
        # 1. a second run while A is alive: refused before it cleans anything
        started = time.perf_counter()
        b = cli(prefect_server, "s3://news/cin", out, extra_env=env, timeout=120)
        assert b.returncode == 3 and "is being written by run" in b.stderr, b.stderr[-2000:]
        refused_after = time.perf_counter() - started
        # 2. A's heartbeat is lost (as if both had started in the same second): B runs and commits
        fs.invalidate_cache()
        (beat,) = fs.ls("news/concurrent/_writers")
        fs.rm(beat)
        b = summary_of(cli(prefect_server, "s3://news/cin", out, extra_env=env))
        after_b = rows(out)
        go.touch()  # A goes on to its commit: the gate refuses it
        a_out, _ = a.communicate(timeout=120)
    assert a.returncode == 3, a_out[-3000:]
    assert f"another run ({b['run_id']}) committed to {out}" in a_out and "nothing of run" in a_out
    # nothing lost, nothing twice: exactly B's rows, which are a clean run's
    clean = first_run.out
    assert rows(out) == after_b == rows(clean) and reject_rows(out) == reject_rows(clean)
    from deltalake import DeltaTable

    from schemas.read import delta_storage_options

    gate = DeltaTable(f"{out}/_publishes", storage_options=delta_storage_options(out)).to_pyarrow_table()
    assert gate.column("run_id").to_pylist() == [b["run_id"]]
    # the next run finds everything done; A's staging is gone
    again = summary_of(cli(prefect_server, "s3://news/cin", out, extra_env=env))
    assert again["unchanged"] == again["inputs"]
    fs.invalidate_cache()
    assert not fs.exists("news/concurrent/_staging") or not fs.ls("news/concurrent/_staging")
    assert refused_after < 60


def _wait_until_writers_are_stale(fs, root: str, beat: float, timeout: float = 30) -> None:
    """Until every heartbeat under ``root/_writers`` is older than three beats (a dead writer's), polling:
    no longer than the killed writer's lock really lasts, which the reference run above mostly covers."""
    deadline = time.time() + timeout
    while True:
        fs.invalidate_cache()
        paths = fs.ls(f"{root}/_writers", detail=False) if fs.exists(f"{root}/_writers") else []
        ages = [time.time() - float(json.loads(fs.cat_file(p))["time"]) for p in paths]
        if all(age > 3 * beat for age in ages):
            return
        assert time.time() < deadline, f"heartbeats still fresh: {ages}"
        time.sleep(0.1)


def test_s3_writer_killed_mid_commit(prefect_server, s3, corpus: Path, tmp_path: Path) -> None:  # noqa: F811
    fs, env = s3
    out, src = "s3://news/killed", "news/kin"
    fs.put(str(corpus), src, recursive=True)
    summary_of(cli(prefect_server, f"s3://{src}", out, extra_env=env))
    before = rows(out)
    _change(corpus)
    fs.rm(src, recursive=True)
    fs.put(str(corpus), src, recursive=True)
    fast = {"NEWS_ETL_HEARTBEAT_SECONDS": "1"}
    with background_run(f"s3://{src}", out, "--workers", "1", "--prune",
                        env={**prefect_server.env, **env, **fast, "NEWS_ETL_PAUSE_AT": "mid_commit",
                             "NEWS_ETL_PAUSE_SECONDS": "120"}) as proc:
        wait_for_pause(proc, "mid_commit")  # articles and rejects committed, dedup index and state not
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    clean = tmp_path / "clean"
    summary_of(cli(prefect_server, str(corpus), str(clean), "--prune"))
    assert rows(out) != before  # the articles commit had landed
    _wait_until_writers_are_stale(fs, "news/killed", beat=1.0)
    s = summary_of(cli(prefect_server, f"s3://{src}", out, "--prune", extra_env={**env, **fast}))
    assert s["accounted"]
    assert rows(out) == rows(clean) and reject_rows(out) == reject_rows(clean)
    _readers_agree(out, env, rows(clean))


ALL_THREE = "all three in one process"
READERS = {
    "polars": "import polars as pl\nn = pl.scan_delta(uri, storage_options=opts).select(pl.len()).collect().item()",
    "duckdb": "import duckdb\nfrom deltalake import DeltaTable\nfrom schemas.read import delta_dataset\n"
              "arrow = delta_dataset(DeltaTable(uri, storage_options=opts), opts)\n"
              "n = duckdb.sql('SELECT count(DISTINCT doc_id) FROM arrow').fetchall()[0][0]",
    "pandas": "from deltalake import DeltaTable\nfrom schemas.read import delta_filesystem\n"
              "n = len(DeltaTable(uri, storage_options=opts).to_pandas("
              "columns=['doc_id', 'title'], filesystem=delta_filesystem(uri, opts)))",
    ALL_THREE: "import duckdb, polars as pl\nfrom deltalake import DeltaTable\n"
              "from schemas.read import delta_dataset\narrow = delta_dataset(DeltaTable(uri, storage_options=opts), opts)\n"
              "n = duckdb.sql('SELECT count(DISTINCT doc_id) FROM arrow').fetchall()[0][0]\n"
              "assert n == pl.scan_delta(uri, storage_options=opts).select(pl.len()).collect().item()\n"
              "assert n == len(arrow.to_table(columns=['doc_id']).to_pandas())",
}


def _readers_agree(out: str, env: dict, expected: list[tuple], each_alone: bool = False) -> None:
    """Polars scan_delta, DuckDB over deltalake's Arrow, and pandas, all three in one process and, with
    ``each_alone``, each in a process of its own too; every exit status must be 0.

    The local table is read both ways, the S3 one (the same code with storage options) in one
    process: each reader process costs ~1.5 CPU-s of imports."""
    for name, body in READERS.items() if each_alone else [(ALL_THREE, READERS[ALL_THREE])]:
        code = (f"from schemas.read import delta_storage_options\nuri = {out!r} + '/articles'\n"
                f"opts = delta_storage_options(uri)\n{body}\nprint(n)\n")
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           env={**os.environ, **env}, cwd=Path(__file__).parent.parent)
        assert p.returncode == 0, (name, p.returncode, p.stderr[-2000:])
        assert int(p.stdout) == len(expected), name
