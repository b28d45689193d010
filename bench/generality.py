#!/usr/bin/env python
"""Leave-one-outlet-out: how well do the general rules clean an outlet with no table?

    python bench/generality.py [--corpus DIR] [--gold DIR] [--score-tool PATH] [--with-profile] [--json OUT]

The dev gold scores 1.0 with every site table on, because the tables were written
against it. What a user gets on a *new* outlet is better estimated by taking the
outlet's own table away and scoring again:

1. ``news-etl run CORPUS`` with every table on assigns each gold record its outlet
   (the ``site`` column: the site table whose knowledge applied).
2. For each outlet key with gold records, ``news-etl run CORPUS`` again with
   ``NEWS_ETL_DISABLE_SITES=<key>`` (forked workers inherit it): its cleaning rules,
   datelines, credit names and publisher spellings are gone; the general table
   (``transforms/sites/general.toml``) and the domain directory of
   ``publishers.toml`` stay, as data apart from any outlet's rules.
3. The run is scored with ``score_gold.py`` on that outlet's gold records only.
4. ``--strict`` also leaves out that directory (``NEWS_ETL_DISABLE_SITES=<key>,publishers``):
   the publisher then comes only from what the page says about itself.
5. ``--with-profile``: ``news-etl profile CORPUS --site KEY --write DIR`` drafts a
   table from the outlet's pages, which is installed with ``NEWS_ETL_SITES=DIR``
   (the outlet still disabled) and scored again: what a user gets after one review.

Mirror tables (``kind = "mirror"``) are left out the same way, scored on the pages
of that mirror, and reported apart from the outlet mean.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CLI = Path(sys.executable).with_name("news-etl")
COLUMNS = (("docs", "n", "{:d}"), ("text_f1", "text", "{:.3f}"), ("min_text_f1", "worst", "{:.3f}"),
           ("para_f1", "para", "{:.3f}"), ("title", "title", "{:.2f}"), ("publisher", "pub", "{:.2f}"),
           ("url", "url", "{:.2f}"), ("date", "date", "{:.2f}"), ("authors", "auth", "{:.2f}"),
           ("editors", "edit", "{:.2f}"), ("leaky_docs", "leaks", "{:d}"), ("dates_invented", "inv", "{:d}"))


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_gold", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def run_pipeline(corpus: Path, out: Path, env_extra: dict[str, str]) -> None:
    """One full ``news-etl run`` into a fresh output, with the given site-table variables."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, **env_extra}
    proc = subprocess.run([str(CLI), "run", str(corpus), str(out), "-q"], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"news-etl run failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def score_subset(scorer: ModuleType, gold: dict, paths: list[str], out: Path) -> tuple[dict, list[dict]]:
    recs, rejects = scorer.load_pred(str(out))
    sub = {p: gold[p] for p in paths}
    rows = scorer.score(sub, recs, rejects)
    return scorer.summary(rows, recs, rejects, None), rows


def profile_available() -> bool:
    proc = subprocess.run([str(CLI), "profile", "--help"], capture_output=True, text=True)
    return proc.returncode == 0


def draft_table(corpus: Path, key: str, folder: Path, env_extra: dict[str, str]) -> Path | None:
    """``news-etl profile`` drafts the outlet's table from its pages (the outlet disabled)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **env_extra}
    proc = subprocess.run([str(CLI), "profile", str(corpus), "--site", key, "--write", str(folder)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  profile {key} failed ({proc.returncode}): {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    drafts = list(folder.glob("*.toml"))
    return folder if drafts else None


def fmt_row(label: str, s: dict) -> str:
    cells = [f"{label:<14}"]
    for key, _, spec in COLUMNS:
        v = s.get(key)
        cells.append(f"{'—' if v is None else spec.format(v):>6}")
    return " ".join(cells)


def header() -> str:
    return " ".join([f"{'outlet':<14}"] + [f"{name:>6}" for _, name, _ in COLUMNS])


def mean_row(summaries: list[dict]) -> dict:
    out: dict = {}
    for key, _, spec in COLUMNS:
        vals = [s[key] for s in summaries if s.get(key) is not None]
        if not vals:
            continue
        out[key] = sum(vals) if spec == "{:d}" else round(sum(vals) / len(vals), 4)
    return out


def worst_docs(rows_by_key: dict[str, list[dict]], n: int = 5) -> list[tuple[str, dict]]:
    every = [(k, r) for k, rows in rows_by_key.items() for r in rows]
    def badness(r: dict) -> tuple[float, float]:
        fields = ("title", "publisher", "url", "date", "authors", "editors")
        return r["text_f1"] + r["para_f1"], sum(1.0 if r.get(f) is None else float(r[f]) for f in fields)

    return sorted(every, key=lambda kr: badness(kr[1]))[:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "dev")
    ap.add_argument("--gold", type=Path, default=SHARED / "gold" / "dev")
    ap.add_argument("--score-tool", type=Path, default=SHARED / "tools" / "score_gold.py")
    ap.add_argument("--with-profile", action="store_true", help="also score the profiler's draft table, installed")
    ap.add_argument("--strict", action="store_true",
                    help="also leave out the domain directory of publishers.toml (publisher only from the page)")
    ap.add_argument("--keys", help="comma-separated site keys (default: every key with gold records)")
    ap.add_argument("--json", type=Path, help="write every summary and row here")
    ap.add_argument("--workdir", type=Path, help="keep the outputs here (default: a temporary folder)")
    a = ap.parse_args(argv)

    scorer = load_scorer(a.score_tool)
    gold = scorer.load_gold(str(a.gold))
    work = a.workdir or Path(tempfile.mkdtemp(prefix="generality-"))
    work.mkdir(parents=True, exist_ok=True)
    # A Prefect home of its own (unless one is set): the runs never touch the user's database.
    os.environ.setdefault("PREFECT_HOME", str(work / "prefect-home"))
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        # One Prefect server for every run (each run would otherwise start its own, and on a busy
        # machine one may miss its start-up deadline); it lives as long as this process.
        sys.path.insert(0, str(REPO))
        from flows.app.temp_server import TemporaryServer
        server = TemporaryServer()
        server.spawn()
        os.environ["PREFECT_API_URL"] = server.wait_ready(timeout=180)

    run_pipeline(a.corpus, work / "all", {})
    recs, _ = scorer.load_pred(str(work / "all"))
    by_key: dict[str, list[str]] = {}
    for path in gold:
        rec = recs.get(path) or {}
        key = rec.get("site")
        by_key.setdefault(key or "(none)", []).append(path)
    mirror_paths: dict[str, list[str]] = {}
    sys.path.insert(0, str(REPO))
    from transforms.sites import mirror_sites  # the bundled tables, with nothing disabled
    for m in mirror_sites():
        paths = [p for p in gold if (recs.get(p) or {}).get("layout") == "mirror"]
        if paths:
            mirror_paths[m.key] = paths

    keys = [k for k in sorted(by_key) if k != "(none)"]
    if a.keys:
        keys = [k for k in keys if k in a.keys.split(",")]
    with_profile = a.with_profile and profile_available()
    if a.with_profile and not with_profile:
        print("news-etl profile is not available in this build: the profile rows are skipped", file=sys.stderr)

    report: dict = {"outlets": {}, "mirrors": {}, "all_tables": {}}
    s_all, _ = score_subset(scorer, gold, list(gold), work / "all")
    report["all_tables"] = s_all
    loo: list[dict] = []
    prof: list[dict] = []
    rows_by_key: dict[str, list[dict]] = {}
    lines = [header()]
    directory_off = ",publishers" if a.strict else ""
    for key in keys:
        env = {"NEWS_ETL_DISABLE_SITES": key + directory_off}
        run_pipeline(a.corpus, work / key, env)
        s, rows = score_subset(scorer, gold, by_key[key], work / key)
        rows_by_key[key] = rows
        loo.append(s)
        entry = {"loo": s, "rows": rows}
        lines.append(fmt_row(key, s))
        if a.with_profile:
            if with_profile and (draft := draft_table(a.corpus, key, work / f"{key}.draft", env)):
                run_pipeline(a.corpus, work / f"{key}+profile", {**env, "NEWS_ETL_SITES": str(draft)})
                sp, _ = score_subset(scorer, gold, by_key[key], work / f"{key}+profile")
                prof.append(sp)
                entry["profile"] = sp
                lines.append(fmt_row("  +profile", sp))
            else:
                lines.append("  +profile      skipped (no `news-etl profile` draft)")
        report["outlets"][key] = entry
    lines.append(fmt_row("MEAN (LOO)", mean_row(loo)))
    if prof:
        lines.append(fmt_row("MEAN +profile", mean_row(prof)))
    report["mean_loo"] = mean_row(loo)
    report["mean_profile"] = mean_row(prof) if prof else None
    for key, paths in mirror_paths.items():
        if a.keys and key not in a.keys.split(","):
            continue
        run_pipeline(a.corpus, work / key, {"NEWS_ETL_DISABLE_SITES": key + directory_off})
        s, rows = score_subset(scorer, gold, paths, work / key)
        report["mirrors"][key] = {"loo": s, "rows": rows}
        lines.append(fmt_row(f"[mirror] {key}", s))
    lines.append(fmt_row("all tables on", s_all))
    print("\n".join(lines))
    print("\nworst documents (leave-one-outlet-out):")
    for key, r in worst_docs(rows_by_key):
        print(f"  {key:<12} text={r['text_f1']:.3f} para={r['para_f1']:.3f} title={r['title']} pub={r['publisher']} "
              f"url={r['url']} date={r['date']} leak={r['leak']} {r['source_path']}")
    if a.json:
        a.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    if server is not None:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
