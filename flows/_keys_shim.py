"""SHIM (replaced by transforms.dedup.key_matrix from the dedupkeys branch)."""
from __future__ import annotations

import hashlib

import numpy as np

from transforms.dedup import BANDS, NUM_PERM, ROWS

KEY_COLUMNS = ("k_text", *(f"k_band{i}" for i in range(BANDS)))


def key_matrix(text_hashes, minhashes) -> np.ndarray:
    out = np.zeros((len(text_hashes), 1 + BANDS), dtype=np.uint64)
    for r, (th, mh) in enumerate(zip(text_hashes, minhashes, strict=True)):
        if th:
            out[r, 0] = int(th[:16], 16) | 1
        if mh is not None and len(mh) == NUM_PERM * 4:
            for i in range(BANDS):
                d = hashlib.blake2b(bytes([i]) + mh[i * ROWS * 4:(i + 1) * ROWS * 4], digest_size=8).digest()
                out[r, 1 + i] = int.from_bytes(d, "little") | 1
    return out
