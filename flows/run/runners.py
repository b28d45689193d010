"""Where the batches run is configuration, not code.

- ``local`` (default): Prefect's thread-pool task runner schedules the batch
  tasks, and the CPU-bound cleaning runs in a pool of worker processes (flows/run/pool.py) with one
  process per core;
- ``dask``: prefect-dask's ``DaskTaskRunner`` against an existing cluster
  (``--address tcp://scheduler:8786``) or a local one it starts;
- ``ray``: prefect-ray's ``RayTaskRunner`` (optional extra ``news-etl[ray]``).

On a cluster, workers receive file references and read the inputs themselves,
so INPUT and OUTPUT must be storage every worker can reach (a shared
filesystem or object storage such as ``s3://``).
"""
from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

RUNNERS = ("local", "dask", "ray")


def make_task_runner(kind: str, workers: int, address: str | None) -> TaskRunner:
    if kind == "local":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:  # pragma: no cover - prefect-dask is a core dependency
            raise RuntimeError("the dask runner needs prefect-dask: pip install 'news-etl[dask]'") from exc
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    if kind == "ray":
        try:
            from prefect_ray import RayTaskRunner
        except ImportError as exc:
            raise RuntimeError("the ray runner needs prefect-ray: pip install 'news-etl[ray]'") from exc
        return RayTaskRunner(address=address) if address else RayTaskRunner()
    raise ValueError(f"unknown runner {kind!r}; choose one of {', '.join(RUNNERS)}")
