"""Open the output datasets with pyarrow, partition types fixed rather than inferred.

Inference fails when every article of a dataset is undated (all partitions are
the Hive default, so there is no value to infer a type from); an explicit
partitioning always works and gives ``year``/``month`` as integers.
"""
from __future__ import annotations

import posixpath

import fsspec
import pyarrow as pa
import pyarrow.dataset as ds

from schemas.articles import ARTICLES_SCHEMA, UNDATED_PARTITION
from schemas.rejects import REJECTS_SCHEMA

PARTITIONING = ds.HivePartitioning(pa.schema([("year", pa.int16()), ("month", pa.int8())]),
                               null_fallback=UNDATED_PARTITION)


def live_root(output: str) -> tuple[object, str]:
    """Filesystem and directory of the live version under an output root.

    Locally ``OUTPUT/articles`` is a symlink into the live version; on object
    storage the object ``OUTPUT/_CURRENT`` names it.
    """
    fs, root = fsspec.core.url_to_fs(str(output))
    root = root.rstrip("/")
    pointer = posixpath.join(root, "_CURRENT")
    if not fs.exists(posixpath.join(root, "articles")) and fs.exists(pointer):
        root = posixpath.join(root, "_versions", fs.cat_file(pointer).decode().strip())
    return fs, root


def articles_dataset(output: str) -> ds.Dataset:
    """The ``articles`` dataset under an output root, with year/month columns."""
    fs, root = live_root(output)
    return ds.dataset(posixpath.join(root, "articles"), format="parquet", partitioning=PARTITIONING,
                      schema=pa.unify_schemas([ARTICLES_SCHEMA, PARTITIONING.schema]), filesystem=fs)


def rejects_dataset(output: str) -> ds.Dataset:
    fs, root = live_root(output)
    return ds.dataset(posixpath.join(root, "rejects"), format="parquet", schema=REJECTS_SCHEMA, filesystem=fs)
