"""``news-etl``: the command line.

    news-etl run INPUT OUTPUT [--batch-size N] [--workers N] [--max-bytes N] [--retain-versions 1h]
                   [--table-format parquet|delta]
    news-etl serve INPUT OUTPUT [--cron "*/30 * * * *"] [--timezone UTC] [--name news-etl]
    news-etl inspect FILE
    news-etl stats OUTPUT [--plot FILE.png]
    news-etl profile INPUT [--site KEY] [--sample N] [--write DIR] [--json]
    news-etl compact OUTPUT [--retain-versions 1h]

``serve`` registers a scheduled deployment of the same flow and executes its
runs until stopped (see flows/app/serve.py and docs/scheduling.md).

``run`` executes the Prefect flow ad hoc on the embedded default (a temporary
local Prefect server unless PREFECT_API_URL points elsewhere) and prints a
summary whose counts must add up.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path

from flows.app import runtime


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
    run.add_argument("--retain-versions", type=duration, default=None, metavar="DURATION",
                     help="keep a replaced version this long for readers that listed it (e.g. 3600s, 90m, 1h, 0; "
                          "default: 1h)")
    run.add_argument("--table-format", choices=("parquet", "delta"), default=None,
                     help="local output as versioned Parquet (default) or Delta Lake tables; object storage is "
                          "always Delta Lake")
    _add_change_args(run)
    _add_runner_args(run)
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    _add_verbosity(run)
    _add_serve_parser(sub)
    ins = sub.add_parser("inspect", help="show how one file is cleaned: layout, site, removed blocks, record, "
                                         "rules version")
    ins.add_argument("file", help="a raw file")
    ins.add_argument("--as", dest="source_path", default=None, help="source_path to report (default: file name)")
    cp = sub.add_parser("compact", help="merge small part files (no row changes) and remove what expired "
                                         "versions alone needed")
    cp.add_argument("output", help="an output folder or URL written by `news-etl run`")
    cp.add_argument("--retain-versions", type=duration, default=None, metavar="DURATION",
                    help="keep what versions younger than this need (default: 1h)")
    st = sub.add_parser("stats", help="rows by publisher and month, duplicates, flags, rejects by reason")
    st.add_argument("output", help="an output folder or URL written by `news-etl run`")
    st.add_argument("--plot", metavar="FILE.png", help="also draw the counts as a PNG chart")
    _add_profile_parser(sub)
    return parser


def _add_profile_parser(sub) -> None:
    pr = sub.add_parser("profile", help="report each site's pages, metadata and recurring boilerplate; "
                                        "draft site tables (read-only)")
    pr.add_argument("input", help="input folder or fsspec URL")
    pr.add_argument("--site", metavar="KEY", default=None,
                    help="profile only this site (its key, domain or mirror section); the draft is named KEY")
    pr.add_argument("--sample", metavar="N", type=int, default=None, help="profile a seeded random sample of N files")
    pr.add_argument("--seed", type=int, default=0, help="seed of the sample and of the before/after pages (default 0)")
    pr.add_argument("--write", metavar="DIR", default=None,
                    help="write a draft site table DIR/KEY.toml and a before/after sample DIR/KEY.sample.md per site")
    pr.add_argument("--min-share", type=float, default=0.05,
                    help="a recurring block or shape must be in this share of a site's distinct pages (and >= 3)")
    pr.add_argument("--workers", type=int, default=None, help="parallel worker processes (default: all cores)")
    pr.add_argument("--json", action="store_true", help="print the profile as JSON")
    pr.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def duration(text: str) -> float:
    """Seconds in '3600', '3600s', '90m', '1h' or '2d'."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    scale = units.get(text[-1:], None)
    try:
        value = float(text[:-1] if scale else text) * (scale or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (use e.g. 3600s, 90m, 1h)") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a duration cannot be negative")
    return value


def _add_runner_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runner", choices=("local", "dask", "ray"), default="local",
                   help="where batches run: local processes (default), a Dask or a Ray cluster")
    p.add_argument("--address", default=None,
                   help="cluster address for --runner dask (tcp://host:8786) or ray (ray://host:10001)")


