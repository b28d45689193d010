"""One batch of files: read, clean, write staged Parquet parts. No Prefect here,
so the same function runs in a worker process, on a Dask worker or in a test.

Workers receive file references, never document bodies, and read the files
themselves; they return only counts and the paths of what they staged: the
Parquet parts, one outcome row per file and one dedup row per article, as
Parquet files beside the parts (so the flow process holds no Python object per
file). A file whose bytes hash to what the live version already holds is
``unchanged`` and is not cleaned again.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
from fsspec.implementations.local import LocalFileSystem

from flows.faults import crash_on, pause_point
from flows.inputs.storage import STAGED_SUFFIX, InputRejected, open_root, read_local, write_parquet, write_staged
from flows.inputs.storage import join as join_path
from schemas import articles_table, partition_dir, partition_of, rejects_table
from schemas.internal import DEDUP_SCHEMA, OUTCOME_SCHEMA
from transforms import dedup, quality
from transforms.dedup import KEY_COLUMNS, key_matrix
from transforms.pipeline import clean_document
from transforms.records import Record, Reject

REJECT_EXAMPLES = 3  # rejects per batch named in the run's log; all of them are in the rejects dataset


@dataclass
class BatchResult:
    """What a batch did, small enough to send back to the flow: counts and the
    paths of the files it staged. What became of each file is in its outcomes
    file (:data:`schemas.internal.OUTCOME_SCHEMA`), never in this object."""

    batch_no: int
    inputs: int = 0
    articles: int = 0
    rejects: int = 0
    unchanged: int = 0  # read, hashed, same bytes as the live version: not cleaned
    reject_reasons: Counter = field(default_factory=Counter)
    # The first few rejects (source_path, reason, detail): the flow logs them without reading Parquet.
    reject_examples: list[tuple[str, str, str]] = field(default_factory=list)
    layouts: Counter = field(default_factory=Counter)
    publishers: Counter = field(default_factory=Counter)
    months: Counter = field(default_factory=Counter)
    parts: list[str] = field(default_factory=list)  # data parts, relative to the stage
    outcomes: list[str] = field(default_factory=list)  # outcome files, relative to the stage
    dedup: list[str] = field(default_factory=list)  # dedup index files, relative to the stage
    flags: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def absorb(self, other: BatchResult) -> None:
        """Add the results of ``other`` (a piece of the same batch) to this one."""
        self.inputs += other.inputs
        self.articles += other.articles
        self.rejects += other.rejects
        self.unchanged += other.unchanged
        for name in ("reject_reasons", "layouts", "publishers", "months", "flags"):
            getattr(self, name).update(getattr(other, name))
        self.reject_examples.extend(other.reject_examples[:max(0, REJECT_EXAMPLES - len(self.reject_examples))])
        self.parts.extend(other.parts)
        self.outcomes.extend(other.outcomes)
        self.dedup.extend(other.dedup)
        self.seconds += other.seconds

    def staged(self) -> list[str]:
        return [*self.parts, *self.outcomes, *self.dedup]


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity), at least one."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_batch(input_url: str, staging_url: str, run_id: str, batch_no: int, rel_paths: list[str],
              max_bytes: int | None = None, previous: dict[str, str] | None = None, piece: str = "",
              rules: str | None = None) -> BatchResult:
    """Read ``rel_paths`` (relative to ``input_url``), clean them and stage their
    Parquet parts, outcomes and dedup rows.

    ``previous`` maps a source path to the content hash the live version holds
    for it, for files that need not be cleaned again if their bytes are the
    same (their stat changed, not their content): those are ``unchanged``.
    ``piece`` tells the parts of a split batch (see :mod:`flows.run.pool`) apart;
    ``rules`` is the rules version stamped on every row.
    """
    pause_point("worker")
    started = time.perf_counter()
    now = datetime.now(UTC)
    previous = previous or {}
    in_fs, in_root = open_root(input_url)
    out_fs, out_root = open_root(staging_url)
    result = BatchResult(batch_no=batch_no, inputs=len(rel_paths))
    records: list[Record] = []
    rejects: list[Reject] = []
    unchanged: list[tuple[str, str]] = []
    fingerprints: list[tuple[str | None, bytes | None]] = []
    for rel in rel_paths:
        crash_on(rel)
        raw = read_input(in_fs, join_path(in_root, rel), rel, max_bytes)
        if isinstance(raw, bytes):
            sha = hashlib.sha256(raw).hexdigest()
            if previous.get(rel) == sha:
                unchanged.append((rel, sha))
                continue
            doc = clean_document(raw, rel, max_bytes=max_bytes, sha256=sha)
        else:
            doc = raw
        if isinstance(doc, Record):
            doc.quality_flags, doc.language = quality.assess(doc, now)
            result.flags.update(doc.quality_flags)
            fingerprints.append(dedup.fingerprint(doc.text))
            records.append(doc)
            result.layouts[doc.layout] += 1
            result.publishers[doc.publisher or "(none)"] += 1
        else:
            rejects.append(doc)
            result.reject_reasons[doc.reason] += 1
            if len(result.reject_examples) < REJECT_EXAMPLES:
                result.reject_examples.append((doc.source_path, doc.reason, doc.detail[:200]))
    name = f"part-{run_id}-{batch_no:05d}{piece}.parquet"
    _stage(result, records, rejects, out_fs, out_root, name, run_id, rules)
    _stage_bookkeeping(result, records, fingerprints, rejects, unchanged, out_fs, out_root, name, run_id)
    result.seconds = time.perf_counter() - started
    return result


def crash_result(staging_url: str, run_id: str, batch_no: int, rel: str, detail: str, piece: str,
                 rules: str | None = None) -> BatchResult:
    """The result of a file that killed its worker each time: one ``worker_crash`` reject.

    Its hash stays unknown, so the next run tries the file again (the crash may
    have been the machine's, not the file's).
    """
    out_fs, out_root = open_root(staging_url)
    result = BatchResult(batch_no=batch_no, inputs=1)
    reject = Reject(rel, "", 0, "worker_crash", detail)
    result.reject_reasons["worker_crash"] += 1
    result.reject_examples.append((rel, "worker_crash", detail))
    name = f"part-{run_id}-{batch_no:05d}{piece}.parquet"
    _stage(result, [], [reject], out_fs, out_root, name, run_id, rules)
    _stage_bookkeeping(result, [], [], [reject], [], out_fs, out_root, name, run_id)
    return result


def _stage(result: BatchResult, records: list[Record], rejects: list[Reject], out_fs, out_root: str, name: str,
           run_id: str, rules: str | None) -> None:
    """Write the batch's articles (one part per month) and rejects as staged IPC parts
    (:func:`flows.inputs.storage.write_staged`); note them in ``result``."""
    result.articles, result.rejects = len(records), len(rejects)
    staged = name.removesuffix(".parquet") + STAGED_SUFFIX
    by_partition: dict[tuple[int, int] | tuple[None, None], list[Record]] = {}
    for r in records:
        by_partition.setdefault(partition_of(r.published_at), []).append(r)
    for (year, month), recs in sorted(by_partition.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0)):
        result.months["undated" if year is None else f"{year:04d}-{month:02d}"] += len(recs)
        part = join_path("articles", partition_dir(year, month), staged)
        write_staged(out_fs, join_path(out_root, part), articles_table(recs, run_id, rules))
        result.parts.append(part)
    if rejects:
        part = join_path("rejects", staged)
        write_staged(out_fs, join_path(out_root, part), rejects_table(rejects, run_id, rules))
        result.parts.append(part)


def _stage_bookkeeping(result: BatchResult, records: list[Record], fingerprints: list, rejects: list[Reject],
                       unchanged: list[tuple[str, str]], out_fs, out_root: str, name: str, run_id: str) -> None:
    """The batch's outcome rows (every file it read) and dedup rows (every article)."""
    result.unchanged = len(unchanged)
    outcomes = {
        "source_path": [r.source_path for r in records] + [r.source_path for r in rejects] + [p for p, _ in unchanged],
        "status": ["cleaned"] * (len(records) + len(rejects)) + ["unchanged"] * len(unchanged),
        "kind": ["article"] * len(records) + ["reject"] * len(rejects) + [None] * len(unchanged),
        "doc_id": [r.doc_id for r in records] + [None] * (len(rejects) + len(unchanged)),
        "content_sha256": [r.content_sha256 for r in records] + [r.content_sha256 or None for r in rejects]
        + [s for _, s in unchanged],
    }
    path = join_path("_outcomes", name)
    # sorted by path, as the batch's paths are: the flow then puts the outcomes of all
    # batches beside the plan as they are, without sorting a million rows (incremental.py)
    table = pa.Table.from_pydict(outcomes, schema=OUTCOME_SCHEMA).sort_by("source_path")
    write_parquet(out_fs, join_path(out_root, path), table)
    result.outcomes.append(path)
    if records:
        path = join_path("_dedup", name)
        write_parquet(out_fs, join_path(out_root, path), dedup_rows(records, fingerprints, run_id))
        result.dedup.append(path)


