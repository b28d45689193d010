"""The README's contract tables are generated from the schemas: keep them in sync."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.store import SchemaMismatch, StateRow
from flows.store_parquet import ParquetStore as Store
from schemas.doc import render
from transforms.records import REJECT_REASONS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_schema_tables_match_the_schemas() -> None:
    assert render() in README, "run `python -m schemas.doc` and paste its output into the README"


def test_readme_lists_every_reject_reason() -> None:
    for reason in REJECT_REASONS:
        assert f"| `{reason}` |" in README


def test_a_dataset_of_another_major_version_is_refused(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    stage = store.staging_path("r1")
    store.write_state(stage, [StateRow("a.md", "id", "sha", "article", "articles/x.parquet", "r1")])
    store.publish("r1")
    assert set(store.load_state()) == {"a.md"}
    path = tmp_path / "_versions" / "r1" / "_state.parquet"
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({b"news_etl.schema_version": b"0.9"}), path)
    with pytest.raises(SchemaMismatch, match=r"schema version 0\.9"):
        store.load_state()


def test_a_delta_dataset_of_another_major_version_is_refused(tmp_path: Path) -> None:
    from deltalake import CommitProperties, write_deltalake

    from flows.store import state_table
    from flows.store_delta import VERSION_META, DeltaStore

    store = DeltaStore(str(tmp_path))
    rows = [StateRow("a.md", "id", "sha", "article", None, "r1")]
    write_deltalake(store.table_uri("_state"), state_table(rows).replace_schema_metadata(None),
                    commit_properties=CommitProperties(custom_metadata={VERSION_META: "1.0"}))
    assert set(store.load_state()) == {"a.md"}
    write_deltalake(store.table_uri("_state"), state_table(rows).replace_schema_metadata(None), mode="overwrite",
                    commit_properties=CommitProperties(custom_metadata={VERSION_META: "0.9"}))
    with pytest.raises(SchemaMismatch, match=r"schema version 0\.9"):
        store.load_state()
