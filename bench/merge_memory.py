#!/usr/bin/env python
"""Peak memory of a streaming Parquet merge (``flows.inputs.parts.merge_parquet``) against the data merged.

    python bench/merge_memory.py [--parts 300] [--target-mib 128] [--row-group-mib 32] [--dir DIR]

Writes ``--parts`` article parts (each the records of the dev fixtures, made
distinct: own doc_ids, own texts) with ``flows.inputs.storage.write_parquet``, then
merges them in a fresh process (Linux: it reads /proc/self/status) and prints, as JSON: the parts' bytes on disk
and in Arrow, the files written, the seconds, and the merge process's peaks:
Arrow's memory pool, the Python heap (tracemalloc) and the RSS.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_MERGE = r"""
import json, re, sys, time, tracemalloc
import pyarrow as pa


def status(key):  # kB in /proc/self/status; VmHWM, unlike ru_maxrss, starts afresh at exec
    return int(re.search(key + r":\s+(\d+)", open("/proc/self/status").read()).group(1)) * 1024


from flows.inputs.parts import merge_parquet
from schemas.articles import ARTICLES_SCHEMA
srcs, dst, target, cap = json.loads(sys.argv[1])
rss0 = status("VmHWM")
tracemalloc.start()
t0 = time.perf_counter()
out = merge_parquet(srcs, dst, lambda i: f"merged-{i:03d}.parquet", schema=ARTICLES_SCHEMA, target_bytes=target,
                    row_group_bytes=cap)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": round(seconds, 2), "out": out, "arrow_pool_peak": pa.default_memory_pool().max_memory(),
                  "python_heap_peak": tracemalloc.get_traced_memory()[1], "rss_before_merge": rss0,
                  "rss_peak": status("VmHWM")}))
"""


def build_parts(tmp: Path, n: int) -> list[str]:
    import pyarrow.parquet as pq  # noqa: F401 (imported here: the merge process measures its own imports)
    from fsspec.implementations.local import LocalFileSystem

    from flows.inputs.storage import write_parquet
    from schemas import articles_table
    from transforms.pipeline import clean_document
    from transforms.records import Record

    dev = ROOT / "tests" / "fixtures" / "dev"
    records = [r for p in sorted(dev.rglob("*")) if p.is_file()
               for r in [clean_document(p.read_bytes(), p.relative_to(dev).as_posix())] if isinstance(r, Record)]
    fs, paths = LocalFileSystem(), []
    for i in range(n):
        rows = [dataclasses.replace(r, doc_id=f"{r.doc_id}-{i}", text=f"{r.text}\n\n副本 {i}") for r in records]
        paths.append(str(tmp / "src" / f"part-{i:05d}.parquet"))
        write_parquet(fs, paths[-1], articles_table(rows, f"run-{i}"))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=300)
    ap.add_argument("--target-mib", type=float, default=128)
    ap.add_argument("--row-group-mib", type=float, default=32)
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    args = ap.parse_args()
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        srcs = build_parts(Path(tmp), args.parts)
        disk = sum(os.path.getsize(s) for s in srcs)
        arrow = sum(pq.read_table(s).nbytes for s in srcs)
        rows = sum(pq.ParquetFile(s).metadata.num_rows for s in srcs)
        spec = [srcs, str(Path(tmp) / "dst"), int(args.target_mib * 2**20), int(args.row_group_mib * 2**20)]
        p = subprocess.run([sys.executable, "-c", _MERGE, json.dumps(spec)], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
        got = json.loads(p.stdout)
        out = got.pop("out")
        print(json.dumps({"parts": len(srcs), "rows": rows, "parts_disk_bytes": disk, "parts_arrow_bytes": arrow,
                          "biggest_part_arrow_bytes": max(pq.read_table(s).nbytes for s in srcs),
                          "files_written": len(out), "file_bytes": [os.path.getsize(o) for o in out],
                          "row_groups": [pq.ParquetFile(o).num_row_groups for o in out], **got}, indent=1))


if __name__ == "__main__":
    main()
