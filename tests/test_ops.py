"""Scheduling and operations: the run report (printed and as Prefect artifacts),
lineage events, run logs, ``news-etl serve`` and ``prefect.yaml``.

The slow tests run the real CLI in subprocesses against the session's real
``prefect server start`` (loopback port, temporary PREFECT_HOME) and read back
what it recorded with the Prefect client.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from flows.app import assets, reporting, serve
from flows.app.report import RunSummary
from schemas.read import articles_dataset, rejects_dataset

BIN = Path(sys.executable).parent / "news-etl"
PREFECT = Path(sys.executable).parent / "prefect"
ROOT = Path(__file__).parent.parent


# -- helpers ---------------------------------------------------------------------
@contextmanager
def api(server) -> Iterator:
    """A sync Prefect client talking to the test server."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: server.api_url}), get_client(sync_client=True) as client:
        yield client


def wait_until(fn: Callable, timeout: float, what: str, every: float = 0.5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def dataset_numbers(out: Path) -> dict:
    """The counts the report claims, computed from the datasets themselves."""
    arts = articles_dataset(str(out)).to_table(columns=["publisher", "layout", "published_at", "year", "month"])
    rejs = rejects_dataset(str(out)).to_table(columns=["reason"])
    rows = arts.to_pylist()
    months = sorted(f"{r['year']:04d}-{r['month']:02d}" for r in rows if r["published_at"] is not None)
    return {
        "articles": len(rows),
        "rejects": rejs.num_rows,
        "publishers": Counter(r["publisher"] or "(none)" for r in rows),
        "layouts": Counter(r["layout"] for r in rows),
        "reasons": Counter(rejs.column("reason").to_pylist()),
        "years": Counter(m[:4] for m in months),
        "first month": months[0],
        "last month": months[-1],
        "months with articles": len(set(months)),
        "undated": sum(1 for r in rows if r["published_at"] is None),
    }


def section(rows: list[dict], name: str) -> dict:
    return {r["item"]: r["value"] for r in rows if r["section"] == name}


def summary(**kw) -> RunSummary:
    base = dict(run_id="r1", input_url="in", output_url="/data/out", inputs=10, articles=8, rejects=2, new=10,
                articles_total=8, rejects_total=2, batches=2, workers=2, seconds=2.0,
                reject_reasons={"binary": 1, "empty": 1}, layouts={"mirror": 5, "jekyll": 3},
                publishers={"新唐人": 5, "大纪元": 3}, months={"2020-01": 2, "2021-05": 5, "undated": 1})
    return RunSummary(**{**base, **kw})


# -- the report, assets and prefect.yaml (fast) -------------------------------------
def test_report_rows_cover_every_section_and_fold_long_ones() -> None:
    rows = reporting.report_rows(summary())
    assert section(rows, "this run")["inputs"] == 10
    assert section(rows, "articles by publisher") == {"新唐人": 5, "大纪元": 3}
    assert section(rows, "rejects by reason") == {"binary": 1, "empty": 1}
    assert section(rows, "date coverage") == {"first month": "2020-01", "last month": "2021-05",
                                              "months with articles": 2, "undated articles": 1}
    assert section(rows, "articles by year") == {"2020": 2, "2021": 5, "undated": 1}
    assert section(rows, "throughput")["files/s"] == 5.0
    many = {f"p{i:02d}": 100 - i for i in range(30)}
    folded = section(reporting.report_rows(summary(publishers=many), limit=5), "articles by publisher")
    assert len(folded) == 5 and folded["other (26)"] == sum(100 - i for i in range(4, 30))
    assert sum(folded.values()) == sum(many.values())


def test_printed_report_is_a_table_with_the_same_numbers() -> None:
    text = reporting.format_report(summary())
    assert text.splitlines()[0] == "run r1: 10 inputs = 8 articles + 2 rejects (all accounted for), incremental"
    for row in reporting.report_rows(summary()):
        assert re.search(rf"{re.escape(str(row['item']))}\s+{re.escape(reporting._fmt(row['value']))}\b", text), row
    md = reporting.markdown_report(summary())
    assert "[file:///data/out/articles](file:///data/out/articles)" in md and "| 新唐人 | 5 |" in md


def test_asset_keys_are_valid_uris() -> None:
    from prefect.assets import Asset

    assert assets.asset_key("/data/out", "articles") == "file:///data/out/articles"
    assert assets.asset_key("s3://bucket/clean/", "rejects") == "s3://bucket/clean/rejects"
    assert assets.asset_key("rel/out", "articles") == "file://" + os.path.abspath("rel/out") + "/articles"
    odd = assets.asset_key("/data/my out#1%", "articles")
    assert odd == "file:///data/my_out_1_/articles" and Asset(key=odd)
    long = assets.asset_key("/" + "x" * 600, "articles")
    assert len(long) <= 512 and long.endswith("/articles") and Asset(key=long)
    assert [a.key for a in assets.dataset_assets("/o")] == ["file:///o/articles", "file:///o/rejects"]


def test_prefect_yaml_declares_the_serve_deployment_on_a_process_pool() -> None:
    from prefect.cli.deploy._models import PrefectYamlModel
    from prefect.client.schemas.schedules import CronSchedule

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    PrefectYamlModel.model_validate(config)
    (dep,) = config["deployments"]
    assert dep["name"] == serve.DEPLOYMENT_NAME and dep["work_pool"]["name"] == serve.WORK_POOL
    (sched,) = dep["schedules"]
    assert sched["cron"] == serve.DEFAULT_CRON and sched["timezone"] == serve.DEFAULT_TIMEZONE
    CronSchedule(cron=sched["cron"], timezone=sched["timezone"])
    assert dep["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
    # the entrypoint names the real flow, and the parameters are its parameters
    path, func = dep["entrypoint"].split(":")
    assert (ROOT / path).is_file()
    flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), func)
    from flows.app.etl import etl_flow

    assert flow is etl_flow and flow.name == serve.FLOW_NAME
    assert set(dep["parameters"]) <= set(flow.parameters.properties)
    assert set(flow.parameters.required) <= set(dep["parameters"])


