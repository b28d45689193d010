#!/usr/bin/env python
"""Leave-one-family-out: how well do the general rules clean an archive *generator* never read?

    python bench/families.py [--families DIR] [--gold DIR] [--score-tool PATH] [--json OUT] [--worst N]

Leave-one-outlet-out (``bench/generality.py``) takes one outlet's table away but keeps
the layouts and the general rules that were written while reading that outlet's
family of files, so it overstates what a user gets on a new kind of archive. Here
every family under ``tests/fixtures/families/<family>/`` (Hugo posts, WordPress
exports, feed archives without an epoch comment, Markdown reposts, …) was written
*before* any rule that handles it, and is cleaned with every bundled site table and
the publisher directory left out (``NEWS_ETL_DISABLE_SITES=all``): only
``general.toml`` and the layout code remain. Each family is scored against its own
gold in ``tests/fixtures/families_gold/<family>/`` with the measures of
``../shared/tools/score_gold.py``.

Any family folder present is picked up, so a family added on another branch is
measured without touching this file. The per-record measures come from
``tests/scoring.py`` (the metrics as ``score_gold.py`` defines them), so the test
(``tests/test_families.py``) scores the same way without reading ``../shared``; when
``score_gold.py`` is found its own ``score``/``summary`` are run too and must agree.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.scoring import LEAK_MARKERS, bigram_f1, norm, paragraphs, set_f1  # noqa: E402
from transforms.pipeline import clean_document  # noqa: E402
from transforms.records import Record  # noqa: E402
from transforms.sites import ALL_KEY, DISABLE_ENV, reload_sites  # noqa: E402

FAMILIES = REPO / "tests" / "fixtures" / "families"
GOLD = REPO / "tests" / "fixtures" / "families_gold"
SCORE_TOOL = REPO.parent / "shared" / "tools" / "score_gold.py"
MEASURES = ("text_f1", "para_f1", "title", "date", "publisher", "url", "authors", "editors")
COLUMNS = (("docs", "n", "{:d}"), ("text_f1", "text", "{:.3f}"), ("min_text_f1", "worst", "{:.3f}"),
           ("para_f1", "para", "{:.3f}"), ("title", "title", "{:.2f}"), ("date", "date", "{:.2f}"),
           ("url", "url", "{:.2f}"), ("publisher", "pub", "{:.2f}"), ("authors", "auth", "{:.2f}"),
           ("editors", "edit", "{:.2f}"), ("leaky_docs", "leaks", "{:d}"), ("dates_invented", "inv", "{:d}"))


def _ts(v) -> dt.datetime | None:
    if v is None or v == "":
        return None
    t = v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)  # naive output is UTC, as score_gold reads it


def as_dict(rec: Record) -> dict:
    """The record's scored fields as the Parquet output would give them to ``score_gold.py``."""
    return {"source_path": rec.source_path, "title": rec.title,
            "published_at": rec.published_at.isoformat() if rec.published_at else None,
            "publisher": rec.publisher, "url": rec.url, "authors": list(rec.authors),
            "editors": list(rec.editors), "tickers": list(rec.tickers), "text": rec.text}


def clean_family(family: Path) -> tuple[dict[str, dict], set[str]]:
    """Every file of the family through ``clean_document``: records by source_path, and the rejected paths."""
    recs, rejects = {}, set()
    for path in sorted(p for p in family.rglob("*") if p.is_file()):
        rel = path.relative_to(family.parent).as_posix()
        out = clean_document(path.read_bytes(), rel)
        if isinstance(out, Record):
            recs[rel] = as_dict(out)
        else:
            rejects.add(rel)
    return recs, rejects


