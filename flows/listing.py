"""SHIM (replaced by the parts branch): the input listing as an Arrow table."""
from __future__ import annotations

import os

import pyarrow as pa

from flows.storage import discover, local_path, open_root

LISTING_SCHEMA = pa.schema([
    pa.field("source_path", pa.string(), nullable=False),
    pa.field("size", pa.int64(), nullable=False),
    pa.field("mtime_ns", pa.int64()),
    pa.field("etag", pa.string()),
])


def list_inputs(url: str) -> pa.Table:
    files = discover(url)
    _fs, root = open_root(url)
    mt = []
    for f in files:
        try:
            mt.append(os.stat(local_path(root, f.rel_path) if not os.path.isfile(root) else root).st_mtime_ns)
        except OSError:
            mt.append(None)
    return pa.table({"source_path": [f.rel_path for f in files], "size": [f.size for f in files],
                     "mtime_ns": mt, "etag": [None] * len(files)}, schema=LISTING_SCHEMA)