def test_serve_passes_the_runner_to_its_runs(tmp_path: Path) -> None:
    from flows.app.cli import build_parser

    args = build_parser().parse_args(["serve", str(tmp_path), "out", "--runner", "dask", "--address", "tcp://h:8786"])
    params = serve.flow_parameters(args.input, args.output, runner=args.runner, address=args.address)
    assert params == {"input_url": str(tmp_path), "output_url": os.path.abspath("out"), "runner": "dask",
                      "address": "tcp://h:8786"}
    # the default runner is the flow's own default: not spelled out in the deployment
    assert serve.flow_parameters(str(tmp_path), "out") == {"input_url": str(tmp_path),
                                                           "output_url": os.path.abspath("out")}


def test_serve_refuses_an_invalid_schedule(tmp_path: Path) -> None:
    for args in (["--cron", "every half hour"], ["--timezone", "Mars/Olympus"]):
        p = subprocess.run([str(BIN), "serve", str(tmp_path), str(tmp_path / "out"), *args], capture_output=True,
                           text=True, timeout=120)
        assert p.returncode == 2 and "invalid --cron/--timezone" in p.stderr, p.stderr[-2000:]


# -- end to end against a real Prefect server --------------------------------------
def _flow_run_for(client, out: Path):
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[serve.FLOW_NAME])), limit=200)
    mine = [r for r in runs if r.parameters.get("output_url") == str(out)]
    assert len(mine) == 1, f"{len(mine)} flow runs wrote {out}"
    return mine[0]


