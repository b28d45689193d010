"""Open the output datasets with pyarrow, partition types fixed rather than inferred.

Inference fails when every article of a dataset is undated (all partitions are
the Hive default, so there is no value to infer a type from); an explicit
partitioning always works and gives ``year``/``month`` as integers.
"""
from __future__ import annotations

import posixpath

import pyarrow as pa
import pyarrow.dataset as ds

from schemas.articles import ARTICLES_SCHEMA, UNDATED_PARTITION
from schemas.rejects import REJECTS_SCHEMA

PARTITIONING = ds.HivePartitioning(pa.schema([("year", pa.int16()), ("month", pa.int8())]),
                               null_fallback=UNDATED_PARTITION)


def articles_dataset(output: str, filesystem=None) -> ds.Dataset:
    """The ``articles`` dataset under an output root, with year/month columns."""
    return ds.dataset(posixpath.join(str(output), "articles"), format="parquet", partitioning=PARTITIONING,
                      schema=pa.unify_schemas([ARTICLES_SCHEMA, PARTITIONING.schema]), filesystem=filesystem)


def rejects_dataset(output: str, filesystem=None) -> ds.Dataset:
    return ds.dataset(posixpath.join(str(output), "rejects"), format="parquet", schema=REJECTS_SCHEMA,
                      filesystem=filesystem)
