"""The input listing (flows.inputs.listing) on a local tree, fsspec's memory filesystem and S3 (moto server)."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import time
from pathlib import Path

import fsspec
import pyarrow as pa
import pytest

import flows.inputs.listing
from flows.inputs.listing import LISTING_SCHEMA, discover, etag, list_inputs, mtime_ns
from flows.inputs.storage import local_path
from tests.conftest import DEV
from tests.test_hostile_run import build_input


def _rows(table: pa.Table) -> dict[str, dict]:
    return {r["source_path"]: r for r in table.to_pylist()}


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    root, outside = tmp_path / "in", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    return root, outside, build_input(root, outside, tmp_path / "pwned")


def test_local_listing_is_discovery_with_the_stat(hostile) -> None:
    root, _, expected = hostile
    table = list_inputs(str(root))
    assert table.schema.equals(LISTING_SCHEMA)
    paths = table.column("source_path").to_pylist()
    assert paths == sorted(expected) == [f.rel_path for f in discover(str(root))]
    rows = _rows(table)
    for rel, row in rows.items():
        st = os.lstat(local_path(str(root), rel))
        assert row["etag"] is None
        if rel == "links/to_inside_file.md":  # read through the link: the target's stat
            target = os.stat(root / "enc" / "crlf.md")
            assert (row["size"], row["mtime_ns"]) == (target.st_size, target.st_mtime_ns) != (st.st_size,
                                                                                               st.st_mtime_ns)
        else:  # files, special files, links outside the root, broken and looping links: their own stat
            assert (row["size"], row["mtime_ns"]) == (st.st_size, st.st_mtime_ns), rel
    assert rows["size/two_gib.md"]["size"] == 2 * 1024**3
    assert rows["links/to_outside_file.md"]["size"] == len(os.readlink(root / "links" / "to_outside_file.md"))
    assert rows["paths/caf\\xe9 news.md"]["size"] == len((DEV / "seeds/002_50f3dea1d4d3dcd9.txt").read_bytes())


def test_a_change_shows_in_the_stat_without_reading(hostile) -> None:
    root, _, _ = hostile
    before = _rows(list_inputs(str(root)))
    target = root / "enc" / "crlf.md"
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touched
    (root / "fm" / "odd_date.md").write_bytes(b"---\ntitle: t\n---\nchanged\n")
    after = _rows(list_inputs(str(root)))
    assert after["enc/crlf.md"]["mtime_ns"] == before["enc/crlf.md"]["mtime_ns"] + 5_000_000_000
    assert after["links/to_inside_file.md"]["mtime_ns"] == after["enc/crlf.md"]["mtime_ns"]  # the link follows
    assert after["fm/odd_date.md"]["size"] == 25 != before["fm/odd_date.md"]["size"]
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"enc/crlf.md", "links/to_inside_file.md", "fm/odd_date.md"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any directory")
def test_an_unlistable_directory_is_listed(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.md").write_bytes(b"x")
    (tmp_path / "b.md").write_bytes(b"yy")
    os.chmod(tmp_path / "locked", 0)
    try:
        assert _rows(list_inputs(str(tmp_path)))["locked"] == {"source_path": "locked", "size": 0, "mtime_ns": None,
                                                               "etag": None}
    finally:
        os.chmod(tmp_path / "locked", 0o755)


def test_names_not_utf8_are_escaped_alone(tmp_path: Path) -> None:
    """The listing checks a directory's names at once: only a name that is not UTF-8 is escaped,
    and every entry below a directory whose own name is not, through its path."""
    raw = os.fsencode(tmp_path)
    os.makedirs(os.path.join(raw, b"mixed"))
    for name in (b"a.md", "新闻.md".encode(), b"caf\xe9.md"):
        with open(os.path.join(raw, b"mixed", name), "wb") as fh:
            fh.write(b"x")
    os.makedirs(os.path.join(raw, b"d\xfcr", b"sub"))
    for rel in (b"d\xfcr/ok.md", b"d\xfcr/sub/ok.md"):
        with open(os.path.join(raw, rel), "wb") as fh:
            fh.write(b"yy")
    table = list_inputs(str(tmp_path))
    assert table.column("source_path").to_pylist() == [
        "d\\xfcr/ok.md", "d\\xfcr/sub/ok.md", "mixed/a.md", "mixed/caf\\xe9.md", "mixed/新闻.md"]
    assert table.column("size").to_pylist() == [2, 2, 1, 1, 1]


def test_chunks_make_the_same_table(monkeypatch) -> None:
    whole = list_inputs(str(DEV))
    monkeypatch.setattr(flows.inputs.listing, "CHUNK_ROWS", 7)
    chunked = list_inputs(str(DEV))
    assert whole.num_rows == sum(1 for p in DEV.rglob("*") if p.is_file()) > 7 * 10
    assert chunked.equals(whole)
    assert chunked.column("source_path").num_chunks == 1
    for row in whole.slice(0, 20).to_pylist():
        st = (DEV / row["source_path"]).stat()
        assert (row["size"], row["mtime_ns"]) == (st.st_size, st.st_mtime_ns)


def test_a_single_file_and_a_missing_input(tmp_path: Path) -> None:
    path = tmp_path / "京医通 停运.md"
    path.write_bytes(b"abc")
    st = path.stat()
    assert list_inputs(str(path)).to_pylist() == [{"source_path": path.name, "size": 3, "mtime_ns": st.st_mtime_ns,
                                                   "etag": None}]
    with pytest.raises(FileNotFoundError):
        list_inputs(str(tmp_path / "nope"))


def test_memory_filesystem() -> None:
    fs = fsspec.filesystem("memory")
    t0 = time.time_ns()
    files = {"listing-test/a.md": b"a" * 10, "listing-test/新闻/b.md": b"b" * 20, "listing-test/x/y/z.txt": b""}
    for path, data in files.items():
        fs.pipe(path, data)
    try:
        table = list_inputs("memory://listing-test")
        rows = _rows(table)
        assert list(rows) == sorted(["a.md", "新闻/b.md", "x/y/z.txt"])
        assert [rows[k]["size"] for k in ("a.md", "新闻/b.md", "x/y/z.txt")] == [10, 20, 0]
        for row in rows.values():
            assert t0 - 2_000_000 <= row["mtime_ns"] <= time.time_ns() and row["etag"] is None
        time.sleep(0.01)
        fs.pipe("listing-test/a.md", b"new")
        again = _rows(list_inputs("memory://listing-test"))
        assert again["a.md"]["size"] == 3 and again["a.md"]["mtime_ns"] > rows["a.md"]["mtime_ns"]
        assert again["新闻/b.md"] == rows["新闻/b.md"]
        assert [f.rel_path for f in discover("memory://listing-test")] == list(rows)
    finally:
        fs.rm("/listing-test", recursive=True)


def test_s3_listing_carries_the_etag(s3) -> None:
    fs, _ = s3
    t0 = time.time()
    blobs = {"a.md": b"alpha", "sub/b.md": "新闻".encode() * 50, "sub/deeper/c.txt": b"c"}
    for rel, data in blobs.items():
        fs.pipe(f"news/listing/{rel}", data)
    rows = _rows(list_inputs("s3://news/listing"))
    assert list(rows) == sorted(blobs)
    for rel, data in blobs.items():
        row = rows[rel]
        assert row["size"] == len(data)
        assert row["etag"] == hashlib.md5(data).hexdigest()  # a single PUT: the ETag is the MD5, quotes stripped
        assert t0 - 5 <= row["mtime_ns"] / 1e9 <= time.time() + 5
    fs.pipe("news/listing/a.md", b"ALPHA")  # same size, new content
    again = _rows(list_inputs("s3://news/listing"))
    assert again["a.md"]["size"] == rows["a.md"]["size"] and again["a.md"]["etag"] != rows["a.md"]["etag"]
    assert again["sub/b.md"] == rows["sub/b.md"]
    [single] = list_inputs("s3://news/listing/sub/b.md").to_pylist()
    assert single == {**rows["sub/b.md"], "source_path": "b.md"}


def test_info_dicts_of_other_filesystems() -> None:
    utc = dt.timezone.utc
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=utc)
    ns = 1714979289_123456_000
    assert mtime_ns({"LastModified": when}) == ns  # s3fs
    assert mtime_ns({"last_modified": when.replace(tzinfo=None)}) == ns  # naive: UTC
    assert mtime_ns({"updated": "2024-05-06T07:08:09.123456Z", "generation": "17"}) == ns  # gcsfs
    assert mtime_ns({"mtime": 1714979289.123456, "created": 1.0}) == ns  # local, sftp: epoch seconds
    assert mtime_ns({"created": when.astimezone(dt.timezone(dt.timedelta(hours=8)))}) == ns
    assert mtime_ns({"size": 3}) is None and mtime_ns({"mtime": "not a date"}) is None
    assert etag({"ETag": '"d41d8cd98f00b204e9800998ecf8427e"'}) == "d41d8cd98f00b204e9800998ecf8427e"
    assert etag({"etag": "0x8DC"}) == "0x8DC"  # adlfs
    assert etag({"VersionId": "v3"}) == "v3" and etag({"generation": 17, "md5Hash": "x=="}) == "17"
    assert etag({"md5Hash": "1B2M2Y8AsgTpgAmY7PhCfg=="}) == "1B2M2Y8AsgTpgAmY7PhCfg=="
    assert etag({"ETag": '""'}) is None and etag({}) is None


def test_a_listing_made_ahead_in_a_child_is_the_listing(tmp_path: Path) -> None:
    """``news-etl run`` lists the input in a forked child while it imports Prefect: the same table,
    no file left behind, and none of this process's exit handlers run in the child."""
    import atexit

    marker = tmp_path / "exit-handler-ran"
    handler = lambda: marker.write_text("ran")  # noqa: E731
    atexit.register(handler)
    try:
        before = set(Path(tempfile.gettempdir()).glob("news-etl-listing-*"))
        ahead = flows.inputs.listing._ForkedListing(str(DEV))
        assert ahead.pid != os.getpid()
        assert ahead.result(str(DEV)).equals(list_inputs(str(DEV)))
        assert not marker.exists()
        assert set(Path(tempfile.gettempdir()).glob("news-etl-listing-*")) == before
    finally:
        atexit.unregister(handler)


def test_a_child_listing_that_fails_is_made_again_here(monkeypatch) -> None:
    parent = os.getpid()
    real = flows.inputs.listing.list_inputs

    def fails_in_the_child(url: str) -> pa.Table:
        if os.getpid() != parent:
            raise RuntimeError("the child cannot list")
        return real(url)

    monkeypatch.setattr(flows.inputs.listing, "list_inputs", fails_in_the_child)
    ahead = flows.inputs.listing._ForkedListing(str(DEV))
    assert ahead.result(str(DEV)).equals(real(str(DEV)))


def test_list_ahead_then_listing_for(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"x")
    for in_child in (False, True):  # a thread, or a child where this process runs no thread yet
        flows.inputs.listing.list_ahead(str(tmp_path), in_child=in_child)
        (tmp_path / "b.md").write_bytes(b"yy")  # made after the listing started: listed or not, never an error
        table = flows.inputs.listing.listing_for(str(tmp_path))
        assert table.column("source_path").to_pylist()[:1] == ["a.md"]
        assert str(tmp_path) not in flows.inputs.listing._AHEAD  # taken once