@pytest.mark.slow
def test_run_reports_to_prefect(prefect_server, sample_dir: Path, tmp_path: Path) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    out = tmp_path / "out"
    p = subprocess.run([str(BIN), "run", str(sample_dir), str(out), "--workers", "2", "--batch-size", "4", "--quiet"],
                       capture_output=True, text=True, timeout=300, env=prefect_server.env)
    assert p.returncode == 0, p.stderr[-3000:]
    # --quiet: the terminal gets warnings (one per reject) and the report, no INFO lines
    assert "| INFO" not in p.stderr and p.stderr.count("| WARNING") >= 2 and "rejected mirror/sedsrUKwT" in p.stderr
    truth = dataset_numbers(out)
    n_files = sum(1 for f in sample_dir.rglob("*") if f.is_file())
    with api(prefect_server) as client:
        run = _flow_run_for(client, out)
        assert run.state.is_completed()
        # the artifacts: a table whose numbers are the dataset's, a markdown summary linking the output
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
        by_key = {a.key: a for a in arts}
        assert by_key[reporting.TABLE_KEY].type == "table" and by_key[reporting.MARKDOWN_KEY].type == "markdown"
        data = by_key[reporting.TABLE_KEY].data
        rows = json.loads(data) if isinstance(data, str) else data
        assert section(rows, "this run")["inputs"] == n_files
        assert section(rows, "dataset now") == {"articles": truth["articles"], "linked as duplicates": 0,
                                                "rejects": truth["rejects"]}
        assert truth["articles"] + truth["rejects"] == n_files
        assert section(rows, "articles by publisher") == truth["publishers"]
        assert section(rows, "articles by layout") == truth["layouts"]
        assert section(rows, "rejects by reason") == truth["reasons"]
        assert section(rows, "articles by year") == truth["years"]
        assert section(rows, "date coverage") == {"first month": truth["first month"], "last month": truth["last month"],
                                                  "months with articles": truth["months with articles"],
                                                  "undated articles": truth["undated"]}
        assert section(rows, "throughput")["batches"] == 4 and section(rows, "throughput")["files/s"] > 0
        md = by_key[reporting.MARKDOWN_KEY].data
        assert f"[file://{out}/articles](file://{out}/articles)" in md and f"**{n_files} inputs" in md
        # the terminal printed the same table
        for name, counts in (("articles by publisher", truth["publishers"]), ("rejects by reason", truth["reasons"])):
            assert name in p.stdout
            for item, value in counts.items():
                assert re.search(rf"{re.escape(item)}\s+{value}\b", p.stdout), (item, value)
        # the run logger, in the UI even with --quiet: one line per batch, one warning per reject with its reason
        def run_logs():
            found = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
            return found if any(lg.message.startswith("rejected ") for lg in found) else None

        logs = wait_until(run_logs, 30, "the run's logs")
        assert len([lg for lg in logs if re.match(r"batch \d+: \d+ files -> ", lg.message)]) == 4
        warnings = sorted(lg.message for lg in logs if lg.level == 30 and lg.message.startswith("rejected "))
        assert warnings == ["rejected mirror/427555.md.png: binary (PNG image (426 bytes))",
                            "rejected mirror/sedsrUKwT: empty (the file is empty)"]

        # lineage: the run materialized both datasets from the input folder
        keys = {assets.asset_key(str(out), "articles"), assets.asset_key(str(out), "rejects")}

        def materialized():
            page = client.read_events(filter=EventFilter(event=EventNameFilter(prefix=["prefect.asset."]),
                                                         resource=EventResourceFilter(id=sorted(keys))), limit=50)
            found = [e for e in page.events if e.resource.id in keys]
            return found if len(found) >= 2 else None

        events = wait_until(materialized, 30, "asset materialization events")
    assert {e.event for e in events} == {"prefect.asset.materialization.succeeded"}
    payload = {e.resource.id: e.payload for e in events}
    assert payload[assets.asset_key(str(out), "articles")]["rows"] == truth["articles"]
    assert payload[assets.asset_key(str(out), "rejects")]["rows"] == truth["rejects"]
    for e in events:
        assert assets.asset_key(str(sample_dir)) in {r.id for r in e.related if r.role == "asset"}


SERVE_CRON, SERVE_TZ = "15 4 1 1 *", "Asia/Shanghai"  # once a year: never due while the test runs


