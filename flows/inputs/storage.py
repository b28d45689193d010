"""Input discovery and output writing through fsspec (local paths or URLs).

On a local disk, discovery lists every entry that is not a directory: regular
files, symbolic links of any kind and special files, so that each one ends as an
article or a reject and none disappears silently. It never descends into a
symlinked directory (the real directory is listed where it is, and a link
outside the input root is never followed); :func:`read_input` decides, at read
time, whether a link may be followed. A name that is not valid UTF-8 is given
with its undecodable bytes as ``\\xNN`` escapes, so that it can be stored.
"""
from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import re
import stat
from collections.abc import Iterator
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


def _escape_name(rel: str) -> str:
    """A name that is not valid UTF-8 (surrogate-escaped by ``os``), with ``\\xNN`` for its bad bytes."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_ESCAPED_BYTE = re.compile(r"\\x([0-9a-f]{2})")


def local_path(root: str, rel: str) -> str:
    """The path on disk of ``rel`` as :func:`~flows.inputs.listing.discover` gave it (undoing :func:`_escape_name`)."""
    path = os.path.join(root, rel)
    if "\\x" in rel and not os.path.lexists(path):
        raw = _ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), rel)
        candidate = os.path.join(root, raw)
        try:
            os.fsencode(candidate)
        except UnicodeEncodeError:
            return path
        if os.path.lexists(candidate):
            return candidate
    return path


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def walk_local(root: str) -> Iterator[tuple[str, int, int | None]]:
    """``(rel_path, size, mtime_ns)`` of every entry of a local tree, unsorted (see the module docstring).

    Symlinked directories are not descended. A symlink that resolves inside the
    root gives its target's stat, as the target is what gets read: so an edit of
    the target shows as a change of the link. Any other link gives its own
    (``lstat``), as does any special file; an entry that cannot be stat'ed, or a
    directory that cannot be listed (a reject at read time), has size 0 and no mtime.
    A generator, so that a caller keeps only what it needs of each entry.
    """
    real_root = os.path.realpath(root)
    pending = [""]
    while pending:
        rel_dir = pending.pop()
        try:
            with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as entries:
                listing = list(entries)
        except OSError:
            if not rel_dir:
                raise
            yield _escape_name(rel_dir), 0, None  # unlistable: read_input rejects it
            continue
        prefix = rel_dir + "/" if rel_dir else ""
        # One UTF-8 check for the whole directory: names are escaped one by one only where one is not UTF-8
        # (``str`` of a str is the same object: no escaping, no copy).
        names = prefix + "".join(e.name for e in listing)
        escape = str if _escape_name(names) is names else _escape_name
        for entry in listing:
            rel = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(rel)
                    continue
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode) and _inside(os.path.realpath(entry.path), real_root):
                    with contextlib.suppress(OSError):  # a loop or a dangling link: its own stat
                        target = os.stat(entry.path)
                        if stat.S_ISDIR(target.st_mode):
                            continue  # a directory inside the root: listed under its real path
                        st = target
            except OSError:
                yield escape(rel), 0, None
                continue
            yield escape(rel), st.st_size, st.st_mtime_ns


class InputRejected(Exception):
    """An input that cannot be read as a file; ``reason`` is a reject code."""

    def __init__(self, reason: str, detail: str, size: int = 0) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.size = reason, detail, size


# Directories on the way to a file are opened as handles that follow no symlink (O_PATH where it exists).
_DIR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
_WALK = os.open in os.supports_dir_fd and hasattr(os, "O_DIRECTORY") and hasattr(os, "O_NOFOLLOW")


def _open_below(root: str, path: str) -> int | None:
    """``path`` opened for reading when it is below ``root`` through real directories only.

    Each component below the root is opened relative to its parent's handle,
    refusing symlinks; so a file reached this way is inside the root whatever
    the root itself resolves to, and no ``realpath`` is needed. None whenever
    that does not work out (a symlink, ``.``/``..``, a missing or unreadable
    entry): the caller then takes the slow path, which says why.
    """
    prefix = root.rstrip(os.sep) + os.sep
    if not _WALK or not path.startswith(prefix):
        return None
    parts = path[len(prefix):].split(os.sep)
    if any(p in ("", ".", "..") for p in parts):
        return None
    try:
        dir_fd = os.open(root, _DIR_FLAGS & ~getattr(os, "O_NOFOLLOW", 0))  # the root may be a link: the user named it
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            sub = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = sub
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None
    finally:
        os.close(dir_fd)


def read_local(root: str, rel: str, max_bytes: int | None) -> bytes:
    """Read ``rel`` under a local ``root`` safely, or raise :class:`InputRejected`.

    A symbolic link is followed only when its target resolves inside the root;
    links that loop or lead nowhere are read errors. Only regular files are read
    (a FIFO would block for ever); one larger than ``max_bytes`` is not read at all.
    The common case, no symlink below the root, is one ``openat`` per component
    (:func:`_open_below`); anything else resolves paths with ``realpath``.
    """
    fd = None
    if rel == os.path.basename(root) and os.path.isfile(root):
        path = real_root = os.path.realpath(root)  # the input is this one file, named by the user
    else:
        path = local_path(root, rel)
        fd = _open_below(root, path)
        if fd is None:
            real_root = os.path.realpath(root)
    if fd is None:
        if os.path.islink(path) or not _inside(os.path.realpath(os.path.dirname(path)), real_root):
            try:
                target = os.path.realpath(path, strict=True)
            except OSError as exc:
                what = "a symlink loop" if exc.errno == errno.ELOOP else "a broken symlink (its target does not exist)"
                raise InputRejected("read_error", f"{what}: {exc.strerror}") from None
            if not _inside(target, real_root):
                link = os.readlink(path) if os.path.islink(path) else rel
                raise InputRejected("symlink_outside_root",
                                    f"links to {link!r}, outside the input root; not followed"[:500])
            path = target
        try:
            fd = os.open(path, _FILE_FLAGS)
        except OSError as exc:
            raise InputRejected("read_error", f"{type(exc).__name__}: {exc.strerror}") from None
    try:  # checked before fdopen, which refuses a directory with IsADirectoryError
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory that could not be listed" if stat.S_ISDIR(st.st_mode) else "a FIFO, socket or device"
            raise InputRejected("read_error", f"not a regular file: {kind}")
        if max_bytes is not None and st.st_size > max_bytes:
            raise InputRejected("too_large", f"{st.st_size} bytes is over the limit of {max_bytes}", st.st_size)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        try:
            # st_size + 1 (still capped) instead of a max_bytes-sized buffer for every file
            raw = fh.read() if max_bytes is None else fh.read(min(max_bytes, st.st_size) + 1)
        except OSError as exc:
            raise InputRejected("read_error", f"{type(exc).__name__}: {exc.strerror}") from None
    if max_bytes is not None and len(raw) > max_bytes:
        raise InputRejected("too_large", f"over the limit of {max_bytes} bytes", len(raw))
    return raw


def join(root: str, *parts: str) -> str:
    return posixpath.join(root, *parts)


# Writer settings of every Parquet file the pipeline writes (``write_parquet`` and ``flows.inputs.parts`` merges).
PARQUET_OPTIONS: dict[str, object] = {"compression": "zstd"}


def write_parquet(fs: fsspec.AbstractFileSystem, path: str, table: pa.Table) -> None:
    """Write one Parquet file, creating its directory first."""
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with fs.open(path, "wb") as fh:
        pq.write_table(table, fh, **PARQUET_OPTIONS)


# Staged article and reject parts are Arrow IPC files, not Parquet: every one of them is read
# once more and rewritten (merged per partition, or committed to Delta), and a batch writes one
# per month it touches, so its per-file cost is what counts. For a typical part (70 articles)
# Parquet/zstd took 4.6 ms to write and ~2.5 ms to read back (decoding ~30 columns), IPC 0.9 ms
# and 0.25 ms; at x10 that is ~9,200 parts. Uncompressed on a local disk (twice Parquet's
# bytes, for the length of a run); LZ4 when the stage is remote.
STAGED_SUFFIX = ".arrow"


def write_staged(fs: fsspec.AbstractFileSystem, path: str, table: pa.Table) -> None:
    """Write one staged part (Arrow IPC file format), creating its directory first."""
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    options = pa.ipc.IpcWriteOptions(compression=None if isinstance(fs, LocalFileSystem) else "lz4")
    with fs.open(path, "wb") as fh, pa.ipc.new_file(fh, table.schema, options=options) as writer:
        writer.write_table(table)


def iter_part(fs: fsspec.AbstractFileSystem, path: str, columns: list[str] | None = None) -> Iterator[pa.Table]:
    """The rows of one part, a table per row group (Parquet) or per record batch (a staged
    IPC part), so that a caller holds one piece at a time."""
    if path.endswith(STAGED_SUFFIX):
        # A local part is memory-mapped and not closed here: the tables yielded point into
        # the mapping, which lasts as long as they do (unlinking the file does not end it).
        reader = pa.ipc.open_file(pa.memory_map(path) if isinstance(fs, LocalFileSystem)
                                  else pa.BufferReader(fs.cat_file(path)))
        for i in range(reader.num_record_batches):
            table = pa.Table.from_batches([reader.get_batch(i)])
            yield table if columns is None else table.select(columns)
        return
    with fs.open(path, "rb") as fh:
        pf = pq.ParquetFile(fh)
        for i in range(pf.num_row_groups):
            yield pf.read_row_group(i, columns=columns)

