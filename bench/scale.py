#!/usr/bin/env python
"""Does a run's cost follow the change or the corpus? The growing-folder benchmark.

    python bench/scale.py [--scale 1 10] [--trafilatura-sample 600] [--json OUT] [--keep]
    python bench/scale.py --scale 35          # ~1M files: about 10 GB of disk and a long wait

For each scale N it builds a corpus of N copies of the bench corpus
(``copy000/``, ``copy001/`` …), each file with a unique comment appended so that
no two inputs have the same bytes, and measures with the installed ``news-etl``:

* the first run (fresh output): seconds, files/s, and the peak memory of the whole
  process tree (CLI/flow, workers, Prefect's temporary server) as PSS, so pages a
  forked worker shares with its parent count once;
* a no-op rerun (nothing changed);
* a rerun after 1 % of the files changed (a second comment appended, spread evenly);
* a rerun after a rules change (an extra, harmless site table through
  ``NEWS_ETL_SITES``): the records made by other rules are cleaned again;
* files opened by each run (from the run log, where it says), and Parquet files per
  ``year/month`` partition after the first run (max and median).

The trafilatura rate is measured on a sample of the same corpus in the same
invocation, for the ratio, because machines differ by up to 2x between sessions.
It prints a table and checks the issue's targets; ``--json`` keeps every number.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import (  # a sibling script, not a package
    DEFAULT_ANCHOR,
    DEFAULT_CORPUS,
    anchor,
    git_state,
    link_subset,
    list_files,
    run_tree,
    spread,
    unpack,
    wait_idle,
)

TARGETS = {
    "pss_x10_over_x1": 1.25,      # peak process-tree memory at x10 <= 1.25 x the x1 figure
    "pss_x35_mb": 1536,           # and <= 1.5 GB at x35
    "noop_share": 0.03,           # no-op rerun at x10 <= 3 % of the first run, opening no input file (issue 22)
    "changed_1pct_share": 0.08,   # 1 % changed at x10 <= 8 % of the first run (issue 22)
    "vs_trafilatura": 20.0,       # first-run throughput at x10 >= 20 x trafilatura 2.3.1 (issue 22)
    "files_per_partition_per_worker": 2,  # Parquet files per year/month <= 2 x workers
}
# A site table that matches no page: loading it changes the rule tables, so the output
# of a rules-aware run must not change, but every record was made by other rules.
_RULES_PROBE = 'key = "scale-bench-probe"\npublisher = "扩展基准探针"\ndomains = ["scale-bench-probe.invalid"]\n'


def build_corpus(src_root: Path, dest: Path, copies: int) -> int:
    """``copies`` copies of every file, each with a comment that makes its bytes unique."""
    files = list_files(src_root)
    n = 0
    for c in range(copies):
        for f in files:
            target = dest / f"copy{c:03d}" / f.relative_to(src_root)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = f.read_bytes()
            target.write_bytes(data + f"\n<!-- news-etl scale copy {c} of {f.name} -->\n".encode())
            n += 1
    return n


def touch_fraction(root: Path, share: float, tag: str) -> int:
    """Append a comment to ``share`` of the files, evenly spread; the number changed."""
    files = list_files(root)
    chosen = spread(files, max(1, int(len(files) * share)))
    for f in chosen:
        with f.open("ab") as fh:
            fh.write(f"\n<!-- changed: {tag} -->\n".encode())
    return len(chosen)


def parts_per_partition(out: Path) -> dict:
    counts = [sum(1 for _ in month.glob("*.parquet"))
              for month in (out / "articles").glob("year=*/month=*") if month.is_dir()]
    if not counts:
        return {"partitions": 0, "max": 0, "median": 0}
    return {"partitions": len(counts), "max": max(counts), "median": statistics.median(counts)}


def last_run_log(out: Path) -> dict:
    logs = sorted((out / "_runs").glob("*.json"))
    return json.loads(logs[-1].read_text(encoding="utf-8")) if logs else {}


def one_run(cli: str, raw: Path, out: Path, work: Path, name: str, env: dict, extra: list[str] = ()) -> dict:
    log = work / f"log-{name}.txt"
    r = run_tree([cli, "run", str(raw), str(out), "-q", *extra], log, env=env, timeout=6 * 3600, pss=True)
    run = last_run_log(out)
    row = {"name": name, "rc": r["rc"], "seconds": round(r["seconds"], 2), "peak_pss_mb": round(r["peak_rss_mb"]),
           "peak_pss_mb_by_role": r["peak_rss_mb_by_role"], "at_peak_pss_mb_by_role": r["at_peak_mb_by_role"],
           "peak_at_seconds": r["peak_at_seconds"], "cpu_seconds": round(r["cpu_seconds"], 1),
           "other_load": round(r["other_load"], 2), "inputs": run.get("inputs"), "new": run.get("new"),
           "changed": run.get("changed"), "unchanged": run.get("unchanged"),
           "files_opened": run.get("files_opened"), "recleaned_rules": run.get("stale_rules"), "log": str(log)}
    if r["rc"] != 0:
        print(f"  !! {name}: exit {r['rc']}; see {log}", file=sys.stderr)
        print("\n".join(log.read_text(errors="replace").splitlines()[-12:]), file=sys.stderr)
    return row


RUNS = ("first run", "no-op rerun", "1 % changed", "rules changed")


def measure_scale(cli: str, bench_root: Path, work: Path, scale: int, env: dict, idle: float,
                  runs: tuple[str, ...] = RUNS) -> dict:
    raw = work / f"raw-x{scale}"
    out = work / f"out-x{scale}"
    t0 = time.perf_counter()
    n = build_corpus(bench_root, raw, scale)
    print(f"x{scale}: {n} files built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    rows = {}
    for name, prepare, extra_env in (
        ("first run", None, {}),
        ("no-op rerun", None, {}),
        ("1 % changed", lambda: touch_fraction(raw, 0.01, f"x{scale}"), {}),
        ("rules changed", None, {"NEWS_ETL_SITES": str(work / "probe-sites")}),
    ):
        if name not in runs:
            continue
        changed = prepare() if prepare else 0
        wait_idle(idle)
        row = one_run(cli, raw, out, work, f"x{scale}-{name.replace(' ', '_').replace('%', 'pct')}",
                      {**env, **extra_env})
        row["files_touched"] = changed
        rows[name] = row
        print(f"  {name}: {row['seconds']} s, peak PSS {row['peak_pss_mb']} MB, rc {row['rc']}", file=sys.stderr)
        if name == "first run":
            rows["parts"] = parts_per_partition(out)
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return {"scale": scale, "files": n, **rows}


def trafilatura_rate(anchor_py: Path, bench_root: Path, work: Path, sample: int) -> float | None:
    files = spread(list_files(bench_root), sample)
    sub = link_subset(files, bench_root, work / "traf-sample")
    try:
        m = anchor(anchor_py, "trafilatura", sub, work, "trafilatura-sample")
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"  !! trafilatura sample: {exc}", file=sys.stderr)
        return None
    return m.files_per_s


def _fmt(v, spec: str = "") -> str:
    return "-" if v is None else format(v, spec)


def report(results: dict, workers: int) -> str:
    lines = [f"{'scale':>5} {'files':>8} {'run':<14} {'seconds':>8} {'files/s':>8} {'share':>6} {'PSS MB':>7} "
             f"{'opened':>8} {'cleaned':>8} {'re-rules':>8}"]
    traf = results.get("trafilatura_files_per_s")
    for s in results["scales"]:
        first = s["first run"]["seconds"]
        for name in RUNS:
            if name not in s:
                continue
            r = s[name]
            cleaned = (r["new"] or 0) + (r["changed"] or 0) if r["new"] is not None else None
            lines.append(f"{'x' + str(s['scale']):>5} {s['files']:>8} {name:<14} {r['seconds']:>8.1f} "
                         f"{s['files'] / r['seconds']:>8.0f} {r['seconds'] / first:>6.0%} {r['peak_pss_mb']:>7} "
                         f"{_fmt(r['files_opened']):>8} {_fmt(cleaned):>8} {_fmt(r['recleaned_rules']):>8}")
        p = s["parts"]
        lines.append(f"{'':>5} parquet files per year/month partition: max {p['max']}, median {p['median']} "
                     f"over {p['partitions']} partitions")
    if traf:
        lines.append(f"trafilatura on a sample, same invocation: {traf:.0f} files/s")
    lines.append("targets: " + "  ".join(check_targets(results, workers)))
    return "\n".join(lines)


def check_targets(results: dict, workers: int) -> list[str]:
    by = {s["scale"]: s for s in results["scales"]}
    out = []

    def verdict(ok: bool, text: str) -> str:
        return f"[{'PASS' if ok else 'MISS'}] {text}"

    if 1 in by and 10 in by:
        ratio = by[10]["first run"]["peak_pss_mb"] / max(1, by[1]["first run"]["peak_pss_mb"])
        out.append(verdict(ratio <= TARGETS["pss_x10_over_x1"], f"PSS x10/x1 {ratio:.2f}"))
    if 35 in by:
        mb = by[35]["first run"]["peak_pss_mb"]
        out.append(verdict(mb <= TARGETS["pss_x35_mb"], f"PSS x35 {mb} MB"))
    big = by.get(10) or by[max(by)]
    first = big["first run"]["seconds"]
    if "no-op rerun" in big:
        noop = big["no-op rerun"]
        out.append(verdict(noop["seconds"] / first <= TARGETS["noop_share"] and noop["files_opened"] == 0,
                           f"no-op x{big['scale']} {noop['seconds'] / first:.1%}, opened {_fmt(noop['files_opened'])}"))
    if "1 % changed" in big:
        ch = big["1 % changed"]["seconds"] / first
        out.append(verdict(ch <= TARGETS["changed_1pct_share"], f"1% changed x{big['scale']} {ch:.1%}"))
    traf = results.get("trafilatura_files_per_s")
    if traf:
        speed = big["files"] / first / traf
        out.append(verdict(speed >= TARGETS["vs_trafilatura"], f"x{big['scale']} first run {speed:.1f}x trafilatura"))
    worst = max(s["parts"]["max"] for s in results["scales"])
    out.append(verdict(worst <= TARGETS["files_per_partition_per_worker"] * workers,
                       f"max parquet files per partition {worst} (workers {workers})"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--scale", type=int, nargs="+", default=[1, 10], help="copies of the corpus per measurement")
    ap.add_argument("--trafilatura-sample", type=int, default=600, metavar="N", help="files for the trafilatura rate (0: skip)")
    ap.add_argument("--anchor", type=Path, default=DEFAULT_ANCHOR)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--wait-idle", type=float, default=30, metavar="S", help="wait up to S s for an idle machine before each run")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    ap.add_argument("--first-only", type=int, nargs="*", default=[], metavar="SCALE",
                    help="at these scales measure the first run only (e.g. 35: a few hours less)")
    args = ap.parse_args(argv)

    cli = shutil.which("news-etl", path=str(Path(sys.executable).parent)) or shutil.which("news-etl")
    if not cli:
        print("news-etl is not installed in this environment", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="news-etl-scale-", dir=args.workdir))
    (work / "probe-sites").mkdir()
    (work / "probe-sites" / "scale_bench_probe.toml").write_text(_RULES_PROBE, encoding="utf-8")
    env = dict(os.environ)
    try:
        bench_root = unpack(args.corpus, work / "bench")
        results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "git": git_state(), "targets": TARGETS,
                         "cpus": os.cpu_count(), "scales": []}
        if args.trafilatura_sample:
            results["trafilatura_files_per_s"] = trafilatura_rate(args.anchor, bench_root, work, args.trafilatura_sample)
        for scale in args.scale:
            runs = RUNS[:1] if scale in args.first_only else RUNS
            results["scales"].append(measure_scale(cli, bench_root, work, scale, env, args.wait_idle, runs))
        table = report(results, workers=os.cpu_count() or 1)
        print(table)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
