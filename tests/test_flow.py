"""The Prefect flow run in-process against a real Prefect server, checked through the Parquet it writes."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA, SCHEMA_VERSION
from schemas.read import articles_dataset, rejects_dataset
from schemas.version import METADATA_KEY


@pytest.fixture(scope="module")
def harness(prefect_server):
    """The flows run in this process, against the session's real Prefect server.

    prefect_test_harness would start a temporary server on a fresh database of its own, migrated
    from scratch: ~8 s per worker that runs one of these tests."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.app.temp_server import drain_workers

    with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
        yield
        drain_workers()  # this process's logs and events reach the server before the session stops it


def _read(out: Path, name: str):
    return (articles_dataset if name == "articles" else rejects_dataset)(str(out)).to_table()


def test_flow_writes_partitioned_articles_and_rejects(harness, sample_dir: Path, tmp_path: Path) -> None:
    from flows.app.etl import etl_flow

    out = tmp_path / "out"
    summary = etl_flow(str(sample_dir), str(out), batch_size=4, workers=2)
    n_inputs = sum(1 for p in sample_dir.rglob("*") if p.is_file())
    assert summary["inputs"] == n_inputs and summary["accounted"]
    assert summary["reject_reasons"] == {"binary": 1, "empty": 1}
    articles, rejects = _read(out, "articles"), _read(out, "rejects")
    assert articles.num_rows == summary["articles"] == n_inputs - 2
    assert rejects.num_rows == 2
    assert set(rejects.column("reason").to_pylist()) == {"binary", "empty"}
    # every file carries the explicit schema and its version
    for f in (out / "articles").rglob("*.parquet"):
        schema = pq.read_schema(f)
        assert schema.equals(ARTICLES_SCHEMA, check_metadata=False)
        assert schema.metadata[METADATA_KEY] == SCHEMA_VERSION.encode()
        year, month = f.parent.parent.name, f.parent.name
        assert year.startswith("year=") and month.startswith("month=")
    assert pq.read_schema(next((out / "rejects").glob("*.parquet"))).equals(REJECTS_SCHEMA, check_metadata=False)
    # partition values come from published_at
    rows = articles.to_pylist()
    for r in rows:
        assert r["year"] == r["published_at"].year and r["month"] == r["published_at"].month
    assert len({r["doc_id"] for r in rows}) == len(rows)
    # the run log accounts for every input
    logs = list((out / "_runs").glob("*.json"))
    assert len(logs) == 1
    log = json.loads(logs[0].read_text())
    assert log["inputs"] == log["articles"] + log["rejects"] == n_inputs
    assert not (out / "_staging").exists()


def test_undated_articles_get_their_own_partition(harness, tmp_path: Path) -> None:
    from flows.app.etl import etl_flow

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.md").write_text("### 无日期的标题\n------\n<p>一篇没有任何日期的文章，正文在这里。</p>\n", encoding="utf-8")
    out = tmp_path / "out"
    etl_flow(str(src), str(out), workers=1)
    parts = list((out / "articles").rglob("*.parquet"))
    assert [(p.parent.parent.name, p.parent.name) for p in parts] == [("year=0", "month=0")]
    row = _read(out, "articles").to_pylist()[0]
    assert row["published_at"] is None and row["year"] is None and row["title"] == "无日期的标题"


def test_rerun_replaces_instead_of_duplicating(harness, sample_dir: Path, tmp_path: Path) -> None:
    from flows.app.etl import etl_flow

    out = tmp_path / "out"
    etl_flow(str(sample_dir), str(out), workers=1)
    first = sorted(_read(out, "articles").column("doc_id").to_pylist())
    shutil.copytree(sample_dir, tmp_path / "copy")
    etl_flow(str(sample_dir), str(out), workers=1)
    assert sorted(_read(out, "articles").column("doc_id").to_pylist()) == first


@given(n=st.integers(0, 200_000), workers=st.integers(1, 64))
@settings(max_examples=100, deadline=None)
def test_automatic_batches_cover_every_file_once_and_keep_every_worker_busy(n: int, workers: int) -> None:
    import pyarrow as pa

    from flows.app.etl import MAX_BATCH, MIN_BATCH, auto_batch_size
    from flows.inputs.listing import LISTING_SCHEMA
    from flows.run.plan import plan_inputs

    names = sorted(f"f{i}" for i in range(n))
    listing = pa.table({"source_path": names, "size": [1] * n, "mtime_ns": [1] * n, "etag": [None] * n},
                       schema=LISTING_SCHEMA)
    batches = [paths for paths, _ in plan_inputs(listing, None, "R").batches(auto_batch_size(n, workers))]
    assert [p for b in batches for p in b] == names
    assert all(len(b) <= MAX_BATCH for b in batches)
    # with enough files for ~4 batches of MIN_BATCH per worker, no worker goes without a few batches
    if n >= 4 * workers * MIN_BATCH:
        assert len(batches) >= 3 * workers
