"""For the people downstream: duplicate links across runs, quality flags, and the
dataset read back by pyarrow, DuckDB and Polars with the contract's types."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from schemas import SCHEMA_VERSION
from schemas.read import articles_dataset
from tests.conftest import DEV, FIXTURES
from tests.test_incremental import cli, summary_of

ORIGINALS = {"seeds/004_77a5095b54502230.txt": "orig/004.txt",
             "banned-news-2020/pages/soh7/415951.md": "orig/415951.md",
             "banned-news-2020/pages/nsc415/n12307310.md": "orig/n12307310.md",
             "finews/2021-12-08-202112082206672930.md": "orig/672930.md",
             "finews/2021-12-08-202112082206781916.md": "orig/781916.md",
             "banned-news-2020/pages/p2/942268.md": "orig/942268.md"}


@pytest.fixture(scope="module")
def dataset(prefect_server, tmp_path_factory) -> tuple[Path, dict, dict]:
    root = tmp_path_factory.mktemp("dups")
    src, out = root / "in", root / "out"
    for rel, dst in ORIGINALS.items():
        (src / dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEV / rel, src / dst)
    first = summary_of(cli(prefect_server, str(src), str(out)))
    shutil.copytree(FIXTURES / "reencoded", src / "copies")
    second = summary_of(cli(prefect_server, str(src), str(out)))
    return out, first, second


def _by_path(out: Path) -> dict[str, dict]:
    return {r["source_path"]: r for r in articles_dataset(str(out)).to_table().to_pylist()}


def test_copies_link_to_the_first_seen_original(dataset) -> None:
    out, first, second = dataset
    rows = _by_path(out)
    orig004, orig_soh = rows["orig/004.txt"]["doc_id"], rows["orig/415951.md"]["doc_id"]
    assert rows["copies/004_gb18030.txt"]["duplicate_of"] == orig004
    assert rows["copies/004_utf16.txt"]["duplicate_of"] == orig004
    assert rows["copies/415951_crlf_bom.md"]["duplicate_of"] == orig_soh
    assert rows["copies/415951_edited.md"]["duplicate_of"] == orig_soh  # near duplicate
    assert rows["copies/004_gb18030.txt"]["text"] == rows["orig/004.txt"]["text"]
    # canonical records carry no link; short flash posts that differ are not linked
    assert rows["orig/004.txt"]["duplicate_of"] is None and rows["orig/415951.md"]["duplicate_of"] is None
    assert rows["orig/781916.md"]["duplicate_of"] == rows["orig/672930.md"]["doc_id"]
    assert first["duplicates_total"] == 1
    assert second["duplicates_total"] == 5 and second["duplicates_new"] == 4
    assert len(rows) == 10  # nothing deleted


def test_quality_flags_and_language(dataset) -> None:
    out, _, _ = dataset
    rows = _by_path(out)
    assert "empty_text" in rows["orig/942268.md"]["quality_flags"]  # a video-only page keeps its record
    assert "short_text" in rows["orig/672930.md"]["quality_flags"]
    assert rows["orig/415951.md"]["quality_flags"] == []
    assert {r["language"] for p, r in rows.items() if p != "orig/942268.md"} == {"zh-Hans"}


def test_pyarrow_types_and_partition_pruning(dataset) -> None:
    out, _, second = dataset
    d = articles_dataset(str(out))
    schema = d.schema
    assert schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("authors").type == pa.list_(pa.string())
    assert pa.types.is_struct(schema.field("images").type.value_type)
    assert schema.metadata[b"news_etl.schema_version"] == SCHEMA_VERSION.encode()
    all_files = d.files
    pruned = list(d.get_fragments(filter=(ds.field("year") == 2020) & (ds.field("month") == 8)))
    assert 0 < len(pruned) < len(all_files)
    assert d.count_rows() == second["articles_total"]


def test_duckdb_reads_the_contract(dataset) -> None:
    out, _, second = dataset
    glob = f"{out}/articles/**/*.parquet"
    types = dict((r[0], r[1]) for r in duckdb.sql(
        f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning=true)").fetchall())
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["authors"] == "VARCHAR[]"
    assert types["images"] == "STRUCT(url VARCHAR, caption VARCHAR)[]"
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true)").fetchall()[0][0]
    assert n == second["articles_total"]
    aug = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true) "
                     "WHERE year = 2020 AND month = 8").fetchall()[0][0]
    assert aug == sum(1 for r in _by_path(out).values()
                      if r["published_at"] and (r["published_at"].year, r["published_at"].month) == (2020, 8))
    log = json.loads((out / "_runs" / f"{second['run_id']}.json").read_text())
    assert log["articles_total"] == n


def test_polars_reads_the_contract(dataset) -> None:
    out, _, second = dataset
    df = pl.scan_parquet(f"{out}/articles/**/*.parquet", hive_partitioning=True).collect()
    assert df.height == second["articles_total"]
    assert df.schema["published_at"] == pl.Datetime("us", "UTC")
    assert df.schema["tickers"] == pl.List(pl.String)
    assert isinstance(df.schema["images"], pl.List)
    assert df.filter(pl.col("duplicate_of").is_not_null()).height == second["duplicates_total"]


def test_stats_command_and_plot(dataset, tmp_path: Path) -> None:
    import subprocess
    import sys

    out, _, second = dataset
    png = tmp_path / "stats.png"
    p = subprocess.run([str(Path(sys.executable).parent / "news-etl"), "stats", str(out), "--plot", str(png)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{second['articles_total']} articles ({second['duplicates_total']} linked")
    assert "2020-08" in p.stdout and "希望之声" in p.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
