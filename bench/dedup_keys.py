#!/usr/bin/env python
"""Cost of the band keys (transforms.dedup.key_matrix / shared_rows) on synthetic rows.

    python bench/dedup_keys.py [--rows 500000]

Random 512-byte signatures (5 % missing) and hex text hashes (3 % missing), with
2 % exact copies (same text hash), 2 % whole-signature copies and 2 % of rows
that copy one band of another: about the share of rows a real corpus links.
Times are wall seconds of one untraced call each; memory is the peak that
tracemalloc sees (numpy reports its buffers to it) during a second, traced call,
above what was allocated before it (the inputs are not counted).
"""
from __future__ import annotations

import argparse
import hashlib
import time
import tracemalloc

import numpy as np

from transforms import dedup


def synthetic(n: int, seed: int = 1) -> tuple[list[str | None], list[bytes | None]]:
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2**32, size=(n, dedup.NUM_PERM), dtype=np.uint32)
    k = n // 50
    sigs[rng.integers(0, n, size=k)] = sigs[rng.integers(0, n, size=k)]
    sigs[rng.integers(0, n, size=k), :dedup.ROWS] = sigs[rng.integers(0, n, size=k), :dedup.ROWS]
    minhashes: list[bytes | None] = [s.astype("<u4").tobytes() for s in sigs]
    del sigs
    for i in rng.integers(0, n, size=n // 20):
        minhashes[i] = None
    hashes: list[str | None] = [hashlib.sha256(i.to_bytes(8, "little")).hexdigest() for i in range(n)]
    for i in rng.integers(0, n, size=k):
        hashes[i] = hashes[(i * 7919) % n]
    for i in rng.integers(0, n, size=n // 33):
        hashes[i] = None
    return hashes, minhashes


def traced_peak(fn, *args) -> float:
    """MB allocated at the peak of ``fn(*args)`` above what was allocated before."""
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - before) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    n = parser.parse_args().rows
    hashes, minhashes = synthetic(n)
    t0 = time.perf_counter()
    keys = dedup.key_matrix(hashes, minhashes)
    t1 = time.perf_counter()
    shared = dedup.shared_rows(keys)
    t2 = time.perf_counter()
    print(f"{n:,} rows; keys {keys.nbytes / 1e6:.1f} MB; shared {int(shared.sum()):,} rows ({shared.mean():.1%})")
    print(f"key_matrix  {t1 - t0:6.2f} s   peak {traced_peak(dedup.key_matrix, hashes, minhashes):6.1f} MB (the keys included)")
    print(f"shared_rows {t2 - t1:6.2f} s   peak {traced_peak(dedup.shared_rows, keys):6.1f} MB (the result included)")


if __name__ == "__main__":
    main()
