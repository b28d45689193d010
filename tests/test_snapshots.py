"""Readers that list the local dataset, then read it while a run publishes:
they get the old rows or an error, never a mix of two versions; a replaced
version stays on disk for the retention time."""
from __future__ import annotations

import argparse
import glob
import os
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from flows.app.cli import build_parser, duration
from tests.test_incremental import CONTENT, cli, corpus, rows, summary_of  # noqa: F401 (fixture)


def _content(table) -> list[tuple]:
    return sorted(tuple(r[c] for c in CONTENT) for r in table.to_pylist())


def test_durations() -> None:
    assert [duration(t) for t in ("3600s", "90m", "1h", "2d", "0", "1.5h")] == [3600, 5400, 3600, 172800, 0, 5400]
    with pytest.raises(argparse.ArgumentTypeError, match="not a duration"):
        duration("soon")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "in", "out", "--retain-versions", "-1s"])


def test_a_reader_that_listed_the_old_version_never_mixes(prefect_server, corpus: Path,  # noqa: F811
                                                          after_first_run: Path) -> None:
    out = after_first_run
    old_rows = rows(out)
    # the reader lists the dataset the plain way: through OUTPUT/articles
    listed = sorted(glob.glob(f"{out}/articles/**/*.parquet", recursive=True))
    dataset = ds.dataset(str(out / "articles"), format="parquet", partitioning="hive")
    resolved = [os.path.realpath(p) for p in listed]  # a reader that resolved the links before reading
    # a record that shares its part with others changes: that part must be rewritten
    biggest = max(listed, key=lambda p: pq.read_metadata(p).num_rows)
    assert pq.read_metadata(biggest).num_rows >= 2
    victim = pq.read_table(biggest, columns=["source_path"]).column("source_path")[0].as_py()
    path = corpus / victim
    path.write_bytes(path.read_bytes().replace("。".encode(), "。改".encode(), 1))
    s = summary_of(cli(prefect_server, str(corpus), str(out)))
    assert s["changed"] == 1
    new_rows = rows(out)
    assert new_rows != old_rows
    # the rewritten part has a new name: the listed name is gone, not different
    assert not os.path.exists(biggest)
    with pytest.raises((FileNotFoundError, OSError)):
        dataset.to_table()
    with pytest.raises((FileNotFoundError, OSError)):
        pq.ParquetDataset(listed).read()
    with pytest.raises(duckdb.Error):
        duckdb.sql(f"SELECT count(*) FROM read_parquet({listed!r})").fetchall()
    # every listed file that still opens holds exactly the rows it held: old rows only
    old_by_path = {r[1]: r for r in old_rows}
    for p in listed:
        if os.path.exists(p):
            for r in _content(pq.read_table(p, columns=CONTENT)):
                assert old_by_path[r[1]] == r
    # the old version is retained (default one hour): resolved paths read the old rows, exactly
    assert _content(pq.ParquetDataset(resolved).read(columns=CONTENT)) == old_rows
    # a fresh listing is the new version, exactly (DuckDB's glob too)
    assert _content(ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table(
        columns=CONTENT)) == new_rows
    n = duckdb.sql(f"SELECT count(*), count(DISTINCT doc_id) FROM read_parquet('{out}/articles/**/*.parquet')").fetchall()
    assert n == [(len(new_rows), len(new_rows))]
    # with no retention the next run removes the replaced versions
    assert len(list((out / "_versions").iterdir())) == 2
    summary_of(cli(prefect_server, str(corpus), str(out), "--retain-versions", "0s"))
    assert [p.name for p in (out / "_versions").iterdir()] == [os.path.basename(os.readlink(out / "_current"))]
    assert rows(out) == new_rows