def _add_serve_parser(sub) -> None:
    from flows.app.serve import DEFAULT_CRON, DEFAULT_TIMEZONE, DEPLOYMENT_NAME, OVERLAP

    sv = sub.add_parser("serve", help="run the flow on a cron schedule (a Prefect deployment served from here)")
    sv.add_argument("input", help="input folder or fsspec URL")
    sv.add_argument("output", help="output folder or fsspec URL")
    sv.add_argument("--cron", default=DEFAULT_CRON, help=f"cron schedule (default: {DEFAULT_CRON!r})")
    sv.add_argument("--timezone", default=DEFAULT_TIMEZONE,
                    help=f"IANA time zone the cron schedule is read in (default: {DEFAULT_TIMEZONE})")
    sv.add_argument("--name", default=DEPLOYMENT_NAME, help=f"deployment name (default: {DEPLOYMENT_NAME})")
    sv.add_argument("--overlap", choices=sorted(OVERLAP), default="enqueue",
                    help="a run due while another runs waits for it (enqueue, default) or is cancelled")
    sv.add_argument("--paused", action="store_true", help="register the schedule paused (runs only when triggered)")
    sv.add_argument("--batch-size", type=int, default=None, help="files per task (default: automatic)")
    sv.add_argument("--workers", type=int, default=None, help="parallel worker processes (default: all cores)")
    sv.add_argument("--max-bytes", type=int, default=None, help="reject files larger than this (default: 64 MiB)")
    sv.add_argument("--prune", action="store_true", help="remove records whose input file has disappeared")
    sv.add_argument("--table-format", choices=("parquet", "delta"), default=None,
                    help="local output as versioned Parquet (default) or Delta Lake tables")
    _add_change_args(sv)
    _add_runner_args(sv)
    _add_verbosity(sv)


def cmd_serve(args: argparse.Namespace) -> int:
    runtime.configure(_verbosity(args))
    from flows.app.serve import cron_schedule, serve

    try:
        cron_schedule(args.cron, args.timezone)
    except ValueError as exc:
        print(f"news-etl: invalid --cron/--timezone: {exc}", file=sys.stderr)
        return 2
    serve(args.input, args.output, cron=args.cron, timezone=args.timezone, name=args.name, overlap=args.overlap,
          paused=args.paused, batch_size=args.batch_size, workers=args.workers, max_bytes=args.max_bytes,
          prune=args.prune, runner=args.runner, address=args.address, table_format=args.table_format,
          verify_content=args.verify_content, keep_stale_rules=args.keep_stale_rules)
    return 0


def _verbosity(args: argparse.Namespace) -> int:
    return -1 if getattr(args, "quiet", False) else 1 if getattr(args, "verbose", False) else 0


def _add_change_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verify-content", action="store_true",
                   help="hash every file instead of trusting an unchanged size and modification time "
                        "(for filesystems with unreliable mtimes)")
    p.add_argument("--keep-stale-rules", action="store_true",
                   help="do not clean again records made by another version of the cleaning rules")


def _new_output(output: str) -> bool:
    """A local output that does not exist yet or is an empty folder: a first run, where every file is work."""
    if "://" in output and not output.startswith("file://"):
        return False
    path = Path(output.removeprefix("file://"))
    try:
        return not path.exists() or (path.is_dir() and not any(path.iterdir()))
    except OSError:
        return False


def cmd_run(args: argparse.Namespace) -> int:
    runtime.configure(_verbosity(args))
    if args.batch_size is not None and args.batch_size < 1:
        print("news-etl: --batch-size must be at least 1", file=sys.stderr)
        return 2
    if "://" not in args.input and not Path(args.input).exists():
        print(f"news-etl: input not found: {args.input}", file=sys.stderr)  # before paying for Prefect
        return 2
    if args.table_format == "parquet" and "://" in args.output and not args.output.startswith("file://"):
        print(f"news-etl: {args.output}: versioned Parquet needs a local filesystem; object storage is written "
              "as Delta Lake tables (--table-format delta)", file=sys.stderr)
        return 2
    from flows.app import temp_server
    from flows.inputs.listing import list_ahead

    # Before importing Prefect: the server's start-up overlaps the imports below, and the
    # input's listing overlaps the wait for the server.
    server = temp_server.start_early()
    list_ahead(args.input, in_child=server is None)  # a child only where no server start-up waits for a core
    from flows.app import reporting
    from flows.app.etl import DEFAULT_MAX_BYTES, etl_flow
    from flows.app.report import RunSummary

    reporting.enable_progress(not args.quiet and not args.json and sys.stderr.isatty())
    from flows.store.interface import OutputLocked, SchemaMismatch

    if server is not None and args.runner == "local" and (args.full_refresh or _new_output(args.output)):
        # Every file is work: the workers' fork server imports the cleaning code while this
        # process waits for the API, on the core the wait leaves idle (the flow starts it anyway).
        from flows.run.pool import start_server

        start_server()

    try:
        with temp_server.use(server):
            summary = etl_flow(args.input, args.output, batch_size=args.batch_size, workers=args.workers,
                               max_bytes=args.max_bytes or DEFAULT_MAX_BYTES, full_refresh=args.full_refresh,
                               prune=args.prune, runner=args.runner, address=args.address,
                               table_format=args.table_format, verify_content=args.verify_content,
                               keep_stale_rules=args.keep_stale_rules,
                               **({} if args.retain_versions is None else {"retain_seconds": args.retain_versions}))
    except FileNotFoundError as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 2
    except temp_server.ServerStartError as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 1
    except OutputLocked as exc:  # also ConcurrentWrite: another run committed first
        print(f"news-etl: {exc}", file=sys.stderr)
        return 3

    except SchemaMismatch as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 4
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        fields = {k: summary[k] for k in RunSummary.__dataclass_fields__}
        print(reporting.format_report(RunSummary(**fields)))
        print(f"output: {args.output}/articles, {args.output}/rejects, "
              f"{args.output}/_runs/{summary['run_id']}.json")
    return 0 if summary["accounted"] else 1


