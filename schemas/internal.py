"""Arrow schemas of the bookkeeping tables an output keeps beside its datasets.

They are not part of the data contract (readers never need them), but they are
versioned with it: a run refuses an output whose major version differs.

- ``outcomes``: one row per file a batch read, written by the worker next to the
  parts it staged, so that the flow process never holds one Python object per
  file; the planner reads them as a table.
- ``dedup``: one row per cleaned article, the duplicate index. The MinHash
  signature is kept for the few records whose keys collide with another's; the
  64-bit keys (one of the normalised text, one per LSH band) are what every run
  reads to find the candidates (:mod:`flows.run.linking`).
"""
from __future__ import annotations

import pyarrow as pa

from transforms.dedup import KEY_COLUMNS

OUTCOME_SCHEMA = pa.schema([
    pa.field("source_path", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),  # cleaned | unchanged (same bytes as the live version)
    pa.field("kind", pa.string()),  # article | reject; null when unchanged
    pa.field("doc_id", pa.string()),
    pa.field("content_sha256", pa.string()),
])

DEDUP_SCHEMA = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("run_id", pa.string(), nullable=False),  # the run that cleaned it: live while the state says so
    pa.field("published_at", pa.timestamp("us", tz="UTC")),
    pa.field("text_hash", pa.string()),
    pa.field("minhash", pa.binary()),
    pa.field("scheme", pa.string(), nullable=False),  # transforms.dedup.SCHEME of the signature
    # 64-bit keys as int64 (Delta Lake has no unsigned type: the bits are the same); 0: none
    *(pa.field(name, pa.int64(), nullable=False) for name in KEY_COLUMNS),
])
