"""Local reads: the openat fast path (no symlink below the root) gives exactly what
the realpath path gives, for every entry of the hostile catalogue and more."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.inputs import storage
from flows.inputs.storage import InputRejected, read_local
from tests.test_hostile_run import build_input


def _outcome(root: Path, rel: str):
    try:
        return read_local(str(root), rel, 2_000_000)
    except InputRejected as exc:
        return (exc.reason, exc.detail, exc.size)


def test_fast_reads_match_the_realpath_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, outside = tmp_path / "in", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    expected = build_input(root, outside, tmp_path / "pwned")
    os.symlink(root / "enc", root / "abs_inside")  # an absolute link to a directory inside the root
    (root / "enc" / "sub").mkdir()
    (root / "enc" / "sub" / "deep.md").write_bytes(b"deep")
    rels = [*expected, "links/to_inside_dir/deep_nesting.md", "links/to_outside_dir/inner.md", "abs_inside/crlf.md",
            "abs_inside/sub/deep.md", "enc/sub/deep.md", "enc/../enc/crlf.md", "../outside/secret.md",
            "enc/./crlf.md", "enc//crlf.md", "missing.md", "enc/missing/x.md", "enc/crlf.md/x", "enc", "links"]
    fast = {rel: _outcome(root, rel) for rel in rels}
    via_link = tmp_path / "via_link"
    via_link.symlink_to(root, target_is_directory=True)  # the root itself may be a link
    assert {rel: _outcome(via_link, rel) for rel in rels} == fast
    monkeypatch.setattr(storage, "_WALK", False)
    assert {rel: _outcome(root, rel) for rel in rels} == fast
    assert fast["abs_inside/sub/deep.md"] == fast["enc/sub/deep.md"] == b"deep"
    assert fast["links/to_outside_dir/inner.md"][0] == "symlink_outside_root"
    assert fast["../outside/secret.md"][0] == "symlink_outside_root"
    # a directory given as a file is a reject (fdopen used to raise IsADirectoryError first)
    assert fast["enc"] == fast["links"] == ("read_error", "not a regular file: a directory that could not be listed", 0)
    for rel, outcome in expected.items():
        assert (outcome in ("article", "binary", "undecodable", "empty", "no_content")) == isinstance(fast[rel], bytes), rel


def test_fast_path_opens_no_symlink(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "d").mkdir(parents=True)
    (root / "d" / "f.md").write_bytes(b"x")
    (root / "l").symlink_to("d", target_is_directory=True)
    (root / "d" / "lf.md").symlink_to("f.md")
    fd = storage._open_below(str(root), str(root / "d" / "f.md"))
    assert fd is not None
    os.close(fd)
    assert storage._open_below(str(root), str(root / "l" / "f.md")) is None
    assert storage._open_below(str(root), str(root / "d" / "lf.md")) is None
    assert storage._open_below(str(root), str(root / "d" / ".." / "d" / "f.md")) is None
    assert storage._open_below(str(root), str(tmp_path / "elsewhere.md")) is None
    assert read_local(str(root), "l/f.md", None) == read_local(str(root), "d/lf.md", None) == b"x"
