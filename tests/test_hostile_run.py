"""The whole hostile catalogue in one input folder, through the real ``news-etl run``.

Every file, link and special file ends as an article or a reject with the
expected reason; the run exits 0; nothing is written outside OUT; the partition
directories are only ``year=YYYY/month=M`` or the undated ``year=0/month=0``.
"""
from __future__ import annotations

import codecs
import os
import random
import re
import struct
import zlib
from pathlib import Path

import pytest

from flows.inputs.listing import discover
from flows.inputs.storage import InputRejected, read_local
from schemas.read import articles_dataset, rejects_dataset
from tests.conftest import raw
from tests.test_cli import run_cli

MAX_BYTES = 2_000_000
ARTICLE = "seeds/004_77a5095b54502230.txt"
JEKYLL = "seeds/000_38b69d1bccad3eff.txt"
FEED = "seeds/002_50f3dea1d4d3dcd9.txt"
GBK_SHORT = "finews/2021-12-01-init.md"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def _jekyll(header: str, body: str = "<p>京医通停运的消息引发舆论关注，市民表示挂号更难了。</p>\n") -> bytes:
    return f"---\n{header}---\n{body}".encode()


def _mirror(body: str) -> bytes:
    return f"### 京医通停运\n------\n\n{body}\n".encode()


BIG5_ARTICLE = ("### 香港記者協會發表聲明\n------\n\n<p>【大紀元2020年09月14日訊】香港記者協會週一發表聲明，"
                "批評警方在示威現場多次阻礙記者採訪。</p>\n<p>協會要求警方尊重新聞自由。</p>\n")