def cmd_inspect(args: argparse.Namespace) -> int:
    from transforms.pipeline import Trace, clean_document
    from transforms.records import Record

    path = Path(args.file)
    trace = Trace()
    doc = clean_document(path.read_bytes(), args.source_path or path.name, trace=trace)
    from transforms.rules_version import rules_version

    print(f"rules:    {rules_version()}")  # what the records' rules_version column says
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


def cmd_compact(args: argparse.Namespace) -> int:
    from flows.store.interface import DEFAULT_RETAIN_SECONDS, OutputLocked
    from flows.store.open import open_store

    retain = DEFAULT_RETAIN_SECONDS if args.retain_versions is None else args.retain_versions
    try:
        result = open_store(args.output).compact(retain)
    except OutputLocked as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(result, indent=1))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from flows.app.chart import plot
    from flows.app.stats import collect, format_stats

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


def cmd_profile(args: argparse.Namespace) -> int:
    import time

    from flows.app.profile import profile, write_drafts
    from transforms.profile.report import format_profile, profile_dict

    if args.sample is not None and args.sample < 1:
        print("news-etl: --sample must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    show = not args.quiet and not args.json and sys.stderr.isatty()
    try:
        result = profile(args.input, site=args.site, sample=args.sample, seed=args.seed, workers=args.workers,
                         progress=show, min_share=args.min_share)
    except FileNotFoundError as exc:
        print(f"news-etl: {exc}", file=sys.stderr)
        return 2
    if args.site is not None and not result.sites:
        print(f"news-etl: no page of site {args.site!r} in {args.input} (sites: run without --site)", file=sys.stderr)
        return 2
    if args.write:
        write_drafts(result, args.write, workers=args.workers or None, progress=show, min_pages=1 if args.site else 3)
    meta = {"input": args.input, "files": result.files, "sampled": result.sampled, "seed": result.seed,
            "rejects": dict(result.rejects), "seconds": time.perf_counter() - started, "written": result.written}
    if args.json:
        print(json.dumps(profile_dict(meta, result.sites, result.effects), ensure_ascii=False, indent=1, default=str))
    else:
        print(format_profile(meta, result.sites, result.effects))
    return 0


def main(argv: list[str] | None = None) -> int:
    runtime.prefer_jemalloc()  # before anything imports pyarrow
    args = build_parser().parse_args(argv)
    handler = {"run": cmd_run, "serve": cmd_serve, "inspect": cmd_inspect, "stats": cmd_stats, "profile": cmd_profile,
               "compact": cmd_compact}[args.command]
    return handler(args)


def entry() -> int:
    """The ``news-etl`` console script: :func:`main`, then an exit that skips a last full collection.

    At exit CPython collects the garbage of the whole heap once more, Prefect's
    imports and all: ~0.45 s of a bench-corpus run (0.72 s from ``main``'s return to
    the process's end, 0.22-0.26 s with the heap frozen). Frozen objects are
    still freed as the interpreter tears down, and exit handlers still run; only
    the cycle search is skipped, for a process that is about to end anyway.
    Tests call :func:`main`, and keep a collector that works.
    """
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(entry())
