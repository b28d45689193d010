"""The output store: one interface, one module per backend.

The flow talks to a :class:`Store` only, and never asks which one it has:

- ``lock(run_id)``: the writer guard for the length of a run;
- ``recover(retain_seconds)``: clear what killed runs left, expire old versions;
- ``load_state()`` / ``load_dedup()`` / ``texts_of()``: what the live data holds;
- ``stage_url(run_id)``: where the batches write their Parquet parts;
- ``write(run_id, plan)``: materialise the plan (:mod:`flows.incremental`);
- ``publish(run_id)``: make it live, the single atomic step of a run;
- ``write_run_log(run_id, summary)``, ``compact()``.

Backends, chosen from the output URL and ``--table-format``:

- :mod:`flows.store_parquet`: versioned Hive-partitioned Parquet on a local
  filesystem (symlink swap, hard links, flock). The default for local paths.
- :mod:`flows.store_delta`: Delta Lake tables (delta-rs): atomic commits with
  S3 conditional writes, merge by ``doc_id``. Always used for object storage
  (``s3://``, ``gs://``, ``az://``...), and locally with ``--table-format delta``.
"""
from __future__ import annotations

import json
import posixpath
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from flows.storage import open_root
from schemas.version import METADATA_KEY, SCHEMA_VERSION

if TYPE_CHECKING:
    from flows.incremental import RunPlan

DATASETS = ("articles", "rejects")
TABLE_FORMATS = ("parquet", "delta")
STATE_SCHEMA = pa.schema([
    pa.field("source_path", pa.string(), nullable=False),
    pa.field("doc_id", pa.string()),
    pa.field("content_sha256", pa.string()),
    pa.field("kind", pa.string(), nullable=False),  # article | reject
    pa.field("part", pa.string()),  # the part file holding the row (versioned Parquet); null on Delta tables
    pa.field("run_id", pa.string(), nullable=False),
])
# How long a replaced version stays readable for readers that listed it before it was replaced.
DEFAULT_RETAIN_SECONDS = 3600.0


class OutputLocked(RuntimeError):
    """Another run holds the output."""


class SchemaMismatch(RuntimeError):
    """The live dataset was written with another major schema version."""


@dataclass(frozen=True, slots=True)  # slots: one per input file lives in the flow process
class StateRow:
    source_path: str
    doc_id: str | None
    content_sha256: str | None
    kind: str
    part: str | None
    run_id: str


def state_table(rows: list[StateRow]) -> pa.Table:
    """The state rows as a table sorted by source path, stamped with the schema version."""
    rows = sorted(rows, key=lambda r: r.source_path)
    return pa.Table.from_pydict({name: [getattr(r, name) for r in rows] for name in STATE_SCHEMA.names},
                                schema=STATE_SCHEMA.with_metadata({METADATA_KEY: SCHEMA_VERSION.encode()}))


def check_schema_version(table: pa.Table | str, url: str) -> None:
    """Refuse a dataset written with another major schema version (``table``: one stamped
    with it in its schema metadata, or the version itself)."""
    written = table if isinstance(table, str) else (table.schema.metadata or {}).get(METADATA_KEY, b"").decode()
    written = written or SCHEMA_VERSION
    if written.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise SchemaMismatch(f"{url} holds schema version {written}; this news-etl writes "
                             f"{SCHEMA_VERSION}. Write to a new output (or use --full-refresh to rebuild).")


class Store(Protocol):
    """What the flow needs of an output (see the module docstring)."""

    url: str

    def lock(self, run_id: str) -> AbstractContextManager[None]: ...
    def recover(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> list[str]: ...
    def load_state(self) -> dict[str, StateRow]: ...
    def load_dedup(self) -> tuple[dict[str, dict], bool]: ...
    def texts_of(self, ids_by_part: dict[str, set[str]]) -> dict[str, str | None]: ...
    def stage_url(self, run_id: str) -> str: ...
    def write(self, run_id: str, plan: RunPlan) -> None: ...
    def publish(self, run_id: str) -> None: ...
    def write_run_log(self, run_id: str, summary: dict) -> str: ...
    def compact(self, retain_seconds: float = DEFAULT_RETAIN_SECONDS) -> dict: ...


def is_local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


def open_store(url: str, table_format: str | None = None) -> Store:
    """The backend for ``url``: Delta Lake on object storage or when asked for, else versioned Parquet.

    An existing output keeps its format: a local folder that holds Delta tables
    is opened as Delta without ``--table-format``.
    """
    if table_format not in (None, *TABLE_FORMATS):
        raise ValueError(f"unknown table format {table_format!r}; choose one of {', '.join(TABLE_FORMATS)}")
    if not is_local(url) and table_format == "parquet":
        raise ValueError(f"{url}: versioned Parquet needs a local filesystem (symlinks, hard links); "
                         "object storage is written as Delta Lake tables (--table-format delta)")
    if table_format is None:
        fs, root = open_root(url)
        delta_here = fs.exists(posixpath.join(root, "articles", "_delta_log"))
        table_format = "delta" if not is_local(url) or delta_here else "parquet"
    if table_format == "delta":
        from flows.store_delta import DeltaStore

        return DeltaStore(url)
    from flows.store_parquet import ParquetStore

    return ParquetStore(url)


class FsStore:
    """What every backend shares: an fsspec root and the run logs under ``_runs/``."""

    def __init__(self, output_url: str) -> None:
        self.url = output_url
        self.fs, self.root = open_root(output_url)

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def write_run_log(self, run_id: str, summary: dict) -> str:
        path = self.path("_runs", f"{run_id}.json")
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        body = json.dumps({**summary, "schema_version": SCHEMA_VERSION}, ensure_ascii=False, indent=1, sort_keys=True)
        tmp = path + ".tmp"
        with self.fs.open(tmp, "w", encoding="utf-8") as fh:
            fh.write(body)
        self.fs.mv(tmp, path)
        return path
