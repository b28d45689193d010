"""Every reader opens every output, including one whose articles are all undated.

Real outputs of the real CLI (``news-etl run``) from ``tests/fixtures/undated_readers``:
``undated/`` holds three articles with no date anywhere (not in the text, the
front matter or the path), ``dated/`` two Jekyll posts with a date. Each output is
opened with pyarrow's hive inference, ``pq.read_table``, DuckDB, Polars, pandas
(and Spark when installed): ``year``/``month`` are integers, 0 for an undated
article; ``schemas.read`` gives null. Before schema 1.2 the undated rows sat in the
Hive default partition, and an output with nothing else broke pyarrow's and
pandas' inference; an output written that way comes out in the new layout on the
next run or ``compact``. Delta tables type their partitions in the log and keep
null.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from schemas.partitions import LEGACY_UNDATED
from schemas.read import articles_dataset
from tests.conftest import FIXTURES
from tests.test_incremental import BIN, cli, rows, summary_of

# One worker reads every output of this module: its module-scoped runs are made once, not once per worker.
pytestmark = pytest.mark.xdist_group("undated_readers")

SRC = FIXTURES / "undated_readers"
UNDATED = {"market-report.md": (0, 0), "notes/harbour-walk.txt": (0, 0), "notes/library-reopens.md": (0, 0)}
DATED = {"_posts/2021-03-15-river-cleanup.md": (2021, 3), "_posts/2022-11-02-night-market.md": (2022, 11)}
EXPECTED = {"undated": UNDATED, "mixed": {**UNDATED, **DATED}}
LEGACY_DIR = f"year={LEGACY_UNDATED}/month={LEGACY_UNDATED}"


def _input(root: Path, kind: str) -> Path:
    """``undated``: the undated files alone; ``mixed``: the undated and the dated ones."""
    dst = root / f"in_{kind}"
    shutil.copytree(SRC / "undated", dst)
    if kind == "mixed":
        shutil.copytree(SRC / "dated", dst, dirs_exist_ok=True)
    return dst


@pytest.fixture(scope="module")
def outputs(prefect_server, tmp_path_factory) -> dict[str, Path]:
    """One versioned-Parquet output per input kind."""
    root = tmp_path_factory.mktemp("undated")
    out = {}
    for kind in EXPECTED:
        out[kind] = root / kind
        s = summary_of(cli(prefect_server, str(_input(root, kind)), str(out[kind])))
        assert (s["articles_total"], s["rejects_total"]) == (len(EXPECTED[kind]), 0), s
    return out


def _partitions(records: list[dict]) -> dict[str, tuple]:
    return {r["source_path"]: (r["year"], r["month"]) for r in records}


def _integer(t: pa.DataType) -> bool:
    """An integer type, or a dictionary of integers (``pq.read_table`` dictionary-encodes hive columns)."""
    return pa.types.is_integer(t.value_type if pa.types.is_dictionary(t) else t)


def _pandas_integer(col: pd.Series) -> bool:
    """Integers, or a categorical of integers (pandas gets pyarrow's dictionary-encoded hive columns)."""
    dtype = col.dtype.categories.dtype if isinstance(col.dtype, pd.CategoricalDtype) else col.dtype
    return pd.api.types.is_integer_dtype(dtype)


def _check_ints(by_path: dict[str, tuple], kind: str) -> None:
    assert by_path == EXPECTED[kind]
    assert all(type(v) is int for pair in by_path.values() for v in pair)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_the_layout_has_integer_partitions_only(outputs, kind) -> None:
    articles = (outputs[kind] / "articles").resolve()
    dirs = sorted(str(p.parent.relative_to(articles)) for p in articles.rglob("*.parquet"))
    assert set(dirs) == {f"year={y}/month={m}" if y else "year=0/month=0" for y, m in EXPECTED[kind].values()}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_pyarrow_hive_inference(outputs, kind) -> None:
    table = ds.dataset(outputs[kind] / "articles", partitioning="hive").to_table(
        columns=["source_path", "year", "month"])
    assert _integer(table.schema.field("year").type) and _integer(table.schema.field("month").type)
    _check_ints(_partitions(table.to_pylist()), kind)
    table = pq.read_table(outputs[kind] / "articles", columns=["source_path", "year", "month"])
    assert _integer(table.schema.field("year").type) and _integer(table.schema.field("month").type)
    _check_ints(_partitions(table.to_pylist()), kind)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_duckdb(outputs, kind) -> None:
    rel = duckdb.sql(f"SELECT source_path, year, month FROM read_parquet('{outputs[kind]}/articles/**/*.parquet', "
                     "hive_partitioning=true)")
    types = {c: str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
    assert types["year"] == types["month"] == "BIGINT", types  # month=08 was VARCHAR
    _check_ints({p: (y, m) for p, y, m in rel.fetchall()}, kind)
    undated = duckdb.sql(f"SELECT count(*) FROM read_parquet('{outputs[kind]}/articles/**/*.parquet', "
                         "hive_partitioning=true) WHERE year = 0 AND month = 0").fetchall()[0][0]
    assert undated == len(UNDATED)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_polars(outputs, kind) -> None:
    df = pl.scan_parquet(f"{outputs[kind]}/articles/**/*.parquet", hive_partitioning=True) \
        .select("source_path", "year", "month").collect()
    assert df.schema["year"].is_integer() and df.schema["month"].is_integer()
    _check_ints(_partitions(df.to_dicts()), kind)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_pandas(outputs, kind) -> None:
    df = pd.read_parquet(outputs[kind] / "articles", columns=["source_path", "year", "month"])
    assert _pandas_integer(df["year"]) and _pandas_integer(df["month"])
    _check_ints({p: (int(y), int(m)) for p, y, m in df.itertuples(index=False)}, kind)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_spark(outputs, kind) -> None:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[1]").appName("news-etl-test").getOrCreate()
    df = spark.read.parquet(str(outputs[kind] / "articles")).select("source_path", "year", "month")
    assert dict(df.dtypes)["year"] in ("int", "bigint")
    _check_ints({r.source_path: (r.year, r.month) for r in df.collect()}, kind)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_schemas_read_gives_null(outputs, kind) -> None:
    d = articles_dataset(str(outputs[kind]))
    assert d.schema.field("year").type == pa.int16() and d.schema.field("month").type == pa.int8()
    by_path = _partitions(d.to_table(columns=["source_path", "year", "month"]).to_pylist())
    assert by_path == {p: (None, None) if ym == (0, 0) else ym for p, ym in EXPECTED[kind].items()}
    undated = d.to_table(columns=["source_path"], filter=ds.field("year").is_null())
    assert sorted(undated.column("source_path").to_pylist()) == sorted(UNDATED)
    assert len(list(d.get_fragments(filter=ds.field("year").is_null()))) == 1  # pruned by the partition alone


# --- an output written by the pre-1.2 layout ------------------------------------------------------

def _to_legacy_layout(out: Path) -> None:
    """Make ``out`` what a 1.1 run wrote: the undated parts under the Hive default
    partition, months with two digits (the files themselves are the same)."""
    articles = (out / "articles").resolve()
    (articles / LEGACY_DIR).parent.mkdir()
    (articles / "year=0" / "month=0").rename(articles / LEGACY_DIR)
    (articles / "year=0").rmdir()
    for month in articles.glob("year=[12]*/month=*"):
        month.rename(month.with_name(f"month={int(month.name.removeprefix('month=')):02d}"))


def _legacy_copy(outputs, kind: str, tmp_path: Path) -> Path:
    out = tmp_path / kind
    shutil.copytree(outputs[kind], out, symlinks=True)
    _to_legacy_layout(out)
    return out


def _assert_new_layout(out: Path, kind: str, before: list[tuple]) -> None:
    articles = (out / "articles").resolve()
    dirs = {str(d.relative_to(articles)) for d in articles.glob("*/*") if d.is_dir()}
    assert dirs == {"year=0/month=0" if y == 0 else f"year={y}/month={m}" for y, m in EXPECTED[kind].values()}
    _check_ints(_partitions(ds.dataset(out / "articles", partitioning="hive").to_table(
        columns=["source_path", "year", "month"]).to_pylist()), kind)
    _check_ints({p: (int(y), int(m)) for p, y, m in pd.read_parquet(
        out / "articles", columns=["source_path", "year", "month"]).itertuples(index=False)}, kind)
    _check_ints({p: (y, m) for p, y, m in duckdb.sql(
        f"SELECT source_path, year, month FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)"
    ).fetchall()}, kind)
    assert rows(out) == before


@pytest.mark.slow
def test_a_legacy_output_is_what_broke_the_readers(outputs, tmp_path: Path) -> None:
    """The old layout, as built here, is the one of the issue: hive inference fails on it,
    and ``schemas.read`` still reads it (null years), before any run moved it."""
    out = _legacy_copy(outputs, "undated", tmp_path)
    with pytest.raises(pa.ArrowInvalid, match="No non-null segments"):
        ds.dataset(out / "articles", partitioning="hive").to_table()
    with pytest.raises(pa.ArrowInvalid, match="No non-null segments"):
        pd.read_parquet(out / "articles")
    assert rows(out) == rows(outputs["undated"])
    assert _partitions(articles_dataset(str(out)).to_table(columns=["source_path", "year", "month"]).to_pylist()) == \
        dict.fromkeys(UNDATED, (None, None))


@pytest.mark.slow
def test_duckdb_read_legacy_months_as_text(outputs, tmp_path: Path) -> None:
    out = _legacy_copy(outputs, "mixed", tmp_path)
    rel = duckdb.sql(f"SELECT month FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)")
    assert str(rel.types[0]) == "VARCHAR"


@pytest.mark.slow
def test_the_next_run_moves_a_legacy_output_even_when_nothing_changed(prefect_server, outputs, tmp_path: Path) -> None:
    out = _legacy_copy(outputs, "undated", tmp_path)
    before, live = rows(out), (out / "_current").resolve()
    s = summary_of(cli(prefect_server, str(_input(tmp_path, "undated")), str(out)))
    assert s["unchanged"] == s["inputs"] == len(UNDATED) and s["new"] == s["changed"] == 0
    assert (out / "_current").resolve() != live  # a new version, although no input changed
    _assert_new_layout(out, "undated", before)
    again = summary_of(cli(prefect_server, str(_input(tmp_path / "again", "undated")), str(out)))
    assert again["unchanged"] == again["inputs"]


@pytest.mark.slow
def test_a_run_that_rewrites_a_legacy_part_puts_it_in_the_new_layout(prefect_server, outputs, tmp_path: Path) -> None:
    out = _legacy_copy(outputs, "mixed", tmp_path)
    src = _input(tmp_path, "mixed")
    changed = src / "market-report.md"
    changed.write_text(changed.read_text(encoding="utf-8").replace("便宜", "便宜不少"), encoding="utf-8")
    s = summary_of(cli(prefect_server, str(src), str(out)))
    assert s["changed"] == 1 and s["articles_total"] == len(EXPECTED["mixed"])
    undated_parts = list((out / "articles" / "year=0" / "month=0").glob("*.parquet"))
    assert undated_parts and sum(pq.read_metadata(p).num_rows for p in undated_parts) == len(UNDATED)
    texts = {r["source_path"]: r["text"] for r in articles_dataset(str(out)).to_table().to_pylist()}
    assert "便宜不少" in texts["market-report.md"]
    fresh = tmp_path / "fresh"
    summary_of(cli(prefect_server, str(src), str(fresh)))
    _assert_new_layout(out, "mixed", rows(fresh))


@pytest.mark.slow
def test_compact_moves_a_legacy_output(outputs, tmp_path: Path) -> None:
    out = _legacy_copy(outputs, "mixed", tmp_path)
    before = rows(out)
    p = subprocess.run([str(BIN), "compact", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout)["format"] == "parquet"
    _assert_new_layout(out, "mixed", before)


# --- Delta Lake ----------------------------------------------------------------------------------

DELTA_READ = """
import json, sys
import duckdb, polars as pl
from deltalake import DeltaTable
from schemas.read import articles_dataset, delta_dataset
uri = sys.argv[1] + "/articles"
out = {}
arrow = delta_dataset(DeltaTable(uri))
out["arrow"] = arrow.to_table(columns=["source_path", "year", "month"]).to_pylist()
out["duckdb"] = [dict(zip(["source_path", "year", "month"], r))
                 for r in duckdb.sql("SELECT source_path, year, month FROM arrow").fetchall()]
out["polars"] = pl.scan_delta(uri).select("source_path", "year", "month").collect().to_dicts()
out["schemas.read"] = articles_dataset(sys.argv[1]).to_table(columns=["source_path", "year", "month"]).to_pylist()
print(json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_delta_tables_keep_null_partitions(prefect_server, tmp_path: Path, kind) -> None:
    pytest.importorskip("deltalake")
    out = tmp_path / "delta"
    s = summary_of(cli(prefect_server, str(_input(tmp_path, kind)), str(out), "--table-format", "delta"))
    assert s["articles_total"] == len(EXPECTED[kind])
    p = subprocess.run([sys.executable, "-c", DELTA_READ, str(out)], capture_output=True, text=True, timeout=120,
                       env=os.environ.copy(), cwd=Path(__file__).parent.parent)
    assert p.returncode == 0, p.stderr[-2000:]  # exit status too: see tests/test_delta.py
    expected = {path: (None, None) if ym == (0, 0) else ym for path, ym in EXPECTED[kind].items()}
    for reader, records in json.loads(p.stdout).items():
        assert _partitions(records) == expected, reader