def dedup_rows(records: list[Record], fingerprints: list[tuple[str | None, bytes | None]], run_id: str) -> pa.Table:
    """The dedup index rows of ``records`` (:data:`schemas.internal.DEDUP_SCHEMA`)."""
    hashes = [h for h, _ in fingerprints]
    sigs = [m for _, m in fingerprints]
    keys = key_matrix(hashes, sigs).view(np.int64)  # the same bits (DEDUP_SCHEMA)
    data = {"doc_id": [r.doc_id for r in records], "run_id": [run_id] * len(records),
            "published_at": [r.published_at for r in records], "text_hash": hashes, "minhash": sigs,
            "scheme": [dedup.SCHEME] * len(records)}
    data.update({name: keys[:, i] for i, name in enumerate(KEY_COLUMNS)})
    return pa.Table.from_pydict(data, schema=DEDUP_SCHEMA)


def read_input(fs, path: str, rel: str, max_bytes: int | None) -> bytes | Reject:
    """The file's bytes, or a reject when it is too large or cannot be read.

    On a local disk the read is :func:`flows.inputs.storage.read_local`: symlinks
    leading outside the input root are rejects, never followed, and special
    files are never opened for reading.
    """
    if isinstance(fs, LocalFileSystem):
        root = path[: len(path) - len(rel)].rstrip("/") or "/"
        try:
            return read_local(root, rel, max_bytes)
        except InputRejected as exc:
            return Reject(rel, "", exc.size, exc.reason, exc.detail)
    try:
        if max_bytes is not None:
            size = fs.size(path)
            if size is not None and size > max_bytes:
                return Reject(rel, "", int(size), "too_large", f"{size} bytes is over the limit of {max_bytes}")
        with fs.open(path, "rb") as fh:
            raw = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError as exc:
        return Reject(rel, "", 0, "read_error", f"{type(exc).__name__}: {exc}"[:500])
    if max_bytes is not None and len(raw) > max_bytes:
        return Reject(rel, "", len(raw), "too_large", f"over the limit of {max_bytes} bytes")
    return raw
