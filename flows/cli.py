"""``news-etl``: the command line.

    news-etl run INPUT OUTPUT [--batch-size N] [--workers N] [--max-bytes N]
    news-etl inspect FILE
    news-etl stats OUTPUT [--plot FILE.png]

``run`` executes the Prefect flow ad hoc on the embedded default (a temporary
local Prefect server unless PREFECT_API_URL points elsewhere) and prints a
summary whose counts must add up.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flows import runtime


def _add_verbosity(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="only warnings and the final summary")
    g.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="news-etl", description="Raw news files to clean Parquet datasets.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="clean every file under INPUT into datasets under OUTPUT")
    run.add_argument("input", help="input folder or fsspec URL")
    run.add_argument("output", help="output folder or fsspec URL")
    run.add_argument("--batch-size", type=int, default=None, help="files per task (default: automatic)")
    run.add_argument("--workers", type=int, default=None, help="parallel worker processes (default: all cores)")
    run.add_argument("--max-bytes", type=int, default=None,
                     help="reject files larger than this as too_large (default: 64 MiB)")
    run.add_argument("--full-refresh", action="store_true", help="rebuild the datasets from the input alone")
    run.add_argument("--prune", action="store_true",
                     help="remove records whose input file has disappeared (kept by default)")
    run.add_argument("--runner", choices=("local", "dask", "ray"), default="local",
                     help="where batches run: local processes (default), a Dask or a Ray cluster")
    run.add_argument("--address", default=None,
                     help="cluster address for --runner dask (tcp://host:8786) or ray (ray://host:10001)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    _add_verbosity(run)
    ins = sub.add_parser("inspect", help="show how one file is cleaned: layout, site, removed blocks, record")
    ins.add_argument("file", help="a raw file")
    ins.add_argument("--as", dest="source_path", default=None, help="source_path to report (default: file name)")
    st = sub.add_parser("stats", help="rows by publisher and month, duplicates, flags, rejects by reason")
    st.add_argument("output", help="an output folder or URL written by `news-etl run`")
    st.add_argument("--plot", metavar="FILE.png", help="also draw the counts as a PNG chart")
    return parser


def _verbosity(args: argparse.Namespace) -> int:
    return -1 if getattr(args, "quiet", False) else 1 if getattr(args, "verbose", False) else 0


def cmd_run(args: argparse.Namespace) -> int:
    runtime.configure(_verbosity(args))
    from flows.etl import DEFAULT_MAX_BYTES, etl_flow
    from flows.report import RunSummary, format_summary

    if args.batch_size is not None and args.batch_size < 1:
        print("news-etl: --batch-size must be at least 1", file=sys.stderr)
        return 2
    from flows.store import OutputLocked

    try:
        summary = etl_flow(args.input, args.output, batch_size=args.batch_size, workers=args.workers,
                           max_bytes=args.max_bytes or DEFAULT_MAX_BYTES, full_refresh=args.full_refresh,
                           prune=args.prune, runner=args.runner, address=args.address)
    except FileNotFoundError as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 2
    except OutputLocked as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        fields = {k: summary[k] for k in RunSummary.__dataclass_fields__}
        print(format_summary(RunSummary(**fields)))
        print(f"output: {args.output}/articles (hive-partitioned Parquet), {args.output}/rejects, "
              f"{args.output}/_runs/{summary['run_id']}.json")
    return 0 if summary["accounted"] else 1


def cmd_inspect(args: argparse.Namespace) -> int:
    from transforms.pipeline import Trace, clean_document
    from transforms.records import Record

    path = Path(args.file)
    trace = Trace()
    doc = clean_document(path.read_bytes(), args.source_path or path.name, trace=trace)
    if not isinstance(doc, Record):
        print(f"REJECT {doc.reason}: {doc.detail}")
        return 0
    print(f"layout:   {trace.layout}\nsite:     {trace.site}\nencoding: {trace.encoding}")
    print(f"removed ({len(trace.removed)}):")
    for rule, snippet in trace.removed:
        print(f"  [{rule}] {snippet}")
    record = {k: v for k, v in doc.__dict__.items() if k != "text"}
    record["published_at"] = doc.published_at.isoformat() if doc.published_at else None
    record["images"] = [i.__dict__ for i in doc.images]
    print("record:")
    print(json.dumps(record, ensure_ascii=False, indent=1))
    print("text:")
    print(doc.text)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from flows.stats import collect, format_stats, plot

    try:
        s = collect(args.output)
    except (FileNotFoundError, OSError) as exc:
        print(f"news-etl: no dataset at {args.output}: {exc}", file=sys.stderr)
        return 2
    print(format_stats(s))
    if args.plot:
        plot(s, args.plot)
        print(f"chart written to {args.plot}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"run": cmd_run, "inspect": cmd_inspect, "stats": cmd_stats}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
