"""A run's cost follows the change: stat-based skipping, rules versions, the dedup
index on disk, few well-sized parts and compaction. Unit level (no Prefect) through
:func:`tests.runs.run_once`, which does what the flow does; the CLI flags at the end."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.run.plan import plan_inputs
from flows.store.interface import conform_state, sorted_paths
from schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA
from schemas.read import articles_dataset, rejects_dataset
from tests.conftest import DEV
from tests.runs import run_once
from transforms.sites import reload_sites

BIN = Path(sys.executable).parent / "news-etl"
PROBE = 'key = "growing-probe"\npublisher = "探针"\ndomains = ["growing-probe.invalid"]\n'


def every_column(out: Path, drop: tuple[str, ...] = ()) -> list[tuple]:
    """Every article and reject column (minus ``drop``), order-free."""
    out_rows = []
    for ds, schema in ((articles_dataset(str(out)), ARTICLES_SCHEMA), (rejects_dataset(str(out)), REJECTS_SCHEMA)):
        names = [n for n in schema.names if n not in drop]
        out_rows += sorted(tuple(repr(r[n]) for n in names) for r in ds.to_table(columns=names).to_pylist())
    return out_rows


def data_files(out: Path) -> list[Path]:
    return sorted(p for p in (out / "_current").resolve().rglob("*.parquet")
                  if p.relative_to((out / "_current").resolve()).parts[0] in ("articles", "rejects"))


@pytest.fixture()
def corpus(sample_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "in"
    shutil.copytree(sample_dir, dst)
    return dst


@pytest.fixture()
def probe_rules(tmp_path: Path, monkeypatch):
    """A harmless extra site table: the rules version changes, no record's content does."""
    d = tmp_path / "probe-sites"
    d.mkdir()
    (d / "growing_probe.toml").write_text(PROBE, encoding="utf-8")

    def apply() -> None:
        monkeypatch.setenv("NEWS_ETL_SITES", str(d))
        reload_sites()

    yield apply
    monkeypatch.delenv("NEWS_ETL_SITES", raising=False)
    reload_sites()


# -- the planner ------------------------------------------------------------------------------------


def _listing(rows: list[tuple]) -> pa.Table:
    from flows.inputs.listing import LISTING_SCHEMA

    return pa.Table.from_pylist([dict(zip(LISTING_SCHEMA.names, r, strict=True)) for r in rows],
                                schema=LISTING_SCHEMA)


def _state(rows: list[dict]) -> pa.Table:
    return conform_state(pa.Table.from_pylist(rows))


def test_the_plan_is_a_join_of_listing_and_state() -> None:
    listing = _listing([("same", 10, 100, None), ("touched", 10, 999, None), ("new", 5, 1, None),
                        ("stale", 7, 70, None), ("crashed", 3, 30, None), ("etag", 4, 40, "v2")])
    base = {"kind": "article", "run_id": "r1", "rules_version": "R"}
    state = _state([
        {**base, "source_path": "same", "size": 10, "mtime_ns": 100, "content_sha256": "s1"},
        {**base, "source_path": "touched", "size": 10, "mtime_ns": 100, "content_sha256": "s2"},
        {**base, "source_path": "stale", "size": 7, "mtime_ns": 70, "content_sha256": "s3", "rules_version": "OLD"},
        {**base, "source_path": "crashed", "size": 3, "mtime_ns": 30, "content_sha256": None, "kind": "reject"},
        {**base, "source_path": "etag", "size": 4, "mtime_ns": 40, "content_sha256": "s5", "etag": "v1"},
        {**base, "source_path": "gone", "size": 1, "mtime_ns": 1, "content_sha256": "s6"},
    ])
    plan = plan_inputs(listing, state, "R")
    todo = dict(zip(plan.todo.column("source_path").to_pylist(), plan.todo.column("expected").to_pylist(),
                    strict=True))
    # touched: hashed, skipped if the bytes are the same; stale: cleaned again whatever its bytes;
    # crashed (hash unknown) and new: cleaned; an object whose ETag changed is hashed
    assert todo == {"crashed": None, "etag": "s5", "new": None, "stale": None, "touched": "s2"}
    assert (plan.listed, plan.unchanged, plan.new, plan.stat_changed, plan.stale_rules) == (6, 1, 1, 3, 1)
    assert plan.gone.column("source_path").to_pylist() == ["gone"]
    assert plan.unchanged_kinds == {"article": 1}
    assert list(plan.batches(2)) == [(["crashed", "etag"], {"etag": "s5"}), (["new", "stale"], {}),
                                     (["touched"], {"touched": "s2"})]

    verify = plan_inputs(listing, state, "R", verify_content=True)
    assert verify.unchanged == 0 and verify.todo.num_rows == 6
    assert dict(zip(verify.todo.column("source_path").to_pylist(), verify.todo.column("expected").to_pylist(),
                    strict=True))["same"] == "s1"
    keep = plan_inputs(listing, state, "R", keep_stale_rules=True)
    assert keep.stale_rules == 0 and "stale" not in keep.todo.column("source_path").to_pylist()
    first = plan_inputs(listing, None, "R")
    assert first.new == first.listed == first.todo.num_rows == 6 and first.gone.num_rows == 0


