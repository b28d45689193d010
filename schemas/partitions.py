"""The partition of an article: ``year`` and ``month`` of ``published_at`` (UTC), the one rule.

An undated article has no year and no month: null, in both backends and
through :mod:`schemas.read`. What differs is how a backend spells that null:

- Delta Lake keeps the partition values, typed, in its log: null is null.
- The versioned Parquet layout has only directory names, and a reader that
  infers the hive columns from them (pyarrow's ``partitioning="hive"``,
  pandas, DuckDB, Polars, Spark) gets their types from the values it sees.
  Hive's own spelling of null, ``__HIVE_DEFAULT_PARTITION__``, gives it nothing
  to infer from when every article is undated ("No non-null segments were
  available for field 'month'"), so the layout spells null ``0``:
  ``year=0/month=0``, a partition no date maps to (dated years and months
  start at 1). Plain readers then see 0 there; :mod:`schemas.read` maps it
  back to null.

Values are written as plain integers, ``year=2020/month=8`` (as Spark and
delta-rs write integer partitions): DuckDB reads a value with a leading zero
(``month=08``) as text, so a zero-padded month was ``VARCHAR`` there.

Layouts before schema 1.2 spelled undated ``__HIVE_DEFAULT_PARTITION__``
(:data:`LEGACY_UNDATED`) and months with two digits; the store moves such parts
to :func:`canonical_dir` on its next run or compaction.
"""
from __future__ import annotations

import posixpath
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

PARTITION_COLUMNS = ("year", "month")
# The partition columns' types (Delta's columns, and the types schemas.read gives the Parquet layout).
PARTITION_SCHEMA = pa.schema([pa.field("year", pa.int16()), pa.field("month", pa.int8())])
UNDATED_VALUE = "0"  # how a directory name of the Parquet layout spells a null year or month
UNDATED_DIR = posixpath.join(f"year={UNDATED_VALUE}", f"month={UNDATED_VALUE}")
LEGACY_UNDATED = "__HIVE_DEFAULT_PARTITION__"  # the spelling before schema 1.2
LEGACY_UNDATED_DIR = f"year={LEGACY_UNDATED}"


def partition_of(published_at: datetime | None) -> tuple[int, int] | tuple[None, None]:
    """``(year, month)`` of a publication time (UTC), ``(None, None)`` when undated."""
    if published_at is None:
        return None, None
    return published_at.year, published_at.month


def partition_dir(year: int | None, month: int | None) -> str:
    """The Parquet layout's directory of a partition (:func:`partition_of`): ``year=2020/month=8``,
    or :data:`UNDATED_DIR` when undated. Only digits: no date string reaches a path."""
    if year is None or month is None:
        return UNDATED_DIR
    return posixpath.join(f"year={int(year)}", f"month={int(month)}")


def canonical_dir(year_value: str, month_value: str) -> str:
    """Where the parts of directory ``year=<year_value>/month=<month_value>`` belong in this
    layout: the same place, or, for a pre-1.2 spelling (``month=08``, the Hive default
    partition), the directory :func:`partition_dir` names today."""
    if LEGACY_UNDATED in (year_value, month_value):
        return UNDATED_DIR
    year, month = int(year_value), int(month_value)
    return UNDATED_DIR if year == 0 or month == 0 else partition_dir(year, month)


def partition_columns(published_at: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, pa.Array]:
    """``year`` and ``month`` of a column of publication times (null when undated), typed
    as :data:`PARTITION_SCHEMA`: the vectorised :func:`partition_of`, for Delta's columns."""
    if not len(published_at):
        return pa.array([], pa.int16()), pa.array([], pa.int8())
    return pc.cast(pc.year(published_at), pa.int16()), pc.cast(pc.month(published_at), pa.int8())
