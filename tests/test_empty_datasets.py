"""An output with no rejects (or no articles) still has a dataset there: every
column, zero rows, in pyarrow, DuckDB, Polars and pandas. A later run that
brings rows leaves no empty part behind."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds
import pytest

from schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA
from schemas.read import articles_dataset, rejects_dataset
from tests.test_incremental import cli, summary_of

# One worker reads every output of this module: its module-scoped runs are made once, not once per worker.
pytestmark = pytest.mark.xdist_group("empty_datasets")

REJECTS = ["mirror/427555.md.png", "mirror/sedsrUKwT"]  # the sample's two rejects
ARTICLE_COLUMNS = [*ARTICLES_SCHEMA.names, "year", "month"]


@pytest.fixture(scope="module")
def outputs(prefect_server, sample_dir: Path, tmp_path_factory) -> dict[str, Path]:
    """``no_rejects``: the sample's articles alone; ``no_articles``: its rejects alone."""
    root = tmp_path_factory.mktemp("empty")
    articles_only, rejects_only = root / "in_articles", root / "in_rejects"
    shutil.copytree(sample_dir, articles_only)
    for rel in REJECTS:
        (articles_only / rel).unlink()
        (rejects_only / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sample_dir / rel, rejects_only / rel)
    a = summary_of(cli(prefect_server, str(articles_only), str(root / "no_rejects")))
    b = summary_of(cli(prefect_server, str(rejects_only), str(root / "no_articles")))
    assert (a["rejects_total"], a["articles_total"]) == (0, 12)
    assert (b["rejects_total"], b["articles_total"]) == (2, 0)
    return {"no_rejects": root / "no_rejects", "no_articles": root / "no_articles", "in_articles": articles_only,
            "in_rejects": rejects_only}


CASES = [("no_rejects", "rejects", REJECTS_SCHEMA.names, False), ("no_articles", "articles", ARTICLE_COLUMNS, True)]


@pytest.mark.slow
@pytest.mark.parametrize(("output", "dataset", "columns", "hive"), CASES)
def test_pyarrow_reads_every_column(outputs, output, dataset, columns, hive) -> None:
    plain = ds.dataset(outputs[output] / dataset, format="parquet", partitioning="hive" if hive else None)
    table = plain.to_table()
    assert table.num_rows == 0 and sorted(table.column_names) == sorted(columns)
    ours = (articles_dataset if hive else rejects_dataset)(str(outputs[output])).to_table()
    assert ours.num_rows == 0 and sorted(ours.column_names) == sorted(columns)


@pytest.mark.slow
@pytest.mark.parametrize(("output", "dataset", "columns", "hive"), CASES)
def test_duckdb_reads_every_column(outputs, output, dataset, columns, hive) -> None:
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{outputs[output] / dataset}/**/*.parquet', "
                     f"hive_partitioning={str(hive).lower()})")
    assert sorted(rel.columns) == sorted(columns) and rel.fetchall() == []


@pytest.mark.slow
@pytest.mark.parametrize(("output", "dataset", "columns", "hive"), CASES)
def test_polars_reads_every_column(outputs, output, dataset, columns, hive) -> None:
    df = pl.scan_parquet(f"{outputs[output] / dataset}/**/*.parquet", hive_partitioning=hive).collect()
    assert df.height == 0 and sorted(df.columns) == sorted(columns)
    if not hive:
        assert df.schema["size_bytes"] == pl.Int64


@pytest.mark.slow
@pytest.mark.parametrize(("output", "dataset", "columns", "hive"), CASES)
def test_pandas_reads_every_column(outputs, output, dataset, columns, hive) -> None:
    df = pd.read_parquet(outputs[output] / dataset)
    assert len(df) == 0 and sorted(df.columns) == sorted(columns)


@pytest.mark.slow
def test_rows_arriving_later_leave_no_empty_part(prefect_server, outputs, sample_dir: Path) -> None:
    for output, src, extra in [("no_rejects", "in_articles", REJECTS), ("no_articles", "in_rejects", ["finews"])]:
        target = outputs[src]
        for rel in extra:
            if (sample_dir / rel).is_dir():
                shutil.copytree(sample_dir / rel, target / rel)
            else:
                shutil.copy(sample_dir / rel, target / rel)
        s = summary_of(cli(prefect_server, str(target), str(outputs[output])))
        assert s["articles_total"] > 0 and s["rejects_total"] > 0
        parts = sorted(p.name for p in (outputs[output] / "_current").rglob("part-*.parquet"))
        assert parts and not [p for p in parts if p.endswith("-empty.parquet")], parts
        assert articles_dataset(str(outputs[output])).count_rows() == s["articles_total"]
        assert rejects_dataset(str(outputs[output])).count_rows() == s["rejects_total"]