def test_a_first_run_plan_keeps_the_sorted_listing_without_a_copy() -> None:
    """The listing comes sorted by path: a first run's plan is that very table (no filter, no
    sort: at a million files each copy was ~200 MB), and an unsorted one is still sorted."""
    listing = _listing([(f"d{i % 7}/p{i:04d}", i, i, None) for i in range(500)]).sort_by("source_path")
    first = plan_inputs(listing, None, "R")
    paths = listing.column("source_path").chunk(0)
    assert first.todo.column("source_path").chunk(0).buffers()[2].address == paths.buffers()[2].address
    reversed_ = plan_inputs(listing.take(pa.array(range(499, -1, -1))), None, "R")
    assert reversed_.todo.column("source_path").to_pylist() == sorted(paths.to_pylist())


@given(st.lists(st.text(max_size=6), max_size=30), st.integers(0, 30))
@settings(max_examples=200, deadline=None)
def test_sorted_paths_is_pythons_order(paths: list[str], cut: int) -> None:
    chunks = [paths[:cut], paths[cut:]]
    assert sorted_paths(pa.chunked_array(chunks, pa.string())) == (paths == sorted(paths))


# -- stat-based skipping ------------------------------------------------------------------------------


def test_a_noop_rerun_opens_no_file_and_makes_no_version(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_once(corpus, out, "20200101T000000Z-aaaaaa")
    assert first.counts.files_opened == first.counts.new == 14
    before = every_column(out)
    again = run_once(corpus, out, "20200102T000000Z-bbbbbb")
    assert again.counts.files_opened == 0 and again.counts.unchanged == 14 and not again.changes
    assert os.readlink(out / "_current").endswith("20200101T000000Z-aaaaaa")
    assert every_column(out) == before  # every column, run_id included: nothing was rewritten


def test_a_touched_identical_file_is_hashed_not_cleaned(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_once(corpus, out, "20200101T000000Z-aaaaaa")
    before = every_column(out)
    victim = corpus / "mirror" / "415951.md"
    os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 5_000_000_000))
    second = run_once(corpus, out, "20200102T000000Z-bbbbbb")
    assert second.counts.files_opened == 1 and second.counts.unchanged == 14
    assert second.counts.new == second.counts.changed == 0
    assert every_column(out) == before  # the record (and its run_id) stays the first run's
    third = run_once(corpus, out, "20200103T000000Z-cccccc")  # the new stat was recorded
    assert third.counts.files_opened == 0


