"""What a run did, for people: the report table, Prefect artifacts, reject
warnings and the terminal progress bar.

One list of rows (section, item, value) built from the
:class:`~flows.app.report.RunSummary` is the only rendering of a run: it is the
table artifact every run leaves in Prefect, the table ``news-etl run`` prints
and the flow logs, and the markdown artifact (the same rows as markdown
tables, under links to the output), so the UI, the log and the terminal show
the same numbers.
"""
from __future__ import annotations

import io
import logging
import sys
from collections.abc import Sequence

from flows.app.assets import location
from flows.app.chart import create_chart_artifact
from flows.app.progress import ProgressBar
from flows.app.report import RunSummary

TABLE_KEY = "news-etl-run-report"
MARKDOWN_KEY = "news-etl-run-summary"
# Sections of the printed table longer than this end in one "other (N)" row.
PRINT_LIMIT = 20

_progress_enabled = False


# -- the report --------------------------------------------------------------
def _breakdown(section: str, counts: dict[str, int], limit: int | None, sort_keys: bool = False) -> list[dict]:
    items = sorted(counts.items()) if sort_keys else sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if limit is not None and len(items) > limit:
        rest = items[limit - 1:]
        items = [*items[:limit - 1], (f"other ({len(rest)})", sum(v for _, v in rest))]
    if not items:
        return [{"section": section, "item": "(none)", "value": 0}]
    return [{"section": section, "item": k, "value": v} for k, v in items]


def date_coverage(months: dict[str, int]) -> dict[str, str | int]:
    dated = sorted(m for m in months if m != "undated")
    return {
        "first month": dated[0] if dated else "-",
        "last month": dated[-1] if dated else "-",
        "months with articles": len(dated),
        "undated articles": months.get("undated", 0),
    }


def report_rows(s: RunSummary, limit: int | None = None) -> list[dict]:
    """The run report as rows of ``section``, ``item``, ``value``.

    Breakdowns (publisher, layout, reasons, dates, flags) cover the files
    cleaned by this run; "dataset now" counts what the live version holds.
    ``limit`` folds the tail of long breakdowns into one "other" row.
    """
    def section(name: str, items: dict) -> list[dict]:
        return [{"section": name, "item": k, "value": v} for k, v in items.items()]

    years: dict[str, int] = {}
    for month, n in s.months.items():
        year = month.split("-")[0]
        years[year] = years.get(year, 0) + n
    return [
        *section("this run", {"inputs": s.inputs, "articles": s.articles, "rejects": s.rejects, "new": s.new,
                              "changed": s.changed, "re-cleaned (rules)": s.stale_rules, "unchanged": s.unchanged,
                              "files opened": s.files_opened, "gone but kept": s.missing,
                              "removed": s.removed, "errors": s.errors}),
        *section("dataset now", {"articles": s.articles_total, "linked as duplicates": s.duplicates_total,
                                 "rejects": s.rejects_total}),
        *_breakdown("articles by publisher", s.publishers, limit),
        *_breakdown("articles by layout", s.layouts, limit),
        *_breakdown("rejects by reason", s.reject_reasons, limit),
        *section("date coverage", date_coverage(s.months)),
        *_breakdown("articles by year", years, limit, sort_keys=True),
        *_breakdown("quality flags", s.flags, limit),
        *section("throughput", {"seconds": round(s.seconds, 2), "files/s": round(s.files_per_second, 1),
                                "batches": s.batches, "workers": s.workers}),
    ]


def headline(s: RunSummary) -> str:
    status = "all accounted for" if s.accounted else "COUNTS DO NOT ADD UP"
    return f"run {s.run_id}: {s.inputs} inputs = {s.articles} articles + {s.rejects} rejects ({status}), {s.mode}"


