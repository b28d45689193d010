"""The factory that picks a store backend for an output URL.

It lives apart from :mod:`flows.store.interface`, which both backends import, so
that the interface never imports a backend (no import circle).
"""
from __future__ import annotations

import posixpath

from flows.inputs.storage import open_root
from flows.store.interface import TABLE_FORMATS, Store, is_local


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
        from flows.store.delta import DeltaStore  # deltalake only when asked for

        return DeltaStore(url)
    from flows.store.parquet import ParquetStore

    return ParquetStore(url)
