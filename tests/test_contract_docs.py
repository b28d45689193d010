"""The README's contract tables are generated from the schemas: keep them in sync."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.store.interface import SchemaMismatch, conform_state, stamped
from flows.store.parquet import ParquetStore as Store
from schemas.doc import render
from transforms.records import REJECT_REASONS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_schema_tables_match_the_schemas() -> None:
    assert render() in README, "run `python -m schemas.doc` and paste its output into the README"


def test_readme_lists_every_reject_reason() -> None:
    for reason in REJECT_REASONS:
        assert f"| `{reason}` |" in README


def _state(path: str) -> pa.Table:
    return conform_state(pa.table({"source_path": [path], "doc_id": ["id"], "content_sha256": ["sha"],
                                   "kind": ["article"], "run_id": ["r1"]}))


def test_a_dataset_of_another_major_version_is_refused(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    path = tmp_path / "_versions" / "r1.tmp" / "_state" / "part-r1.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(stamped(_state("a.md")), path)
    store.publish("r1")
    assert store.load_state().column("source_path").to_pylist() == ["a.md"]
    path = tmp_path / "_versions" / "r1" / "_state" / "part-r1.parquet"
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({b"news_etl.schema_version": b"0.9"}), path)
    with pytest.raises(SchemaMismatch, match=r"schema version 0\.9"):
        store.load_state()


def test_a_delta_dataset_of_another_major_version_is_refused(tmp_path: Path) -> None:
    from deltalake import CommitProperties, write_deltalake

    from flows.store.delta import VERSION_META, DeltaStore

    store = DeltaStore(str(tmp_path))
    write_deltalake(store.table_uri("_state"), _state("a.md"),
                    commit_properties=CommitProperties(custom_metadata={VERSION_META: "1.0"}))
    assert store.load_state().column("source_path").to_pylist() == ["a.md"]
    write_deltalake(store.table_uri("_state"), _state("a.md"), mode="overwrite",
                    commit_properties=CommitProperties(custom_metadata={VERSION_META: "0.9"}))
    with pytest.raises(SchemaMismatch, match=r"schema version 0\.9"):
        store.load_state()
