"""Make a run's staged output the dataset, and record the run in ``_runs/``."""
from __future__ import annotations

import json
import posixpath

from flows.storage import open_root

DATASETS = ("articles", "rejects")


def staging_url(output_url: str, run_id: str) -> str:
    fs, root = open_root(output_url)
    return fs.unstrip_protocol(posixpath.join(root, "_staging", run_id)) if _is_remote(fs) else \
        posixpath.join(root, "_staging", run_id)


def _is_remote(fs) -> bool:
    return "file" not in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def publish_full_refresh(output_url: str, run_id: str) -> None:
    """Replace each dataset by the run's staged copy, then drop the staging area.

    Each dataset directory is swapped with two renames (old aside, new in place),
    so a reader sees either the old or the new dataset, never a mix of both.
    """
    fs, root = open_root(output_url)
    stage = posixpath.join(root, "_staging", run_id)
    trash = posixpath.join(root, "_trash", run_id)
    for name in DATASETS:
        new, live = posixpath.join(stage, name), posixpath.join(root, name)
        if not fs.exists(new):
            fs.makedirs(new, exist_ok=True)
        if fs.exists(live):
            fs.makedirs(trash, exist_ok=True)
            fs.mv(live, posixpath.join(trash, name), recursive=True)
        fs.mv(new, live, recursive=True)
    for leftover in (stage, trash):
        if fs.exists(leftover):
            fs.rm(leftover, recursive=True)
    for parent in ("_staging", "_trash"):
        path = posixpath.join(root, parent)
        if fs.exists(path) and not fs.ls(path):
            fs.rm(path, recursive=True)


def write_run_log(output_url: str, run_id: str, summary: dict) -> str:
    fs, root = open_root(output_url)
    path = posixpath.join(root, "_runs", f"{run_id}.json")
    fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with fs.open(path, "w", encoding="utf-8") as fh:
        json.dump(summary, fh, ensure_ascii=False, indent=1, sort_keys=True)
    return path
