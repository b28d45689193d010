"""One batch of files: read, clean, write staged Parquet parts. No Prefect here,
so the same function runs in a worker process, on a Dask worker or in a test.

Workers receive file references, never document bodies, and read the files
themselves; they return only counts and the paths of the parts they wrote.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from flows.storage import join as join_path
from flows.storage import open_root, write_parquet
from schemas import UNDATED_PARTITION, articles_table, partition_of, rejects_table
from transforms.pipeline import clean_document
from transforms.records import Record, Reject


@dataclass
class BatchResult:
    """What a batch did, small enough to send back to the flow."""

    batch_no: int
    inputs: int = 0
    articles: int = 0
    rejects: int = 0
    reject_reasons: Counter = field(default_factory=Counter)
    layouts: Counter = field(default_factory=Counter)
    publishers: Counter = field(default_factory=Counter)
    months: Counter = field(default_factory=Counter)
    parts: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_batch(input_url: str, staging_url: str, run_id: str, batch_no: int, rel_paths: list[str],
              max_bytes: int | None = None) -> BatchResult:
    """Clean ``rel_paths`` (relative to ``input_url``) and stage their Parquet parts."""
    started = time.perf_counter()
    in_fs, in_root = open_root(input_url)
    out_fs, out_root = open_root(staging_url)
    result = BatchResult(batch_no=batch_no, inputs=len(rel_paths))
    records: list[Record] = []
    rejects: list[Reject] = []
    for rel in rel_paths:
        doc = _read_and_clean(in_fs, join_path(in_root, rel), rel, max_bytes)
        if isinstance(doc, Record):
            records.append(doc)
            result.layouts[doc.layout] += 1
            result.publishers[doc.publisher or "(none)"] += 1
        else:
            rejects.append(doc)
            result.reject_reasons[doc.reason] += 1
    result.articles, result.rejects = len(records), len(rejects)
    by_partition: dict[tuple[str, str], list[Record]] = {}
    for r in records:
        by_partition.setdefault(partition_of(r), []).append(r)
    name = f"part-{run_id}-{batch_no:05d}.parquet"
    for (year, month), recs in sorted(by_partition.items()):
        result.months["undated" if year == UNDATED_PARTITION else f"{year}-{month}"] += len(recs)
        path = join_path(out_root, "articles", f"year={year}", f"month={month}", name)
        write_parquet(out_fs, path, articles_table(recs, run_id))
        result.parts.append(path)
    if rejects:
        path = join_path(out_root, "rejects", name)
        write_parquet(out_fs, path, rejects_table(rejects, run_id))
        result.parts.append(path)
    result.seconds = time.perf_counter() - started
    return result


def _read_and_clean(fs, path: str, rel: str, max_bytes: int | None) -> Record | Reject:
    try:
        if max_bytes is not None:
            size = fs.size(path)
            if size is not None and size > max_bytes:
                return Reject(rel, "", int(size), "too_large", f"{size} bytes is over the limit of {max_bytes}")
        with fs.open(path, "rb") as fh:
            raw = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError as exc:
        return Reject(rel, "", 0, "read_error", f"{type(exc).__name__}: {exc}"[:500])
    return clean_document(raw, rel, max_bytes=max_bytes)
