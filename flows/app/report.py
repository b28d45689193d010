"""The run summary: counts that must add up. How it prints (terminal, log, Prefect
artifacts) is :mod:`flows.app.reporting`, from one list of rows."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from flows.run.batch import BatchResult
from flows.store.changes import VersionCounts


@dataclass
class RunSummary:
    run_id: str
    input_url: str
    output_url: str
    inputs: int = 0
    articles: int = 0
    rejects: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    stale_rules: int = 0
    removed: int = 0
    missing: int = 0
    files_opened: int = 0
    errors: int = 0
    articles_total: int = 0
    rejects_total: int = 0
    duplicates_total: int = 0
    duplicates_new: int = 0
    mode: str = "incremental"
    rules_version: str = ""
    batches: int = 0
    workers: int = 1
    seconds: float = 0.0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    layouts: dict[str, int] = field(default_factory=dict)
    publishers: dict[str, int] = field(default_factory=dict)
    months: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)

    @property
    def accounted(self) -> bool:
        """Every input is either an article or a reject."""
        return self.inputs == self.articles + self.rejects

    @property
    def files_per_second(self) -> float:
        return self.inputs / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["accounted"] = self.accounted
        d["files_per_second"] = round(self.files_per_second, 1)
        return d


def summarize(run_id: str, input_url: str, output_url: str, results: list[BatchResult], seconds: float,
              workers: int, counts: VersionCounts, mode: str, listed: int, rules: str = "") -> RunSummary:
    """Counts by input (every listed input is an article or a reject, cleaned now or
    kept unchanged) and by dataset row; breakdowns cover the files cleaned this run."""
    total: dict[str, Counter] = {k: Counter() for k in ("reject_reasons", "layouts", "publishers", "months", "flags")}
    for r in results:
        for key, counter in total.items():
            counter.update(getattr(r, key))
    return RunSummary(
        run_id=run_id,
        input_url=input_url,
        output_url=output_url,
        inputs=listed,
        articles=counts.input_kinds.get("article", 0),
        rejects=counts.input_kinds.get("reject", 0),
        new=counts.new,
        changed=counts.changed,
        unchanged=counts.unchanged,
        stale_rules=counts.stale_rules,
        removed=counts.removed,
        missing=counts.missing,
        files_opened=counts.files_opened,
        errors=total["reject_reasons"].get("error", 0),
        articles_total=counts.articles_total,
        rejects_total=counts.rejects_total,
        duplicates_total=counts.duplicates_total,
        duplicates_new=counts.duplicates_new,
        mode=mode,
        rules_version=rules,
        batches=len(results),
        workers=workers,
        seconds=round(seconds, 3),
        **{k: dict(c.most_common()) for k, c in total.items()},
    )
