"""SHIM (replaced by the parts branch): Parquet merges."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq


def merge_parquet(srcs: Sequence[str], dst_dir: str, name: Callable[[int], str], *, schema: pa.Schema,
                  target_bytes: int = 128 * 2**20, transform: Callable[[pa.Table], pa.Table] | None = None) -> list[str]:
    tables = [pq.read_table(s, schema=schema) for s in srcs]
    t = pa.concat_tables(tables) if tables else schema.empty_table()
    if transform:
        t = transform(t)
    if not t.num_rows:
        return []
    os.makedirs(dst_dir, exist_ok=True)
    path = os.path.join(dst_dir, name(0))
    pq.write_table(t, path + ".tmp", compression="zstd")
    os.replace(path + ".tmp", path)
    return [path]


def plan_merges(files: Sequence[tuple[str, int]], *, max_files: int, target_bytes: int) -> list[list[str]]:
    if len(files) <= max_files:
        return []
    small = [p for p, s in files if s < target_bytes // 2]
    return [small] if len(small) > 1 else []
