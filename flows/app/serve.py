"""Run ``etl_flow`` on a schedule: ``news-etl serve`` and the ``prefect.yaml`` deployment.

``news-etl serve INPUT OUTPUT --cron "*/30 * * * *"`` registers the deployment
``news-etl/<name>`` with one cron schedule and a deployment concurrency limit
of 1, then polls for its runs and executes each in a subprocess until stopped.
The limit is enforced by the Prefect server, so two runs of the deployment
never overlap, whoever triggers them: a run that comes due while another is
running waits for it (``--overlap enqueue``, the default) or is cancelled
(``--overlap cancel``). When ``serve`` stops, the schedule is paused.

``prefect deploy`` (see ``prefect.yaml`` at the repository root) creates the
same deployment on a process work pool instead, for a ``prefect worker``.
"""
from __future__ import annotations

import os
from typing import Any

DEFAULT_CRON = "*/30 * * * *"
DEFAULT_TIMEZONE = "UTC"
DEPLOYMENT_NAME = "news-etl"
FLOW_NAME = "news-etl"
WORK_POOL = "news-etl-process"
OVERLAP = {"enqueue": "ENQUEUE", "cancel": "CANCEL_NEW"}


def absolute(url: str) -> str:
    """Local paths become absolute (runs execute in another process); URLs stay as they are."""
    return url if "://" in url else os.path.abspath(url)


def flow_parameters(input_url: str, output_url: str, batch_size: int | None = None, workers: int | None = None,
                    max_bytes: int | None = None, prune: bool = False, runner: str = "local",
                    address: str | None = None, table_format: str | None = None, verify_content: bool = False,
                    keep_stale_rules: bool = False) -> dict[str, Any]:
    params: dict[str, Any] = {"input_url": absolute(input_url), "output_url": absolute(output_url)}
    if runner != "local":
        params["runner"] = runner
    for key, value in (("batch_size", batch_size), ("workers", workers), ("max_bytes", max_bytes),
                       ("address", address), ("table_format", table_format)):
        if value is not None:
            params[key] = value
    for key, flag in (("prune", prune), ("verify_content", verify_content), ("keep_stale_rules", keep_stale_rules)):
        if flag:
            params[key] = True
    return params


def cron_schedule(cron: str, timezone: str | None = DEFAULT_TIMEZONE):
    """A validated cron schedule; ValueError with a readable message when it is not valid."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        raise ValueError("; ".join(e["msg"] for e in exc.errors())) from None
    return Cron(cron, timezone=timezone)


def concurrency(overlap: str = "enqueue"):
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy(OVERLAP[overlap]))


def serve(input_url: str, output_url: str, *, cron: str = DEFAULT_CRON, timezone: str | None = DEFAULT_TIMEZONE,
          name: str = DEPLOYMENT_NAME, overlap: str = "enqueue", paused: bool = False,
          **params: Any) -> None:
    """Register the deployment and execute its runs until interrupted.

    This is ``etl_flow.serve(...)`` spelled out with its ``Runner``, for one
    difference: SIGTERM (systemd, docker stop) takes the Ctrl-C path, so the
    schedule is paused on every kind of stop. Prefect 3.8.8's own SIGTERM
    handler exits without pausing it, and runs would pile up as Late.
    """
    import asyncio
    import signal

    from prefect.runner import Runner
    from prefect.settings import PREFECT_UI_URL
    from prefect.types.entrypoint import EntrypointType
    from rich.console import Console

    from flows.app.etl import etl_flow

    schedule = cron_schedule(cron, timezone)
    runner = Runner(name=name, pause_on_shutdown=True, limit=1)
    runner.handle_sigterm = lambda *_: os.kill(os.getpid(), signal.SIGINT)
    deployment_id = runner.add_flow(
        etl_flow,
        name=name,
        schedules=[schedule],
        paused=paused or None,
        concurrency_limit=concurrency(overlap),
        parameters=flow_parameters(input_url, output_url, **params),
        description=f"news-etl: clean {absolute(input_url)} into {absolute(output_url)} ({cron}, {timezone or 'UTC'})",
        tags=["news-etl"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    ui = PREFECT_UI_URL.value()
    Console().print(
        f"Serving deployment [bold]{etl_flow.name}/{name}[/]: {cron!r} in {timezone or 'UTC'}, one run at a time.\n"
        f"Trigger a run:  prefect deployment run '{etl_flow.name}/{name}'\n"
        + (f"Watch it:       {ui}/deployments/deployment/{deployment_id}\n" if ui else "")
        + "Stop with Ctrl-C or SIGTERM: the schedule is paused until serve runs again.", soft_wrap=True, highlight=False)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass
