"""The ``rejects`` dataset: one row per input that is not an article."""
from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from schemas.version import METADATA_KEY, SCHEMA_VERSION
from transforms.records import Reject

COLUMNS: tuple[tuple[pa.Field, str], ...] = (
    (pa.field("source_path", pa.string(), nullable=False), "path relative to the input root, forward slashes"),
    (pa.field("content_sha256", pa.string()), "sha256 of the raw bytes (null when they could not be read)"),
    (pa.field("size_bytes", pa.int64(), nullable=False), "size of the raw file"),
    (pa.field("reason", pa.string(), nullable=False), "machine-readable reason code (see README)"),
    (pa.field("detail", pa.string(), nullable=False), "human-readable detail"),
    (pa.field("run_id", pa.string(), nullable=False), "the run that wrote this row"),
    (pa.field("rules_version", pa.string()),
     "fingerprint of the cleaning code and site tables that made this row (news-etl inspect prints it)"),
    (pa.field("schema_version", pa.string(), nullable=False), "version of this schema"),
)
REJECTS_SCHEMA = pa.schema([f for f, _ in COLUMNS], metadata={METADATA_KEY: SCHEMA_VERSION.encode()})


def rejects_table(rejects: Iterable[Reject], run_id: str, rules_version: str | None = None) -> pa.Table:
    rows = [
        {
            "source_path": r.source_path,
            "content_sha256": r.content_sha256 or None,
            "size_bytes": r.size_bytes,
            "reason": r.reason,
            "detail": r.detail,
            "run_id": run_id,
            "rules_version": rules_version,
            "schema_version": SCHEMA_VERSION,
        }
        for r in rejects
    ]
    return pa.Table.from_pylist(rows, schema=REJECTS_SCHEMA)
