"""Duplicate detection: exact (same normalised text) and near (MinHash LSH over
character shingles). Pure: signatures are computed per record where the record
is cleaned; linking runs once per run over every record of the dataset.

A link points a record at the canonical record of its group: the one seen first
(earliest run), ties broken by earliest ``published_at``, then by ``doc_id``.
Nothing is deleted; canonical records have no link.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine32"  # datasketch's 32-bit permutation scheme: 512 bytes per signature
SHINGLE = 5
# Estimated Jaccard similarity of shingle sets at or above which two texts are near duplicates.
NEAR_THRESHOLD = 0.8
# Texts shorter than this (after normalisation) are linked only when identical.
MIN_NEAR_CHARS = 50
_NOISE = re.compile(r"[\s\u3000\xa0\"'“”‘’「」『』()（）\[\]【】,，.。、;；:：!！?？·—–-]+")


def normalise(text: str) -> str:
    """What "the same text" means: no whitespace or punctuation, Latin lower-cased."""
    return _NOISE.sub("", text).lower()


def text_hash(text: str) -> str | None:
    norm = normalise(text)
    return hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else None


def _crc(data: bytes) -> int:
    return zlib.crc32(data)


@lru_cache(maxsize=1)
def _permutations():
    """The permutation parameters, built once per process instead of once per document."""
    return MinHash(num_perm=NUM_PERM, hashfunc=_crc, scheme=SCHEME).permutations


def signature(text: str) -> bytes | None:
    """MinHash of the text's character shingles, as bytes; None for short texts."""
    norm = normalise(text)
    if len(norm) < MIN_NEAR_CHARS:
        return None
    shingles = {norm[i:i + SHINGLE].encode("utf-8") for i in range(len(norm) - SHINGLE + 1)}
    m = MinHash(num_perm=NUM_PERM, hashfunc=_crc, scheme=SCHEME, permutations=_permutations())
    m.update_batch(list(shingles))
    return m.hashvalues.astype(np.uint32).tobytes()


@dataclass(frozen=True)
class DedupEntry:
    doc_id: str
    first_seen: str  # run id of the run that first stored the record
    published_at: dt.datetime | None
    text_hash: str | None
    minhash: bytes | None


def _order(e: DedupEntry) -> tuple:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (e.first_seen, e.published_at or far, e.doc_id)


def link_duplicates(entries: list[DedupEntry]) -> dict[str, str | None]:
    """``doc_id -> duplicate_of`` for every entry (None for canonical records)."""
    lsh = MinHashLSH(threshold=NEAR_THRESHOLD, num_perm=NUM_PERM)
    index = {e.doc_id: e for e in entries}
    by_hash: dict[str, str] = {}
    sigs: dict[str, LeanMinHash] = {}
    links: dict[str, str | None] = {}
    for e in sorted(entries, key=_order):
        if e.text_hash and e.text_hash in by_hash:
            links[e.doc_id] = by_hash[e.text_hash]
            continue
        canonical = None
        if e.minhash is not None:
            m = LeanMinHash(seed=1, hashvalues=np.frombuffer(e.minhash, dtype=np.uint32), scheme=SCHEME)
            candidates = [c for c in lsh.query(m) if sigs[c].jaccard(m) >= NEAR_THRESHOLD]
            if candidates:
                canonical = min(candidates, key=lambda c: _order(index[c]))
        links[e.doc_id] = canonical
        if canonical is None:
            if e.text_hash:
                by_hash[e.text_hash] = e.doc_id
            if e.minhash is not None:
                lsh.insert(e.doc_id, m)
                sigs[e.doc_id] = m
        elif e.text_hash:
            by_hash.setdefault(e.text_hash, canonical)
    return links
