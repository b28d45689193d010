"""Open the output datasets with pyarrow, whichever backend wrote them.

Versioned Parquet (local): ``OUTPUT/articles`` is a symlink into the live
version; partition types are fixed rather than inferred (``year`` int16,
``month`` int8, as in Delta), and the undated partition ``year=0/month=0`` is
read back as null (:mod:`schemas.partitions`), so undated articles have a null
year and month here whichever backend wrote them; plain hive readers see 0.
An output not yet moved to the 1.2 layout (undated rows under the Hive default
partition, ``month=08``) reads the same.

Delta Lake (object storage, or ``--table-format delta``): ``OUTPUT/articles``
is a Delta table, read through delta-rs at its latest version (``year`` and
``month`` are columns of it). Its files are read with one of pyarrow's own
filesystems (``delta_filesystem``), not deltalake's default: that default is a
Python filesystem (``PyFileSystem(DeltaStorageHandler)``) that Arrow's I/O
threads call back into, and a process that read through it aborts at exit now
and then ("terminate called without an active exception": 4 of 100 runs of
``DeltaTable(...).to_pandas()`` here, 0 of 100 with pyarrow's filesystem).
"""
from __future__ import annotations

import os
import posixpath

import fsspec
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from schemas.articles import ARTICLES_SCHEMA
from schemas.partitions import LEGACY_UNDATED, LEGACY_UNDATED_DIR, PARTITION_SCHEMA, UNDATED_VALUE
from schemas.rejects import REJECTS_SCHEMA

# A directory value of UNDATED_VALUE ("0") is read as null: year=0/month=0 holds the undated articles.
PARTITIONING = ds.HivePartitioning(PARTITION_SCHEMA, null_fallback=UNDATED_VALUE)
LEGACY_PARTITIONING = ds.HivePartitioning(PARTITION_SCHEMA, null_fallback=LEGACY_UNDATED)


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


def delta_filesystem(uri: str, options: dict[str, str] | None = None) -> pafs.FileSystem | None:
    """A pyarrow filesystem rooted at the Delta table ``uri`` (a local path, ``file://`` or
    ``s3://``), to pass as ``filesystem=`` to deltalake's ``to_pyarrow_dataset``/``to_pandas``;
    None for other schemes (deltalake's own handler is used then). For S3 the endpoint and
    region are those of ``options`` (``delta_storage_options``); credentials come from the
    ``AWS_*`` variables, as for delta-rs."""
    if uri.startswith(("s3://", "s3a://")):
        options = options or {}
        endpoint = options.get("AWS_ENDPOINT_URL")
        scheme, _, host = endpoint.partition("://") if endpoint else ("https", "", None)
        s3 = pafs.S3FileSystem(endpoint_override=host or None, scheme=scheme,
                               region=options.get("AWS_REGION") or "us-east-1",
                               access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
                               secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
                               session_token=os.environ.get("AWS_SESSION_TOKEN"))
        return pafs.SubTreeFileSystem(uri.split("://", 1)[1].rstrip("/"), s3)
    if "://" in uri and not uri.startswith("file://"):
        return None
    return pafs.SubTreeFileSystem(os.path.abspath(uri.removeprefix("file://")), pafs.LocalFileSystem())


def delta_dataset(table, options: dict[str, str] | None = None) -> ds.Dataset:
    """``table`` (a deltalake ``DeltaTable``) as a pyarrow dataset read through
    ``delta_filesystem``: the one way this package turns a Delta table into Arrow.
    ``options`` default to :func:`delta_storage_options` of the table's URI."""
    uri = table.table_uri
    return table.to_pyarrow_dataset(filesystem=delta_filesystem(uri, options or delta_storage_options(uri)))


def delta_table(output: str, name: str):
    """The Delta table ``name`` under an output root, or None when it is not one."""
    from deltalake import DeltaTable

    uri = str(output).rstrip("/") + "/" + name if "://" in str(output) else os.path.abspath(os.path.join(output, name))
    options = delta_storage_options(uri)
    return DeltaTable(uri, storage_options=options) if DeltaTable.is_deltatable(uri, storage_options=options) else None


def articles_dataset(output: str) -> ds.Dataset:
    """The ``articles`` dataset under an output root, with year/month columns (null when undated)."""
    table = delta_table(output, "articles")
    if table is not None:
        return delta_dataset(table)
    fs, root = fsspec.core.url_to_fs(str(output))
    path = posixpath.join(root.rstrip("/"), "articles")
    # a version is in one layout or the other: the store moves every undated part at once
    partitioning = LEGACY_PARTITIONING if fs.isdir(posixpath.join(path, LEGACY_UNDATED_DIR)) else PARTITIONING
    return ds.dataset(path, format="parquet", partitioning=partitioning,
                      schema=pa.unify_schemas([ARTICLES_SCHEMA, PARTITION_SCHEMA]), filesystem=fs)


def rejects_dataset(output: str) -> ds.Dataset:
    table = delta_table(output, "rejects")
    if table is not None:
        return delta_dataset(table)
    fs, root = fsspec.core.url_to_fs(str(output))
    return ds.dataset(posixpath.join(root.rstrip("/"), "rejects"), format="parquet", schema=REJECTS_SCHEMA,
                      filesystem=fs)
