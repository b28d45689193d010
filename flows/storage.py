"""Input discovery and output writing through fsspec (local paths or URLs)."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem


@dataclass(frozen=True)
class InputFile:
    """A file to process: its path relative to the input root and its size."""

    rel_path: str
    size: int


def open_root(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem and the root path inside it for a path or URL."""
    fs, root = fsspec.core.url_to_fs(url)
    if isinstance(fs, LocalFileSystem):
        root = fs._strip_protocol(root)
    return fs, root.rstrip("/") or "/"


def discover(url: str) -> list[InputFile]:
    """Every regular file under ``url``, sorted by relative path (forward slashes)."""
    fs, root = open_root(url)
    if not fs.exists(root):
        raise FileNotFoundError(f"input not found: {url}")
    if fs.isfile(root):
        info = fs.info(root)
        return [InputFile(posixpath.basename(root), int(info.get("size") or 0))]
    found = fs.find(root, withdirs=False, detail=True)
    files = []
    for path, info in found.items():
        if info.get("type") not in (None, "file"):
            continue
        rel = posixpath.relpath(path.replace("\\", "/"), root.replace("\\", "/"))
        files.append(InputFile(rel, int(info.get("size") or 0)))
    return sorted(files, key=lambda f: f.rel_path)


def join(root: str, *parts: str) -> str:
    return posixpath.join(root, *parts)


def write_parquet(fs: fsspec.AbstractFileSystem, path: str, table: pa.Table) -> None:
    """Write one Parquet file, creating its directory first."""
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with fs.open(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