@pytest.mark.slow
def test_serve_registers_the_schedule_and_runs_one_at_a_time(prefect_server, sample_dir: Path,
                                                             tmp_path: Path) -> None:
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    out, name = tmp_path / "out", "ops-serve-test"
    env = {**prefect_server.env, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([str(BIN), "serve", str(sample_dir), str(out), "--cron", SERVE_CRON, "--timezone",
                             SERVE_TZ, "--name", name, "--workers", "1"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    try:
        with api(prefect_server) as client:
            def deployment():
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                try:
                    return client.read_deployment_by_name(f"{serve.FLOW_NAME}/{name}")
                except Exception:
                    return None

            dep = wait_until(deployment, 90, "the served deployment")
            (sched,) = dep.schedules
            assert (sched.schedule.cron, sched.schedule.timezone, sched.active) == (SERVE_CRON, SERVE_TZ, True)
            assert dep.global_concurrency_limit.limit == 1
            assert dep.concurrency_options.collision_strategy == ConcurrencyLimitStrategy.ENQUEUE
            assert dep.parameters == {"input_url": os.path.abspath(sample_dir), "output_url": str(out), "workers": 1}
            # two runs triggered through the API at once: both complete, one after the other
            triggered = [client.create_flow_run_from_deployment(dep.id) for _ in range(2)]

            def finished():
                runs = [client.read_flow_run(r.id) for r in triggered]
                return runs if all(r.state.is_final() for r in runs) else None

            runs = wait_until(finished, 150, "the triggered runs")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]
    with api(prefect_server) as client:  # SIGTERM paused the schedule; the next serve resumes it
        assert client.read_deployment(dep.id).paused
    assert all(r.state.is_completed() for r in runs), [(r.state.name, r.state.message) for r in runs]
    first, second = sorted(runs, key=lambda r: r.start_time)
    assert first.end_time <= second.start_time, "the runs overlapped"
    # the served runs wrote the datasets; the second found nothing new
    truth = dataset_numbers(out)
    n_files = sum(1 for f in sample_dir.rglob("*") if f.is_file())
    assert (truth["articles"], truth["rejects"]) == (n_files - 2, 2)
    logs = sorted((out / "_runs").glob("*.json"))
    assert len(logs) == 2
    assert [json.loads(p.read_text())["unchanged"] for p in logs] == [0, n_files]


@pytest.mark.slow
def test_prefect_deploy_creates_the_deployment_and_a_process_worker_runs_it(prefect_server, sample_dir: Path,
                                                                           tmp_path: Path) -> None:
    """`prefect deploy` with the repository's prefect.yaml, in a copy of the project layout."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "prefect.yaml", project / "prefect.yaml")
    (project / "flows").symlink_to(ROOT / "flows")
    (project / "sample").symlink_to(sample_dir)
    env = {**prefect_server.env, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}

    def prefect(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
        p = subprocess.run([str(PREFECT), *args], cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
        assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
        return p

    prefect("work-pool", "create", serve.WORK_POOL, "--type", "process")
    prefect("--no-prompt", "deploy", "--name", serve.DEPLOYMENT_NAME)
    with api(prefect_server) as client:
        d = client.read_deployment_by_name(f"{serve.FLOW_NAME}/{serve.DEPLOYMENT_NAME}")
        assert d.work_pool_name == serve.WORK_POOL and d.entrypoint == "flows/app/etl.py:etl_flow"
        (sched,) = d.schedules
        assert (sched.schedule.cron, sched.schedule.timezone) == (serve.DEFAULT_CRON, serve.DEFAULT_TIMEZONE)
        assert d.global_concurrency_limit.limit == 1
        assert d.parameters == {"input_url": "sample", "output_url": "data/clean"}
        assert d.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(project)}}]
        # a process worker picks up a triggered run and runs it in the project directory
        run = client.create_flow_run_from_deployment(d.id, parameters={"workers": 1})
        prefect("worker", "start", "--pool", serve.WORK_POOL, "--run-once", "--prefetch-seconds", "60")
        run = wait_until(lambda: (r := client.read_flow_run(run.id)).state.is_final() and r, 60, "the worker's run")
    assert run.state.is_completed(), run.state.message
    truth = dataset_numbers(project / "data" / "clean")
    assert (truth["articles"], truth["rejects"]) == (12, 2)
