"""``news-etl stats OUTPUT``: a quick look at a dataset without writing SQL,
and ``--plot FILE.png`` for people who would rather look than read.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow.compute as pc

from schemas.read import articles_dataset, rejects_dataset
from transforms.sites import all_sites

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
    """Counts over the live version of the datasets under ``output``."""
    t = articles_dataset(output).to_table(columns=["publisher", "year", "month", "duplicate_of", "quality_flags",
                                                   "language"])
    s = DatasetStats(articles=t.num_rows)
    s.duplicates = t.num_rows - t.column("duplicate_of").null_count
    years, months = t.column("year").to_pylist(), t.column("month").to_pylist()
    for pub, y, m in zip(t.column("publisher").to_pylist(), years, months, strict=True):
        month = f"{y:04d}-{m:02d}" if y is not None and m is not None else UNDATED
        pub = pub or "(none)"
        s.by_publisher[pub] += 1
        s.by_month[month] += 1
        s.by_publisher_month[(pub, month)] += 1
    s.flags.update(pc.list_flatten(t.column("quality_flags")).to_pylist())
    s.languages.update(x or "und" for x in t.column("language").to_pylist())
    r = rejects_dataset(output).to_table(columns=["reason"])
    s.rejects = r.num_rows
    s.reject_reasons.update(r.column("reason").to_pylist())
    return s


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


def _label_font() -> tuple[dict, bool]:
    """A CJK-capable font if the machine has one; else labels fall back to site keys."""
    from matplotlib import font_manager

    for f in font_manager.fontManager.ttflist:
        if any(k in f.name for k in ("CJK", "Hei", "Song", "Ming", "WenQuanYi", "Noto Sans SC", "Source Han")):
            return {"family": f.name}, True
    return {}, False


def _ascii_label(publisher: str) -> str:
    for site in all_sites():
        if site.publisher == publisher:
            return site.key
    return publisher if publisher.isascii() else "other"


def plot(s: DatasetStats, path: str) -> None:
    """Articles per month stacked by publisher, and rejects by reason, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font, cjk = _label_font()
    months = sorted(s.by_month)
    label = (lambda p: p) if cjk else _ascii_label
    publishers = Counter()
    for (pub, _), n in s.by_publisher_month.items():
        publishers[label(pub)] += n
    top = [p for p, _ in publishers.most_common() if p != "other"][:9]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [3, 1]})
    bottom = [0] * len(months)
    for pub in [*top, "other"]:
        heights = [sum(n for (p, m), n in s.by_publisher_month.items()
                       if m == month and ((label(p) == pub) if pub != "other" else label(p) not in top))
                   for month in months]
        if any(heights):
            ax1.bar(months, heights, bottom=bottom, label=pub)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax1.set_title(f"articles per month ({s.articles})")
    ax1.tick_params(axis="x", labelrotation=90, labelsize=7)
    ax1.legend(fontsize=7, prop=font or None)
    reasons = s.reject_reasons.most_common()
    ax2.bar([r for r, _ in reasons], [n for _, n in reasons], color="tab:red")
    ax2.set_title(f"rejects by reason ({s.rejects})")
    ax2.tick_params(axis="x", labelrotation=45, labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
