"""``news-etl stats OUTPUT``: a quick look at a dataset without writing SQL
(``--plot FILE.png`` draws the same counts: :mod:`flows.app.chart`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow.compute as pc

from schemas.read import articles_dataset, rejects_dataset

UNDATED = "undated"


@dataclass
class DatasetStats:
    articles: int = 0
    rejects: int = 0
    duplicates: int = 0
    by_publisher: Counter = field(default_factory=Counter)
    by_month: Counter = field(default_factory=Counter)
    by_publisher_month: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    reject_reasons: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)


def collect(output: str) -> DatasetStats:
    """Counts over the live version of the datasets under ``output``.

    Grouped by Arrow, not per row in Python: every run draws its chart from these,
    so their cost must stay small as the dataset grows.
    """
    t = articles_dataset(output).to_table(columns=["publisher", "year", "month", "duplicate_of", "quality_flags",
                                                   "language"])
    s = DatasetStats(articles=t.num_rows)
    s.duplicates = t.num_rows - t.column("duplicate_of").null_count
    groups = t.select(["publisher", "year", "month"]).group_by(["publisher", "year", "month"]).aggregate(
        [([], "count_all")]).sort_by([("publisher", "ascending"), ("year", "ascending"), ("month", "ascending")])
    groups = groups.to_pylist()  # sorted: Arrow's grouping order is not fixed, and ties in the chart follow it
    for g in groups:
        y, m = g["year"], g["month"]
        month = f"{y:04d}-{m:02d}" if y is not None and m is not None else UNDATED
        pub = g["publisher"] or "(none)"
        s.by_publisher[pub] += g["count_all"]
        s.by_month[month] += g["count_all"]
        s.by_publisher_month[(pub, month)] += g["count_all"]
    s.flags.update(_counts(pc.list_flatten(t.column("quality_flags"))))
    for lang, n in _counts(t.column("language"), keep_null=True).items():
        s.languages[lang or "und"] += n
    r = rejects_dataset(output).to_table(columns=["reason"])
    s.rejects = r.num_rows
    s.reject_reasons.update(_counts(r.column("reason")))
    return s


def _counts(values, keep_null: bool = False) -> dict:
    out: dict = {}
    for row in sorted(pc.value_counts(values).to_pylist(), key=lambda r: (r["values"] is None, r["values"] or "")):
        if row["values"] is not None or keep_null:
            out[row["values"]] = out.get(row["values"], 0) + row["counts"]
    return out


def format_stats(s: DatasetStats) -> str:
    def block(title: str, c: Counter, sort_keys: bool = False) -> list[str]:
        items = sorted(c.items()) if sort_keys else c.most_common()
        if not items:
            return [f"{title}: none"]
        w = max(len(str(k)) for k, _ in items)
        return [f"{title}:"] + [f"  {str(k).ljust(w)}  {v:>7}" for k, v in items]

    lines = [f"{s.articles} articles ({s.duplicates} linked as duplicates), {s.rejects} rejects"]
    lines += block("articles by publisher", s.by_publisher)
    lines += block("articles by month", s.by_month, sort_keys=True)
    lines += block("languages", s.languages)
    lines += block("quality flags", s.flags)
    lines += block("rejects by reason", s.reject_reasons)
    return "\n".join(lines)
