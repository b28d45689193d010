"""Open the output datasets with pyarrow, whichever backend wrote them.

Versioned Parquet (local): ``OUTPUT/articles`` is a symlink into the live
version; partition types are fixed rather than inferred, because inference
fails when every article is undated (all partitions are the Hive default) and
an explicit partitioning gives ``year``/``month`` as integers.

Delta Lake (object storage, or ``--table-format delta``): ``OUTPUT/articles``
is a Delta table, read through delta-rs at its latest version (``year`` and
``month`` are columns of it).
"""
from __future__ import annotations

import os
import posixpath

import fsspec
import pyarrow as pa
import pyarrow.dataset as ds

from schemas.articles import ARTICLES_SCHEMA, UNDATED_PARTITION
from schemas.rejects import REJECTS_SCHEMA

PARTITIONING = ds.HivePartitioning(pa.schema([("year", pa.int16()), ("month", pa.int8())]),
                               null_fallback=UNDATED_PARTITION)


def delta_storage_options(url: str) -> dict[str, str] | None:
    """delta-rs storage options for ``url``: the S3 endpoint fsspec is configured with
    (``FSSPEC_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL``), plain HTTP when it is ``http://``,
    and conditional PUTs for the commit (``aws_conditional_put=etag``). Credentials and the
    region come from the usual ``AWS_*`` variables, which delta-rs reads itself."""
    if not url.startswith(("s3://", "s3a://")):
        return None
    options = {"aws_conditional_put": "etag"}
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("FSSPEC_S3_ENDPOINT_URL")
    if endpoint:
        options["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["AWS_REGION"] = region
    return options


def delta_table(output: str, name: str):
    """The Delta table ``name`` under an output root, or None when it is not one."""
    from deltalake import DeltaTable

    uri = str(output).rstrip("/") + "/" + name if "://" in str(output) else os.path.abspath(os.path.join(output, name))
    options = delta_storage_options(uri)
    return DeltaTable(uri, storage_options=options) if DeltaTable.is_deltatable(uri, storage_options=options) else None


def articles_dataset(output: str) -> ds.Dataset:
    """The ``articles`` dataset under an output root, with year/month columns."""
    table = delta_table(output, "articles")
    if table is not None:
        return table.to_pyarrow_dataset()
    fs, root = fsspec.core.url_to_fs(str(output))
    return ds.dataset(posixpath.join(root.rstrip("/"), "articles"), format="parquet", partitioning=PARTITIONING,
                      schema=pa.unify_schemas([ARTICLES_SCHEMA, PARTITIONING.schema]), filesystem=fs)


def rejects_dataset(output: str) -> ds.Dataset:
    table = delta_table(output, "rejects")
    if table is not None:
        return table.to_pyarrow_dataset()
    fs, root = fsspec.core.url_to_fs(str(output))
    return ds.dataset(posixpath.join(root.rstrip("/"), "rejects"), format="parquet", schema=REJECTS_SCHEMA,
                      filesystem=fs)