def format_report(s: RunSummary, limit: int | None = PRINT_LIMIT) -> str:
    """The headline and the report table as plain text (CJK-width aware)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("section")
    table.add_column("item", overflow="fold", max_width=60)
    table.add_column("value", justify="right")
    previous = None
    for row in report_rows(s, limit):
        if previous is not None and row["section"] != previous:
            table.add_section()
        table.add_row(row["section"] if row["section"] != previous else "", str(row["item"]), _fmt(row["value"]))
        previous = row["section"]
    buf = io.StringIO()
    Console(file=buf, width=120, color_system=None, force_terminal=False, soft_wrap=False).print(table)
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    return "\n".join([headline(s), *lines])


def _fmt(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def output_links(s: RunSummary) -> dict[str, str]:
    root = location(s.output_url)
    return {"articles": f"{root}/articles", "rejects": f"{root}/rejects", "run log": f"{root}/_runs/{s.run_id}.json"}


def markdown_report(s: RunSummary, top: int = 10) -> str:
    """The headline, links to the output, and the report rows as markdown tables (one per section)."""
    links = output_links(s)
    status = "all accounted for" if s.accounted else "**counts do not add up**"

    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# news-etl run `{s.run_id}`",
        "",
        f"**{s.inputs} inputs = {s.articles} articles + {s.rejects} rejects** ({status}); {s.mode}.",
        "",
        "| output | location |",
        "|---|---|",
        *[f"| {name} | [{url}]({url}) |" for name, url in links.items()],
        "",
        f"Input: `{location(s.input_url)}`",
    ]
    previous = None
    for row in report_rows(s, limit=top):
        if row["section"] != previous:
            lines += ["", f"| {cell(row['section'])} | |", "|---|--:|"]
            previous = row["section"]
        lines.append(f"| {cell(row['item'])} | {_fmt(row['value'])} |")
    return "\n".join([*lines, "", f"Every count is in the table artifact `{TABLE_KEY}`."])


def create_artifacts(s: RunSummary) -> None:
    """The table, markdown and chart artifacts of the current flow run.

    A failure to create them is logged, not raised: the data is already
    published and the run log written by then.
    """
    from prefect import get_run_logger
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    try:
        create_table_artifact(report_rows(s), key=TABLE_KEY,
                              description=f"news-etl run {s.run_id}: counts into {location(s.output_url)}")
        create_markdown_artifact(markdown_report(s), key=MARKDOWN_KEY,
                                 description=f"news-etl run {s.run_id} summary")
        create_chart_artifact(s.output_url, s.run_id)
    except Exception as exc:  # reporting must not fail a run whose data is published
        get_run_logger().warning("could not create the run report artifacts: %s: %s", type(exc).__name__, exc)


# -- reject warnings -----------------------------------------------------------
def log_rejects(logger: logging.Logger | logging.LoggerAdapter, result) -> None:
    """One warning per rejected file the batch names (its path, reason and detail), then how many more."""
    for path, reason, detail in result.reject_examples:
        logger.warning("rejected %s: %s (%s)", path, reason, detail)
    more = result.rejects - len(result.reject_examples)
    if more > 0:
        logger.warning("batch %d: %d more file(s) rejected; every reject is in the rejects dataset", result.batch_no,
                       more)


# -- progress --------------------------------------------------------------------
def enable_progress(on: bool) -> None:
    """Show a progress bar while batches run (the CLI turns it on for a terminal)."""
    global _progress_enabled
    _progress_enabled = on


def wait_for(futures: Sequence, sizes: Sequence[int]) -> list:
    """Results of ``futures`` in submission order; with the progress bar on, a
    bar advances as each batch finishes (batches done / total, files/s).

    The bar is decoration: if it cannot start, the run goes on without it.
    """
    bar = None
    if _progress_enabled and futures:
        try:
            bar = ProgressBar(len(futures), sum(sizes), console=_log_console())
        except Exception:  # a terminal or theme problem must not fail a run
            bar = None
    if bar is not None:
        from prefect.futures import as_completed

        try:
            for future in as_completed(list(futures)):
                bar.advance(future.result().inputs)
        finally:
            bar.stop()
    return [f.result() for f in futures]


def _log_console():
    """The rich console Prefect's console log handler prints to: the bar draws
    on it, so log lines land above the bar instead of through it."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, PrefectConsoleHandler) and handler.stream in (sys.stderr, sys.__stderr__):
                return handler.console
    return None