def test_verify_content_catches_a_change_with_the_same_size_and_mtime(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_once(corpus, out, "20200101T000000Z-aaaaaa")
    victim = corpus / "mirror" / "415951.md"
    st = victim.stat()
    text = victim.read_text(encoding="utf-8")
    assert "关税" in text
    victim.write_text(text.replace("关税", "关卡"), encoding="utf-8")  # same length in UTF-8
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert victim.stat().st_size == st.st_size
    trusting = run_once(corpus, out, "20200102T000000Z-bbbbbb")
    assert trusting.counts.files_opened == 0  # what an unreliable mtime costs without the flag
    verified = run_once(corpus, out, "20200103T000000Z-cccccc", verify_content=True)
    assert verified.counts.files_opened == 14 and verified.counts.changed == 1 and verified.counts.unchanged == 13
    [row] = articles_dataset(str(out)).to_table(filter=pa.compute.field("source_path") == "mirror/415951.md",
                                                 columns=["text"]).to_pylist()
    assert "关卡" in row["text"] and "关税" not in row["text"]


# -- rules versions -----------------------------------------------------------------------------------


def test_records_of_other_rules_are_cleaned_again(corpus: Path, tmp_path: Path, probe_rules) -> None:
    from transforms.rules_version import rules_version

    out = tmp_path / "out"
    run_once(corpus, out, "20200101T000000Z-aaaaaa")
    old = rules_version()
    before = every_column(out, drop=("run_id", "rules_version"))
    assert set(articles_dataset(str(out)).to_table(columns=["rules_version"]).column(0).to_pylist()) == {old}
    probe_rules()
    new = rules_version()
    assert new != old
    kept = run_once(corpus, out, "20200102T000000Z-bbbbbb", keep_stale_rules=True)
    assert kept.counts.files_opened == 0 and kept.counts.stale_rules == 0
    again = run_once(corpus, out, "20200103T000000Z-cccccc")
    assert again.counts.stale_rules == 14 and again.counts.files_opened == 14 and again.counts.changed == 0
    for ds in (articles_dataset(str(out)), rejects_dataset(str(out))):
        assert set(ds.to_table(columns=["rules_version"]).column(0).to_pylist()) == {new}
    assert every_column(out, drop=("run_id", "rules_version")) == before
    assert run_once(corpus, out, "20200104T000000Z-dddddd").counts.files_opened == 0


def test_inspect_prints_the_rules_version(tmp_path: Path) -> None:
    from transforms.rules_version import rules_version

    p = subprocess.run([str(BIN), "inspect", str(DEV / "seeds" / "004_77a5095b54502230.txt")], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert f"rules:    {rules_version()}" in p.stdout.splitlines()


# -- the duplicate index on disk -----------------------------------------------------------------------


def test_duplicates_found_across_runs_through_the_stored_keys(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "a").mkdir(parents=True)
    original = DEV / "banned-news-2020/pages/soh7/415951.md"
    shutil.copy(original, src / "a" / "415951.md")
    run_once(src, out, "20200101T000000Z-aaaaaa")
    first_parts = {p.name: p.stat().st_ino for p in data_files(out) if not p.name.endswith("-empty.parquet")}
    (src / "b").mkdir()
    shutil.copy(original, src / "b" / "copy.md")  # exact: same text
    from tests.conftest import FIXTURES

    shutil.copy(FIXTURES / "reencoded" / "415951_edited.md", src / "b" / "edited.md")  # near
    second = run_once(src, out, "20200102T000000Z-bbbbbb")
    rows = {r["source_path"]: r for r in articles_dataset(str(out)).to_table().to_pylist()}
    canonical = rows["a/415951.md"]["doc_id"]
    assert rows["b/copy.md"]["duplicate_of"] == canonical and rows["b/edited.md"]["duplicate_of"] == canonical
    assert rows["a/415951.md"]["duplicate_of"] is None
    assert second.counts.duplicates_new == 2 and second.counts.duplicates_total == 2
    # the stored record was not rewritten to link the newcomers: its part is the same file
    now = {p.name: p.stat().st_ino for p in data_files(out)}
    assert {n: i for n, i in now.items() if n in first_parts} == first_parts
    # new bytes, same text (a comment): cleaned again, and every link stays as it was
    with open(src / "b" / "copy.md", "ab") as fh:
        fh.write(b"\n<!-- mirrored again -->\n")
    with open(src / "a" / "415951.md", "ab") as fh:
        fh.write(b"\n<!-- mirrored again -->\n")
    third = run_once(src, out, "20200102T120000Z-bbbbbc")
    assert third.counts.changed == 2 and third.counts.duplicates_total == 2
    again = {r["source_path"]: r["duplicate_of"] for r in articles_dataset(str(out)).to_table().to_pylist()}
    assert again == {p: r["duplicate_of"] for p, r in rows.items()}
    # the canonical goes: its duplicates relink to the earliest of them
    (src / "a" / "415951.md").unlink()
    run_once(src, out, "20200103T000000Z-cccccc", prune=True)
    rows = {r["source_path"]: r for r in articles_dataset(str(out)).to_table().to_pylist()}
    assert set(rows) == {"b/copy.md", "b/edited.md"}
    heads = [r for r in rows.values() if r["duplicate_of"] is None]
    assert len(heads) == 1 and all(r["duplicate_of"] in (None, heads[0]["doc_id"]) for r in rows.values())


# -- few, well-sized files ------------------------------------------------------------------------------


def _files_per_partition(out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in data_files(out):
        if p.name.endswith("-empty.parquet"):
            continue
        counts[str(p.parent.relative_to((out / "_current").resolve()))] = counts.get(
            str(p.parent.relative_to((out / "_current").resolve())), 0) + 1
    return counts


def test_a_first_run_writes_one_file_per_partition(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_once(corpus, out, "20200101T000000Z-aaaaaa", batch_size=2)  # 7 batches, each staging its own parts
    counts = _files_per_partition(out)
    assert counts and set(counts.values()) == {1}
    assert not (out / "_current" / "_outcomes").exists()


def test_small_parts_are_merged_automatically_and_by_compact(sample_dir: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    files = sorted(p for p in sample_dir.rglob("*.md") if p.is_file())
    rid = iter(f"202001{d:02d}T000000Z-{d:06d}" for d in range(1, 31))
    for f in files[:8]:  # one new file per run: one more small part in the rejects/articles partitions
        shutil.copy(f, src / f.name)
        run_once(src, out, next(rid))
    limit = 2 * (os.cpu_count() or 1)
    assert max(_files_per_partition(out).values()) <= limit
    before = every_column(out)
    ids = sorted(articles_dataset(str(out)).to_table(columns=["doc_id"]).column(0).to_pylist())
    p = subprocess.run([str(BIN), "compact", str(out), "--retain-versions", "0"], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert set(_files_per_partition(out).values()) == {1}
    assert every_column(out) == before  # every row, every column, run_id included
    assert sorted(articles_dataset(str(out)).to_table(columns=["doc_id"]).column(0).to_pylist()) == ids
    assert len(list((out / "_current" / "_state").glob("*.parquet"))) == 1
    assert run_once(src, out, next(rid)).counts.files_opened == 0  # the state survived compaction


def test_an_output_of_the_previous_layout_is_upgraded_in_one_run(corpus: Path, tmp_path: Path) -> None:
    """Before 1.1 the state was one ``_state.parquet`` without stat or rules, the dedup index one
    ``_dedup.parquet``, and parts had no ``rules_version``: the next run reads that state, hashes
    and re-cleans every file once, and leaves the current layout with no row lost or twice."""
    out = tmp_path / "out"
    run_once(corpus, out, "20200101T000000Z-aaaaaa")
    expected = every_column(out, drop=("run_id", "rules_version", "schema_version"))
    version = (out / "_current").resolve()
    state = pa.concat_tables([pq.read_table(p) for p in (version / "_state").glob("*.parquet")])
    legacy = state.select(["source_path", "doc_id", "content_sha256", "kind", "run_id"])
    legacy = legacy.append_column("part", pa.nulls(legacy.num_rows, pa.string()))
    pq.write_table(legacy.replace_schema_metadata({b"news_etl.schema_version": b"1.0"}), version / "_state.parquet")
    shutil.rmtree(version / "_state")
    shutil.rmtree(version / "_dedup")
    for part in (version / "articles").rglob("*.parquet"):
        pq.write_table(pq.read_table(part).drop_columns(["rules_version"]), part)
    upgraded = run_once(corpus, out, "20200102T000000Z-bbbbbb")
    assert upgraded.counts.stale_rules == 14 and upgraded.counts.files_opened == 14
    assert every_column(out, drop=("run_id", "rules_version", "schema_version")) == expected
    assert (out / "_current" / "_state").is_dir() and not (out / "_current" / "_state.parquet").exists()
    assert run_once(corpus, out, "20200103T000000Z-cccccc").counts.files_opened == 0
