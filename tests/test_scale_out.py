"""Scale-out: the Dask runner against a real distributed.LocalCluster, and
object storage through a local S3-compatible server (moto) on loopback."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.test_incremental import CONTENT, cli, reject_paths, rows, summary_of


@pytest.fixture(scope="module")
def dask_cluster(prefect_server):
    distributed = pytest.importorskip("distributed")
    # workers report task runs to the same Prefect API as the flow
    old = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = prefect_server.api_url
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    yield cluster
    cluster.close()
    if old is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = old


def test_dask_runner_output_is_identical(prefect_server, dask_cluster, sample_dir: Path, tmp_path: Path) -> None:
    local, remote = tmp_path / "local", tmp_path / "dask"
    import distributed

    a = summary_of(cli(prefect_server, str(sample_dir), str(local)))
    with distributed.Client(dask_cluster) as client:
        before = client.run(_executed)
        p = cli(prefect_server, str(sample_dir), str(remote), "--runner", "dask", "--address",
                dask_cluster.scheduler_address, "--batch-size", "3")
        b = summary_of(p)
        after = client.run(_executed)
    assert b["batches"] == 5 and b["inputs"] == a["inputs"]
    assert rows(remote) == rows(local)
    assert reject_paths(remote) == reject_paths(local)
    # the batches ran on the cluster's worker processes, not in the flow's process
    ran = {worker: after[worker] - before.get(worker, 0) for worker in after}
    assert sum(ran.values()) == b["batches"], ran


def _executed(dask_worker) -> int:
    """How many tasks this Dask worker has executed so far."""
    return dask_worker.state.executed_count


def test_s3_input_and_output(prefect_server, s3, sample_dir: Path, tmp_path: Path) -> None:
    fs, env = s3
    fs.put(str(sample_dir), "news/in", recursive=True)
    local = tmp_path / "local"
    a = summary_of(cli(prefect_server, str(sample_dir), str(local)))
    b = summary_of(cli(prefect_server, "s3://news/in", "s3://news/out", extra_env=env))
    assert (b["inputs"], b["articles"], b["rejects"]) == (a["inputs"], a["articles"], a["rejects"])
    # Delta Lake tables: a commit log, no pointer object of our own
    assert fs.exists("news/out/articles/_delta_log/00000000000000000000.json") and not fs.exists("news/out/_CURRENT")
    assert fs.exists(f"news/out/_runs/{b['run_id']}.json")
    from schemas.read import articles_dataset

    table = articles_dataset("s3://news/out").to_table(columns=CONTENT)
    assert sorted(tuple(r[c] for c in CONTENT) for r in table.to_pylist()) == rows(local)
    # a second run over the same objects changes nothing
    c = summary_of(cli(prefect_server, "s3://news/in", "s3://news/out", extra_env=env))
    assert c["unchanged"] == c["inputs"]
    shutil.rmtree(local)