def load_gold(gold_dir: Path) -> dict[str, dict]:
    gold = {}
    for f in sorted(gold_dir.glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        gold[d["source_path"]] = d
    return gold


def score_rows(gold: dict[str, dict], recs: dict[str, dict]) -> list[dict]:
    """One row per gold record, with the measures of ``score_gold.score``."""
    rows = []
    for sp, g in gold.items():
        r = recs.get(sp)
        if r is None:
            rows.append({"source_path": sp, "found": False, "text_f1": 0.0, "para_f1": 0.0, "title": 0,
                         "date": 0 if g.get("published_at") else None, "date_invented": 0, "publisher": 0,
                         "url": 0, "authors": 0.0, "editors": 0.0, "leak": []})
            continue
        gt, pt = _ts(g.get("published_at")), _ts(r.get("published_at"))
        rows.append({
            "source_path": sp, "found": True,
            "text_f1": bigram_f1(r["text"], g["text"]),
            "para_f1": set_f1(paragraphs(r["text"]), paragraphs(g["text"])),
            "title": int(norm(r["title"]) == norm(g["title"])),
            "date": None if gt is None else int(pt is not None and abs((pt - gt).total_seconds()) <= 86400),
            "date_invented": int(gt is None and pt is not None),
            "publisher": int(norm(r["publisher"]) == norm(g.get("publisher"))),
            "url": int(norm(r["url"]) == norm(g.get("url"))),
            "authors": set_f1(r["authors"], g.get("authors")),
            "editors": set_f1(r["editors"], g.get("editors")),
            "leak": [m for m in LEAK_MARKERS if m in (r["text"] or "") and m not in g["text"]],
        })
    return rows


def summarise(rows: list[dict]) -> dict:
    def mean(k: str) -> float:
        vals = [r[k] for r in rows if r.get(k) is not None]
        return round(sum(vals) / max(1, len(vals)), 4)

    s = {k: mean(k) for k in MEASURES}
    s.update(docs=len(rows), found=sum(r["found"] for r in rows), leaky_docs=sum(1 for r in rows if r["leak"]),
             dates_invented=sum(r["date_invented"] for r in rows),
             min_text_f1=round(min((r["text_f1"] for r in rows), default=0.0), 4))
    return s


def score_family(family: Path, gold_dir: Path) -> tuple[dict, list[dict], dict[str, dict]]:
    recs, _ = clean_family(family)
    rows = score_rows(load_gold(gold_dir), recs)
    return summarise(rows), rows, recs


def families(root: Path = FAMILIES, gold_root: Path = GOLD) -> list[str]:
    """The family folders that have gold (a folder without gold cannot be scored and is skipped)."""
    return sorted(d.name for d in root.iterdir() if d.is_dir() and (gold_root / d.name).is_dir())


def load_scorer(path: Path) -> ModuleType | None:
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("score_gold", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def cross_check(scorer: ModuleType, gold_dir: Path, recs: dict[str, dict], mine: dict) -> None:
    """``score_gold.py``'s own figures on the same records must equal ours (so the test measures the same)."""
    rows = scorer.score(scorer.load_gold(gold_dir), recs, set())
    theirs = scorer.summary(rows, recs, set(), None)
    for k in (*MEASURES, "min_text_f1", "leaky_docs", "dates_invented", "docs"):
        if abs(float(theirs[k]) - float(mine[k])) > 1e-4:
            raise SystemExit(f"{gold_dir.name}: {k} is {mine[k]} here but {theirs[k]} by score_gold.py")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", type=Path, default=FAMILIES)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--score-tool", type=Path, default=SCORE_TOOL)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worst", type=int, default=3, help="print the N worst documents over all families")
    a = ap.parse_args()
    os.environ[DISABLE_ENV] = ALL_KEY  # general rules only (the test sets it through its monkeypatch instead)
    reload_sites()
    scorer = load_scorer(a.score_tool)
    result: dict = {"disabled_sites": os.environ[DISABLE_ENV], "families": {}, "rows": []}
    print(f"{'family':24s}" + "".join(f"{h:>7s}" for _, h, _ in COLUMNS))
    for name in families(a.families, a.gold):
        s, rows, recs = score_family(a.families / name, a.gold / name)
        if scorer is not None:
            cross_check(scorer, a.gold / name, recs, s)
        result["families"][name] = s
        result["rows"].extend(rows)
        print(f"{name:24s}" + "".join(f"{fmt.format(s[k]):>7s}" for k, _, fmt in COLUMNS))
    for r in sorted(result["rows"], key=lambda r: r["text_f1"])[:a.worst]:
        print(f"worst text_f1={r['text_f1']:.3f} para={r['para_f1']:.3f} title={r['title']} date={r['date']} "
              f"pub={r['publisher']} url={r['url']} auth={r['authors']:.2f} leak={r['leak']} {r['source_path']}")
    if scorer is None:
        print(f"(score_gold.py not found at {a.score_tool}: figures not cross-checked)", file=sys.stderr)
    if a.json:
        a.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
