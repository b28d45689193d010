"""Where each millisecond of a file goes: the cleaner's stages against their floors, one core.

    python bench/stages.py [CORPUS] [--files N] [--repeat 3]

CORPUS defaults to the bench corpus (unpacked into a temporary folder). Every stage is
timed inside the real ``clean_document`` run, by wrapping the functions the pipeline calls
(the pipeline itself is not copied): decode, layout split, body format (Markdown render),
HTML parse, prune, block walk, block rules, publisher choice; what is left of
``clean_document`` is "metadata and the rest". Then what a batch adds per file: the dedup
fingerprint (MinHash) and the staging write (Arrow table and IPC file). The floors, on the
same files: reading the bytes, decoding alone, lxml's parse of the decoded text, and a
lexbor parse (selectolax, when installed: ``uv pip install selectolax``).

Prints one table, µs per file (CPU time, best of ``--repeat``), and its share of the total.
"""
from __future__ import annotations

import argparse
import os
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
import pyarrow as pa  # noqa: E402

from flows.inputs.storage import write_staged  # noqa: E402
from schemas.articles import articles_table  # noqa: E402
from transforms import boilerplate, dedup, html_blocks, pipeline  # noqa: E402
from transforms.decode import decode  # noqa: E402
from transforms.records import Record  # noqa: E402

BENCH_TAR = ROOT.parent / "shared" / "corpus" / "bench" / "banned-news-2020.tar.gz"
# (label, module, attribute): the functions the pipeline calls through those names.
STAGES = [
    ("decode", pipeline, "decode"),
    ("layout split", pipeline, "split_layout"),
    ("body format / Markdown", pipeline, "body_html"),
    ("HTML parse (lxml)", html_blocks, "parse"),
    ("prune", html_blocks, "prune"),
    ("block walk", html_blocks, "blocks"),
    ("block rules", boilerplate, "apply_block_rules"),
    ("publisher", pipeline, "choose_publisher"),
]


def _spread(paths: list[Path], limit: int) -> list[Path]:
    """Every k-th file, so that a sample covers every folder (layout, outlet) of the corpus."""
    step = max(1, len(paths) // limit)
    return paths[::step][:limit]


def _files(corpus: Path, limit: int) -> list[tuple[bytes, str]]:
    paths = _spread(sorted(p for p in corpus.rglob("*") if p.is_file()), limit)
    return [(p.read_bytes(), str(p.relative_to(corpus))) for p in paths]


def _timed(fn: Callable, spent: dict[str, float], label: str) -> Callable:
    clock = time.process_time

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += clock() - t
    return wrapper


def stage_times(files: list[tuple[bytes, str]]) -> tuple[dict[str, float], list[Record]]:
    """CPU seconds per stage over ``files``, inside one pass of ``clean_document``."""
    spent: dict[str, float] = defaultdict(float)
    originals = [(mod, attr, getattr(mod, attr)) for _, mod, attr in STAGES]
    for (label, mod, attr), (_, _, fn) in zip(STAGES, originals, strict=True):
        setattr(mod, attr, _timed(fn, spent, label))
    # html_blocks.parse is also reached as pipeline's "html_blocks.parse": one module attribute.
    records: list[Record] = []
    try:
        t = time.process_time()
        for raw, rel in files:
            r = pipeline.clean_document(raw, rel)
            if isinstance(r, Record):
                records.append(r)
        total = time.process_time() - t
    finally:
        for mod, attr, fn in originals:
            setattr(mod, attr, fn)
    spent["metadata and the rest"] = total - sum(spent.values())
    spent["clean_document (total)"] = total
    return spent, records


def batch_times(records: list[Record], tmp: Path) -> dict[str, float]:
    t = time.process_time()
    fingerprints = [dedup.fingerprint(r.text) for r in records]
    fp = time.process_time() - t
    t = time.process_time()
    for i in range(0, len(records), 1000):  # a batch stages its articles in parts
        table = articles_table(records[i:i + 1000], "bench")
        import fsspec

        write_staged(fsspec.filesystem("file"), str(tmp / f"part-{i}.arrow"), table)
    stage = time.process_time() - t
    del fingerprints
    return {"dedup fingerprint": fp, "staging write (Arrow)": stage}


def floors(files: list[tuple[bytes, str]], corpus: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    paths = _spread(sorted(p for p in corpus.rglob("*") if p.is_file()), len(files))
    t = time.process_time()
    for p in paths:
        p.read_bytes()
    out["floor: read the bytes"] = time.process_time() - t
    t = time.process_time()
    texts = []
    for raw, _ in files:
        try:
            texts.append(decode(raw).text)
        except Exception:  # a reject: nothing to parse
            continue
    out["floor: decode"] = time.process_time() - t
    t = time.process_time()
    for text in texts:
        if text.strip():
            try:
                lxml.html.fromstring(text)
            except Exception:  # a file lxml refuses
                continue
    out["floor: lxml parse"] = time.process_time() - t
    try:
        from selectolax.lexbor import LexborHTMLParser

        t = time.process_time()
        for text in texts:
            LexborHTMLParser(text)
        out["floor: lexbor parse (selectolax)"] = time.process_time() - t
    except ImportError:
        pass
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", type=Path)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="news-etl-stages-") as tmp_name:
        tmp = Path(tmp_name)
        corpus = args.corpus
        if corpus is None:
            with tarfile.open(BENCH_TAR) as tar:
                tar.extractall(tmp / "corpus", filter="data")
            corpus = tmp / "corpus"
        files = _files(corpus, args.files)
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            spent, records = stage_times(files)
            spent |= batch_times(records, tmp)
            spent |= floors(files, corpus)
            for k, v in spent.items():
                best[k] = min(best.get(k, v), v)
        n = len(files)
        total = best["clean_document (total)"] + best["dedup fingerprint"] + best["staging write (Arrow)"]
        print(f"{n} files ({len(records)} articles), CPU time per file, best of {args.repeat}; python {sys.version.split()[0]}, "
              f"pid {os.getpid()}\n")
        print("| stage | µs/file | share |")
        print("|---|---:|---:|")
        order = [label for label, _, _ in STAGES] + ["metadata and the rest", "clean_document (total)",
                                                      "dedup fingerprint", "staging write (Arrow)"]
        for k in order + [k for k in best if k.startswith("floor")]:
            v = best.get(k, 0.0)
            share = "" if k.startswith("floor") or k == "clean_document (total)" else f"{v / total:.0%}"
            print(f"| {k} | {v / n * 1e6:,.0f} | {share} |")
        print(f"| per file, cleaning + fingerprint + staging | {total / n * 1e6:,.0f} | 100% |")
    return 0


if __name__ == "__main__":
    pa.set_cpu_count(1)
    raise SystemExit(main())
