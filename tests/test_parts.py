"""Streaming Parquet merges (flows.inputs.parts) on real records of the dev fixtures, and the merge planner."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fsspec.implementations.local import LocalFileSystem

from flows.inputs.parts import SMALL_SHARE, merge_parquet, plan_merges, read_staged
from flows.inputs.storage import STAGED_SUFFIX, iter_part, write_parquet, write_staged
from schemas import articles_table, rejects_table
from schemas.articles import ARTICLES_SCHEMA
from schemas.rejects import REJECTS_SCHEMA
from schemas.version import METADATA_KEY, SCHEMA_VERSION
from tests.conftest import DEV
from transforms.pipeline import clean_document
from transforms.records import Record, Reject

KiB = 2**10


@pytest.fixture(scope="module")
def cleaned() -> tuple[list[Record], list[Reject]]:
    """What the cleaner makes of every dev fixture: its articles and its rejects."""
    records, rejects = [], []
    for path in sorted(p for p in DEV.rglob("*") if p.is_file()):
        out = clean_document(path.read_bytes(), path.relative_to(DEV).as_posix())
        (records if isinstance(out, Record) else rejects).append(out)
    assert len(records) > 200 and rejects
    return records, rejects


def _parts(records: list[Record], tmp: Path, sizes: list[int], copies: int = 1) -> list[str]:
    """Write ``records`` (``copies`` times, each copy with its own doc_ids and texts) as parts of ``sizes`` rows."""
    rows = [dataclasses.replace(r, doc_id=f"{r.doc_id}-{c}", text=f"{r.text}\n\n副本 {c}") if c else r
            for c in range(copies) for r in records]
    paths, start = [], 0
    fs = LocalFileSystem()
    for i, n in enumerate(sizes * (len(rows) // sum(sizes) + 1)):
        if start >= len(rows):
            break
        path = str(tmp / "src" / f"part-{i:05d}.parquet")
        write_parquet(fs, path, articles_table(rows[start:start + n], f"run-{i % 3}"))
        paths.append(path)
        start += n
    return paths


def _read(paths: list[str]) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in paths) if paths else ARTICLES_SCHEMA.empty_table()


def _name(i: int) -> str:
    return f"part-merged-{i:03d}.parquet"


def _final_files(dst: Path) -> list[str]:
    return sorted(p.name for p in dst.iterdir()) if dst.exists() else []


def test_merge_keeps_every_row_value_order_and_the_schema(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [1, 17, 40, 3, 60])
    before = _read(srcs)
    out = merge_parquet(srcs, str(tmp_path / "dst"), _name, schema=ARTICLES_SCHEMA, target_bytes=128 * KiB)
    assert len(out) >= 2, out  # split: the sources are several times the target
    assert out == [str(tmp_path / "dst" / _name(i)) for i in range(len(out))]
    assert _final_files(tmp_path / "dst") == [_name(i) for i in range(len(out))]  # no temporary left
    after = _read(out)
    assert after.num_rows == before.num_rows == len(records)
    assert after.equals(before)  # same rows, every column, same order
    assert after.sort_by("doc_id").equals(before.sort_by("doc_id"))
    assert after.column("doc_id").to_pylist() == [r.doc_id for r in records]
    for path in out:
        schema = pq.read_schema(path)
        assert schema.equals(pq.read_schema(srcs[0]), check_metadata=True)  # as write_parquet writes it
        assert schema.metadata[METADATA_KEY] == SCHEMA_VERSION.encode()
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"


def test_merge_rolls_over_at_the_target_size_on_disk(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [25], copies=4)  # ~960 distinct rows
    target = 256 * KiB
    out = merge_parquet(srcs, str(tmp_path / "dst"), _name, schema=ARTICLES_SCHEMA, target_bytes=target,
                        row_group_bytes=64 * KiB)
    sizes = [os.path.getsize(p) for p in out]
    total = sum(sizes)
    assert len(out) >= 4 and len(out) <= total // (target // 2) + 1, sizes
    for size in sizes[:-1]:
        assert 0.85 * target <= size <= 1.2 * target, sizes
    assert sizes[-1] <= 1.2 * target
    assert _read(out).equals(_read(srcs))


def test_a_source_row_group_bigger_than_the_target_is_split(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    [src] = _parts(records, tmp_path, [len(records)])
    assert pq.ParquetFile(src).num_row_groups == 1 and os.path.getsize(src) > 6 * 64 * KiB
    out = merge_parquet([src], str(tmp_path / "dst"), _name, schema=ARTICLES_SCHEMA, target_bytes=64 * KiB)
    assert len(out) >= 5
    assert all(os.path.getsize(p) <= 1.2 * 64 * KiB for p in out[:-1])
    assert _read(out).equals(pq.read_table(src))


def test_one_file_when_it_all_fits(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [30])
    out = merge_parquet(srcs, str(tmp_path / "dst"), _name, schema=ARTICLES_SCHEMA)
    assert len(out) == 1 and pq.ParquetFile(out[0]).num_row_groups == 1
    assert _read(out).equals(_read(srcs))


def test_transform_drops_rows_and_sets_duplicate_of(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [13, 29])
    ids = [r.doc_id for r in records]
    drop = set(ids[::7])
    links = {ids[1]: ids[2], ids[50]: ids[3], ids[99]: None}

    def transform(t: pa.Table) -> pa.Table:
        t = t.filter(pc.invert(pc.is_in(t.column("doc_id"), value_set=pa.array(sorted(drop)))))
        old = t.column("duplicate_of").to_pylist()
        new = [links.get(i, o) for i, o in zip(t.column("doc_id").to_pylist(), old, strict=True)]
        return t.set_column(t.schema.get_field_index("duplicate_of"), "duplicate_of", pa.array(new, pa.string()))

    out = merge_parquet(srcs, str(tmp_path / "dst"), _name, schema=ARTICLES_SCHEMA, transform=transform)
    after = _read(out)
    assert after.column("doc_id").to_pylist() == [i for i in ids if i not in drop]
    got = dict(zip(after.column("doc_id").to_pylist(), after.column("duplicate_of").to_pylist(), strict=True))
    assert got[ids[1]] == ids[2] and got[ids[50]] == ids[3] and got[ids[99]] is None
    before = _read(srcs).to_pylist()
    expected = [{**row, "duplicate_of": links.get(row["doc_id"], row["duplicate_of"])}
                for row in before if row["doc_id"] not in drop]
    assert after.to_pylist() == expected  # every other value untouched
    assert pq.read_schema(out[0]).equals(pq.read_schema(srcs[0]), check_metadata=True)


def test_rejects_parts_merge_too(cleaned, tmp_path: Path) -> None:
    _, rejects = cleaned
    fs = LocalFileSystem()
    srcs = []
    for i in range(0, len(rejects), 2):
        srcs.append(str(tmp_path / f"r{i}.parquet"))
        write_parquet(fs, srcs[-1], rejects_table(rejects[i:i + 2], "run-r"))
    out = merge_parquet(srcs, str(tmp_path / "dst"), _name, schema=REJECTS_SCHEMA)
    assert len(out) == 1
    assert _read(out).equals(pa.concat_tables(pq.read_table(s) for s in srcs))
    assert pq.read_table(out[0]).column("source_path").to_pylist() == [r.source_path for r in rejects]


def test_nothing_left_writes_nothing(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [50])
    dst = tmp_path / "dst"
    assert merge_parquet(srcs, str(dst), _name, schema=ARTICLES_SCHEMA, transform=lambda t: t.slice(0, 0)) == []
    assert merge_parquet([], str(dst), _name, schema=ARTICLES_SCHEMA) == []
    assert not dst.exists()


def test_an_exception_leaves_no_file_under_a_final_name(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [10])
    calls = []

    def failing(t: pa.Table) -> pa.Table:
        calls.append(t.num_rows)
        if len(calls) == len(srcs) - 2:
            raise RuntimeError("transform failed")
        return t

    dst = tmp_path / "dst"
    with pytest.raises(RuntimeError, match="transform failed"):
        # a tiny target: several output files were complete before the failure
        merge_parquet(srcs, str(dst), _name, schema=ARTICLES_SCHEMA, target_bytes=32 * KiB, transform=failing,
                      row_group_bytes=16 * KiB)
    assert _final_files(dst) == []  # neither final names nor temporaries
    assert _read(srcs).num_rows == len(records)  # the sources untouched


def test_an_output_may_replace_a_source(cleaned, tmp_path: Path) -> None:
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [60])
    before = _read(srcs)
    out = merge_parquet(srcs, str(tmp_path / "src"), lambda i: Path(srcs[i]).name, schema=ARTICLES_SCHEMA)
    assert out == [srcs[0]]
    assert _read(out).equals(before)


def test_merge_through_an_fsspec_filesystem(cleaned) -> None:
    records, _ = cleaned
    fs = fsspec.filesystem("memory")
    srcs = []
    for i in range(0, 90, 30):
        srcs.append(f"/parts-test/src/p{i}.parquet")
        write_parquet(fs, srcs[-1], articles_table(records[i:i + 30], "run-m"))
    try:
        out = merge_parquet(srcs, "/parts-test/dst", _name, schema=ARTICLES_SCHEMA, fs=fs)
        assert out == [f"/parts-test/dst/{_name(0)}"]
        with fs.open(out[0], "rb") as fh:
            merged = pq.read_table(fh)
        assert merged.column("doc_id").to_pylist() == [r.doc_id for r in records[:90]]
        assert merged.schema.metadata[METADATA_KEY] == SCHEMA_VERSION.encode()
        assert fs.ls("/parts-test/dst", detail=False) == out
    finally:
        fs.rm("/parts-test", recursive=True)


_MEASURE = """
import json, sys, pyarrow as pa, pyarrow.parquet as pq
from flows.inputs.parts import merge_parquet
from schemas.articles import ARTICLES_SCHEMA
srcs, dst, cap = json.loads(sys.argv[1])
baseline = pa.default_memory_pool().max_memory()
out = merge_parquet(srcs, dst, lambda i: f"m{i:03d}.parquet", schema=ARTICLES_SCHEMA, row_group_bytes=cap)
print(json.dumps({"peak": pa.default_memory_pool().max_memory(), "baseline": baseline, "out": out}))
"""


def test_merge_memory_follows_the_row_group_not_the_data(cleaned, tmp_path: Path) -> None:
    """Peak Arrow memory of a merge of 300 parts, measured in a process of its own."""
    records, _ = cleaned
    srcs = _parts(records, tmp_path, [24], copies=30)  # 300 parts, ~7,200 distinct rows
    assert len(srcs) == 300
    data = sum(pq.ParquetFile(s).metadata.row_group(0).total_byte_size for s in srcs)  # uncompressed bytes
    biggest = max(pq.read_table(s).nbytes for s in srcs)
    cap = 512 * KiB
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    p = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps([srcs, str(tmp_path / "dst"), cap])],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    got = json.loads(p.stdout)
    assert _read(got["out"]).num_rows == 300 * 24
    assert data > 20 * (cap + biggest), (data, cap, biggest)
    assert got["peak"] < 4 * (cap + biggest), (got, cap, biggest, data)


# --- plan_merges ------------------------------------------------------------------------------------

MiB = 2**20
T = 128 * MiB


def test_plan_nothing_while_few_files() -> None:
    files = [(f"p{i}", 1 * MiB) for i in range(8)]
    assert plan_merges(files, max_files=8, target_bytes=T) == []
    assert plan_merges([], max_files=0, target_bytes=T) == []


def test_plan_groups_small_files_to_the_target() -> None:
    files = [(f"p{i:02d}", 10 * MiB) for i in range(30)]  # 300 MiB in 30 small files
    groups = plan_merges(files, max_files=8, target_bytes=T)
    assert [len(g) for g in groups] == [12, 12, 6]  # 120 + 120 + 60 MiB: three files instead of 30
    assert sorted(p for g in groups for p in g) == [p for p, _ in files]
    for g in groups:
        assert g == sorted(g)  # in their order, so that rows keep theirs


def test_plan_leaves_well_sized_files_alone() -> None:
    files = [("big0", 120 * MiB), ("s0", 5 * MiB), ("big1", 100 * MiB), ("mid", 64 * MiB), ("s1", 7 * MiB),
             ("s2", 1 * MiB)]
    groups = plan_merges(files, max_files=4, target_bytes=T)
    assert groups == [["s0", "s1", "s2"]]  # 64 MiB is half the target: already well sized
    # big, big, mid + one merged file = 4 = max_files
    assert len(files) - sum(len(g) for g in groups) + len(groups) <= 4


def test_plan_packs_by_size_and_never_over_the_target() -> None:
    sizes = [60, 10, 50, 20, 40, 30, 63, 1, 5, 2]  # MiB, all under half the target
    files = [(f"p{i}", s * MiB) for i, s in enumerate(sizes)]
    groups = plan_merges(files, max_files=2, target_bytes=T)
    size = dict(files)
    loads = [sum(size[p] for p in g) for g in groups]
    assert all(load <= T for load in loads), loads
    assert len(groups) == 3 and sum(loads) == sum(sizes) * MiB  # 281 MiB needs 3 files of <= 128 MiB
    assert all(g == sorted(g, key=lambda p: int(p[1:])) for g in groups)


def test_plan_a_lone_small_file_is_no_merge() -> None:
    files = [("a", 100 * MiB), ("b", 90 * MiB), ("c", 3 * MiB)]
    assert plan_merges(files, max_files=2, target_bytes=T) == []  # one small file: merging it alone gains nothing
    assert SMALL_SHARE * T == 64 * MiB


def _staged(records: list[Record], fs, root: str, sizes: list[int]) -> list[str]:
    """``records`` as staged IPC parts of ``sizes`` rows (as a batch writes them)."""
    paths, start = [], 0
    for i, n in enumerate(sizes):
        paths.append(f"{root}/articles/year=2020/month=1/part-r-{i:05d}{STAGED_SUFFIX}")
        write_staged(fs, paths[-1], articles_table(records[start:start + n], f"run-{i}"))
        start += n
    return paths


def test_staged_ipc_parts_merge_into_the_same_parquet(cleaned, tmp_path: Path) -> None:
    """A batch stages Arrow IPC parts; merged, they give the very file Parquet parts give."""
    records, _ = cleaned
    fs = LocalFileSystem()
    ipc = _staged(records, fs, str(tmp_path / "ipc"), [1, 17, 40, 3, 60])
    assert pa.ipc.open_file(ipc[1]).schema.equals(ARTICLES_SCHEMA, check_metadata=True)
    assert [t.num_rows for t in iter_part(fs, ipc[2])] == [40]
    assert [t.column_names for t in iter_part(fs, ipc[2], ["doc_id", "title"])] == [["doc_id", "title"]]
    parquet = _parts(records[:121], tmp_path, [1, 17, 40, 3, 60])
    a = merge_parquet(ipc, str(tmp_path / "from-ipc"), _name, schema=ARTICLES_SCHEMA)
    b = merge_parquet(parquet, str(tmp_path / "from-parquet"), _name, schema=ARTICLES_SCHEMA)
    assert len(a) == len(b) == 1
    merged = pq.read_table(a[0])
    assert merged.drop_columns(["run_id"]).equals(pq.read_table(b[0]).drop_columns(["run_id"]))
    assert merged.column("doc_id").to_pylist() == [r.doc_id for r in records[:121]]
    assert pq.read_schema(a[0]).metadata[METADATA_KEY] == SCHEMA_VERSION.encode()
    assert pq.ParquetFile(a[0]).metadata.row_group(0).column(0).compression == "ZSTD"


def test_staged_parts_on_a_remote_filesystem_are_lz4_and_read_back(cleaned) -> None:
    """On a stage that is not a local disk (object storage, here fsspec's memory filesystem)
    the parts are LZ4-compressed; read_staged selects columns and rows from them."""
    records, _ = cleaned
    fs = fsspec.filesystem("memory")
    try:
        parts = _staged(records, fs, "/staged-test", [30, 30])
        rels = [p.removeprefix("/staged-test/") for p in parts]
        raw = fs.cat_file(parts[0])
        assert pa.ipc.open_file(pa.BufferReader(raw)).read_all().num_rows == 30
        assert b"LZ4" not in raw[:8] and len(raw) < sum(len(r.text.encode()) for r in records[:30])  # compressed
        table = read_staged("memory:///staged-test", rels, ARTICLES_SCHEMA, ["doc_id", "title"],
                            pa.array([records[3].doc_id, records[40].doc_id]))
        assert table.column_names == ["doc_id", "title"]
        assert sorted(table.column("doc_id").to_pylist()) == sorted([records[3].doc_id, records[40].doc_id])
        whole = read_staged("memory:///staged-test", rels, ARTICLES_SCHEMA)
        assert whole.schema.equals(ARTICLES_SCHEMA) and whole.num_rows == 60
    finally:
        fs.rm("/staged-test", recursive=True)


def test_a_batch_stages_ipc_parts_and_a_run_leaves_only_parquet(tmp_path: Path) -> None:
    from flows.run.batch import run_batch
    from tests.runs import run_once

    src = tmp_path / "in"
    for path in sorted(p for p in DEV.rglob("*") if p.is_file())[:60]:
        target = src / path.relative_to(DEV)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    rels = sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())
    result = run_batch(str(src), str(tmp_path / "stage"), "r", 0, rels)
    assert result.parts and all(p.endswith(STAGED_SUFFIX) for p in result.parts)
    assert all(p.endswith(".parquet") for p in result.outcomes + result.dedup)
    table = pq.read_table(tmp_path / "stage" / result.outcomes[0])
    outcomes = table.column("source_path").to_pylist()
    assert outcomes == rels  # every file, in the batch's (path) order: the flow need not sort them
    # The batch hashes each file once, for the unchanged check and for the record: the same digest.
    hashed = {r: h for r, h in zip(outcomes, table.column("content_sha256").to_pylist(), strict=True) if h}
    assert len(hashed) > 40
    assert all(h == hashlib.sha256((src / r).read_bytes()).hexdigest() for r, h in hashed.items())
    run_once(src, tmp_path / "out", "r1")
    left = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.suffix not in (".parquet", ".json", ".png")]
    assert not [p for p in left if p.name.endswith(STAGED_SUFFIX)], left
    assert list((tmp_path / "out" / "articles").rglob("*.parquet"))