def build_input(root: Path, outside: Path, marker: Path) -> dict[str, str]:
    """Write the catalogue under ``root``; return source_path -> "article" or the reject reason."""
    article = raw(ARTICLE).decode("utf-8")
    files: dict[str, tuple[bytes, str]] = {
        # not text
        "not_text/qr.md.png": (_png(), "binary"),
        "not_text/photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(1).randbytes(3000), "binary"),
        "not_text/random.bin": (random.Random(2).randbytes(5000), "undecodable"),
        "not_text/nul_inside.md": (raw(JEKYLL).replace("京医通".encode(), "京\x00医通".encode()) + b"\x00" * 512,
                                   "article"),
        "not_text/mostly_nul.bin": (b"\x00\x01\x02\x03" * 500, "binary"),
        "not_text/empty.md": (b"", "empty"),
        "not_text/whitespace.md": (b" \n\t\r\n \xe3\x80\x80\n", "empty"),
        # encodings
        "enc/utf8_bom.md": (codecs.BOM_UTF8 + raw(ARTICLE), "article"),
        "enc/crlf.md": (raw(ARTICLE).replace(b"\n", b"\r\n"), "article"),
        "enc/gb18030.md": (article.encode("gb18030"), "article"),
        "enc/gbk_short.md": (raw(GBK_SHORT).decode("utf-8").encode("gbk"), "article"),
        "enc/big5.md": (BIG5_ARTICLE.encode("big5"), "article"),
        "enc/utf16_bom.md": (codecs.BOM_UTF16_LE + article.encode("utf-16-le"), "article"),
        "enc/mixed_cp1252.md": (_jekyll('title: "咖啡馆开业"\n', "<p>新店名叫</p>\n")
                                + "<p>café “Le Monde”</p>\n".encode("windows-1252"), "article"),
        # front matter
        "fm/unterminated.md": (b"---\ntitle: t\ndate: 2022-04-19\n" + "<p>正文内容。</p>\n".encode(), "article"),
        "fm/invalid_yaml.md": (_jekyll("title: [unclosed\ndate: 2022-04-19\n"), "article"),
        "fm/yaml_tag.md": (_jekyll(f'title: !!python/object/apply:os.system ["touch {marker}"]\n'
                                   f'date: 2022-04-19\n'), "article"),
        "fm/title_not_a_string.md": (_jekyll("title: [a, b]\ndate: 2022-04-19\n"), "article"),
        "fm/odd_date.md": (_jekyll("title: t\ndate: 2022年4月19日\n"), "article"),
        "fm/invalid_date.md": (_jekyll("title: t\ndate: 0001-01-01 00:00:00\n"), "article"),
        "fm/hostile_date.md": (_jekyll("title: t\ndate: ../../../../escape\n"), "article"),
        "fm/duplicate_keys.md": (_jekyll("title: a\ntitle: b\ndate: 2022-04-19\n"), "article"),
        "fm/alias_bomb.md": (_jekyll("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                                    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\ntitle: t\ntags: *c\n"), "article"),
        # HTML
        "html/deep_nesting.md": (_mirror("<div>" * 100_000 + "<p>深层正文。</p>" + "</div>" * 100_000), "article"),
        "html/huge_attribute.md": (_mirror(f'<p title="{"A" * 1_500_000}">正文。</p>'), "article"),
        "html/truncated.md": (_mirror('<p>第一段。</p><p>第二段<a href="http://exa'), "article"),
        "html/scripts.md": (_mirror('<p onclick="steal()">正文<script>steal()</script>。</p><iframe src="x">'
                                    "</iframe><style>p{}</style>"), "article"),
        "html/entity_bomb.md": (_mirror('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                                        "<p>&b;正文。</p>"), "article"),
        "html/only_markup.md": (b"<html><body><script>steal()</script><style>p{}</style></body></html>",
                                "no_content"),
        # size
        "size/over_the_limit.md": (_mirror("<p>" + "中" * (MAX_BYTES // 3 + 10) + "</p>"), "too_large"),
        # paths
        "新闻 目录/京医通 停运 (1).md": (raw(FEED), "article"),
        "emoji 📰/ファイル.md": (raw(JEKYLL), "article"),
    }
    expected: dict[str, str] = {}
    for rel, (blob, outcome) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
        expected[rel] = outcome

    # a 2 GiB sparse file: rejected from its size, never read
    with open(root / "size" / "two_gib.md", "wb") as fh:
        fh.truncate(2 * 1024**3)
    expected["size/two_gib.md"] = "too_large"
    # a name that is not UTF-8: stored with \xNN escapes
    os.makedirs(root / "paths", exist_ok=True)
    with open(os.path.join(os.fsencode(root / "paths"), b"caf\xe9 news.md"), "wb") as fh:
        fh.write(raw(FEED))
    expected["paths/caf\\xe9 news.md"] = "article"

    # symlinks
    (outside / "secret.md").write_bytes(raw(ARTICLE))  # an article: following the link would show
    (outside / "dir").mkdir()
    (outside / "dir" / "inner.md").write_bytes(raw(FEED))
    links = root / "links"
    links.mkdir()
    (links / "to_outside_file.md").symlink_to(outside / "secret.md")
    (links / "relative_escape.md").symlink_to(Path("..") / ".." / outside.name / "secret.md")
    (links / "to_outside_dir").symlink_to(outside / "dir", target_is_directory=True)
    (links / "loop_a").symlink_to("loop_b")
    (links / "loop_b").symlink_to("loop_a")
    (links / "broken.md").symlink_to("does-not-exist.md")
    (links / "to_inside_file.md").symlink_to(Path("..") / "enc" / "crlf.md")
    (links / "to_inside_dir").symlink_to(Path("..") / "html", target_is_directory=True)  # skipped: listed as html/
    (links / "to_root").symlink_to("..", target_is_directory=True)  # a directory loop: skipped
    expected.update({
        "links/to_outside_file.md": "symlink_outside_root",
        "links/relative_escape.md": "symlink_outside_root",
        "links/to_outside_dir": "symlink_outside_root",
        "links/loop_a": "read_error",
        "links/loop_b": "read_error",
        "links/broken.md": "read_error",
        "links/to_inside_file.md": "article",
    })
    # a FIFO: opening it for reading would block the run for ever
    os.mkfifo(root / "links" / "fifo.md")
    expected["links/fifo.md"] = "read_error"
    return expected


def _snapshot(top: Path, skip: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        if Path(dirpath) == skip or skip in Path(dirpath).parents:
            dirnames[:] = []
            continue
        for name in filenames + dirnames:
            if Path(dirpath, name) == skip:
                continue
            st = os.lstat(os.path.join(dirpath, name))
            out[os.path.join(dirpath, name)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, str]]:
    root, outside, marker = tmp_path / "in", tmp_path / "outside", tmp_path / "pwned"
    root.mkdir()
    outside.mkdir()
    return root, outside, marker, build_input(root, outside, marker)


def test_discovery_lists_every_entry_once_and_follows_no_directory_link(hostile) -> None:
    root, _, _, expected = hostile
    found = [f.rel_path for f in discover(str(root))]
    assert sorted(found) == sorted(expected)


def test_reads_follow_no_link_outside_the_root(hostile) -> None:
    root, _, _, expected = hostile
    for rel, outcome in expected.items():
        if outcome in ("symlink_outside_root", "read_error", "too_large"):
            with pytest.raises(InputRejected) as e:
                read_local(str(root), rel, MAX_BYTES)
            assert e.value.reason == outcome, rel
    assert read_local(str(root), "links/to_inside_file.md", MAX_BYTES) == raw(ARTICLE).replace(b"\n", b"\r\n")
    assert read_local(str(root), "paths/caf\\xe9 news.md", MAX_BYTES) == raw(FEED)


def test_hostile_folder_through_the_cli(prefect_server, hostile, tmp_path: Path) -> None:
    root, _, marker, expected = hostile
    out = tmp_path / "out"
    before = _snapshot(tmp_path, out)
    p = run_cli("run", str(root), str(out), "--max-bytes", str(MAX_BYTES), "--batch-size", "7", "--workers", "2",
                env=prefect_server.env, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    n_articles = sum(1 for v in expected.values() if v == "article")
    n = len(expected)
    assert f"{n} inputs = {n_articles} articles + {n - n_articles} rejects" in p.stdout

    # every input accounted for, with the expected outcome
    articles = articles_dataset(str(out)).to_table().to_pylist()
    rejects = rejects_dataset(str(out)).to_table().to_pylist()
    got = {r["source_path"]: "article" for r in articles}
    got.update({r["source_path"]: r["reason"] for r in rejects})
    assert len(articles) + len(rejects) == n
    assert got == expected

    # nothing executed, nothing outside OUT written or changed, no link followed
    assert not marker.exists()
    assert _snapshot(tmp_path, out) == before
    texts = "\n".join(r["text"] for r in articles)
    assert "steal" not in texts and "<script" not in texts and "aaaaaaaaaa" not in texts
    by_path = {r["source_path"]: r for r in articles}
    assert by_path["html/deep_nesting.md"]["text"] == "深层正文。"
    assert by_path["enc/gbk_short.md"]["title"] == "开站大吉"
    assert by_path["enc/mixed_cp1252.md"]["text"] == "新店名叫\n\ncafé “Le Monde”"
    assert by_path["fm/yaml_tag.md"]["title"] is None
    assert by_path["fm/hostile_date.md"]["published_at"] is None
    for r in rejects:
        assert r["detail"], r

    # partition directories come from parsed dates only
    articles_dir = (out / "articles").resolve()
    assert articles_dir.is_relative_to(out.resolve())
    for dirpath, dirnames, filenames in os.walk(articles_dir):
        rel = Path(dirpath).relative_to(articles_dir)
        for d in dirnames:
            if len(rel.parts) == 0:
                assert re.fullmatch(r"year=(\d{4}|0)", d), d
            elif len(rel.parts) == 1:
                assert re.fullmatch(r"month=([1-9]|1[0-2]|0)", d), d
            else:
                pytest.fail(f"unexpected directory {rel / d}")
        if len(rel.parts) < 2:
            assert not filenames, (rel, filenames)
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve()), path


def test_a_single_file_given_as_the_input_is_read(tmp_path: Path) -> None:
    path = tmp_path / "京医通 停运.md"
    path.write_bytes(raw(FEED))
    [only] = discover(str(path))
    assert only.rel_path == path.name
    assert read_local(str(path), only.rel_path, MAX_BYTES) == raw(FEED)
