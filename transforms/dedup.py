"""Duplicate detection: exact (same normalised text) and near (MinHash LSH over
character shingles). Pure: signatures are computed per record where the record
is cleaned; linking runs once per run over every record of the dataset.

A link points a record at the canonical record of its group: the one seen first
(earliest run), ties broken by earliest ``published_at``, then by ``doc_id``.
Nothing is deleted; canonical records have no link.

The MinHash is our own, in numpy (no datasketch, no scipy at start-up): the
shingles of 5 code points are hashed with a 64-bit polynomial hash and a
splitmix64 finaliser to 32 bits, then each of the 128 permutations is an affine
map ``a * x + b`` modulo 2**32 (``a`` odd, so a bijection) and the signature
slot is its minimum over the shingles. The parameters come from SHAKE-256 of a
fixed seed, so they are the same in every process and every numpy version.
Signatures made by another scheme are not comparable: :data:`SCHEME` names this
one, and stores written with another are recomputed (see flows/run/incremental.py).

Out of core, linking needs only the records that share a key with another:
:func:`key_matrix` turns each record into 1 + BANDS 64-bit keys (its text hash
and one per LSH band), which a store can keep on disk and load for every live
record at 80 bytes each; :func:`shared_rows` says which rows share a key, and
only those need their signatures loaded and passed to :func:`link_duplicates`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NUM_PERM = 128
# Name of the signature scheme, stored with the signatures: change it whenever a signature changes.
SCHEME = "news_etl.minhash.v2:shingle5-poly64-splitmix-affine32x128"
_SEED = b"news_etl.dedup.minhash.v2"  # the permutation parameters are SHAKE-256 of this
SHINGLE = 5
# Estimated Jaccard similarity of shingle sets at or above which two texts are near duplicates.
NEAR_THRESHOLD = 0.8
# Texts shorter than this (after normalisation) are linked only when identical.
MIN_NEAR_CHARS = 50
# LSH banding: BANDS bands of ROWS slots each. These are the values datasketch's
# MinHashLSH(threshold=0.8, num_perm=128) chose, i.e. _optimal_param(0.8, 128, 0.5, 0.5)
# (the band layout minimising false positives + false negatives): 9 x 13 = 117 of the 128 slots.
BANDS, ROWS = 9, 13
# A candidate is a near duplicate when at least this many slots are equal (estimated Jaccard >= 0.8).
_MIN_EQUAL = math.ceil(NEAR_THRESHOLD * NUM_PERM)
_NOISE = re.compile(r"[\s\u3000\xa0\"'“”‘’「」『』()（）\[\]【】,，.。、;；:：!！?？·—–-]+")
_KEPT = re.compile(r"[^\s\u3000\xa0\"'“”‘’「」『』()（）\[\]【】,，.。、;；:：!！?？·—–-]+")  # the complement of _NOISE

_PARAMS = np.frombuffer(hashlib.shake_256(_SEED).digest(8 * NUM_PERM), dtype="<u4").astype(np.uint32)
_A = (_PARAMS[:NUM_PERM] | np.uint32(1))[:, None]  # odd multipliers, one per permutation
_B = _PARAMS[NUM_PERM:][:, None]
_POLY = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S27, _S30, _S31, _S32 = (np.uint64(s) for s in (27, 30, 31, 32))
# Work buffer for the permutations (thread-local: Dask workers may run batches in threads).
_BUF_ITEMS = NUM_PERM * 1024
_local = threading.local()


def normalise(text: str) -> str:
    """What "the same text" means: no whitespace or punctuation, Latin lower-cased."""
    return "".join(_KEPT.findall(text)).lower()  # = _NOISE.sub("", text), a fifth faster


def _sha(norm: str) -> str | None:
    return hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else None


def text_hash(text: str) -> str | None:
    return _sha(normalise(text))


def _shingle_hashes(norm: str) -> np.ndarray:
    """One 32-bit hash per shingle of SHINGLE code points (repeats included: they do not change a minimum)."""
    cp = np.frombuffer(norm.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    n = len(cp) - SHINGLE + 1
    h = cp[:n].copy()
    for k in range(1, SHINGLE):  # polynomial hash over the window, modulo 2**64
        h *= _POLY
        h += cp[k:k + n]
    h ^= h >> _S30  # splitmix64 finaliser: every input bit reaches the high 32 bits
    h *= _MIX1
    h ^= h >> _S27
    h *= _MIX2
    h ^= h >> _S31
    return (h >> _S32).astype(np.uint32)


def _minhash(norm: str) -> bytes:
    x = _shingle_hashes(norm)
    n = len(x)
    out = np.empty(NUM_PERM, dtype=np.uint32)
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = np.empty(_BUF_ITEMS, dtype=np.uint32)
    step = max(1, len(buf) // n)
    for i in range(0, NUM_PERM, step):
        k = min(step, NUM_PERM - i)
        block = buf[:k * n].reshape(k, n) if k * n <= len(buf) else np.empty((k, n), dtype=np.uint32)
        np.multiply(_A[i:i + k], x, out=block)  # modulo 2**32
        block += _B[i:i + k]
        block.min(axis=1, out=out[i:i + k])
    return out.astype("<u4", copy=False).tobytes()  # little-endian on every machine


def _signature_of(norm: str) -> bytes | None:
    return _minhash(norm) if len(norm) >= MIN_NEAR_CHARS else None


def signature(text: str) -> bytes | None:
    """MinHash of the text's character shingles, as bytes (NUM_PERM x uint32); None for short texts."""
    return _signature_of(normalise(text))


def fingerprint(text: str) -> tuple[str | None, bytes | None]:
    """``(text_hash(text), signature(text))``, normalising the text once."""
    norm = normalise(text)
    return _sha(norm), _signature_of(norm)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the fraction of equal slots."""
    return np.count_nonzero(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4")) / NUM_PERM


@dataclass(frozen=True, slots=True)  # slots: the flow process holds one per article of the dataset
class DedupEntry:
    doc_id: str
    first_seen: str  # run id of the run that first stored the record
    published_at: dt.datetime | None
    text_hash: str | None
    minhash: bytes | None


def _order(e: DedupEntry) -> tuple:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return (e.first_seen, e.published_at or far, e.doc_id)


_BAND_BYTES = ROWS * 4


def link_duplicates(entries: list[DedupEntry]) -> dict[str, str | None]:
    """``doc_id -> duplicate_of`` for every entry (None for canonical records).

    Entries are taken in canonical order. One with the text hash of an earlier
    record links to that record's canonical; otherwise its signature is looked
    up in the LSH bands of the canonical records so far, candidates are kept
    when their estimated Jaccard is at least NEAR_THRESHOLD, and the first of
    them in canonical order is its canonical. Only canonical records are indexed.
    """
    index = {e.doc_id: e for e in entries}
    by_hash: dict[str, str] = {}
    bands: list[dict[bytes, list[str]]] = [{} for _ in range(BANDS)]
    sigs: dict[str, np.ndarray] = {}
    links: dict[str, str | None] = {}
    for e in sorted(entries, key=_order):
        if e.text_hash and e.text_hash in by_hash:
            links[e.doc_id] = by_hash[e.text_hash]
            continue
        canonical = None
        mh = e.minhash if e.minhash is not None and len(e.minhash) == NUM_PERM * 4 else None
        if mh is not None:
            sig = np.frombuffer(mh, dtype="<u4")
            keys = [mh[i * _BAND_BYTES:(i + 1) * _BAND_BYTES] for i in range(BANDS)]
            seen: set[str] = set()
            for table, key in zip(bands, keys, strict=True):
                seen.update(table.get(key, ()))
            candidates = [c for c in seen if np.count_nonzero(sigs[c] == sig) >= _MIN_EQUAL]
            if candidates:
                canonical = min(candidates, key=lambda c: _order(index[c]))
        links[e.doc_id] = canonical
        if canonical is None:
            if e.text_hash:
                by_hash[e.text_hash] = e.doc_id
            if mh is not None:
                for table, key in zip(bands, keys, strict=True):
                    table.setdefault(key, []).append(e.doc_id)
                sigs[e.doc_id] = sig
        elif e.text_hash:
            by_hash.setdefault(e.text_hash, canonical)
    return links


# --- band keys: which records can take part in linking at all ------------------------------------

# Column names of :func:`key_matrix`: the text hash's key, then one key per LSH band.
KEY_COLUMNS: tuple[str, ...] = ("k_text", *(f"k_band{i}" for i in range(BANDS)))
# One 64-bit start value per band (SHAKE-256 of a fixed seed): equal bytes in two bands give unrelated keys.
_BAND_SEEDS = np.frombuffer(hashlib.shake_256(b"news_etl.dedup.bandkeys.v1").digest(8 * BANDS), dtype="<u8").astype(np.uint64)
_KEY_BLOCK = 16_384  # signatures hashed per block: bounds the temporaries (about 15 MB) whatever n is
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _text_key(h: str | None) -> int:
    """The first 64 bits of a hex sha256 (any other non-empty string through BLAKE2b, so a stored hash of
    another form still gets one key per value); no hash, which :func:`link_duplicates` never links, is 0."""
    if not h:
        return 0
    if len(h) >= 16 and _HEX_DIGITS.issuperset(h[:16]):
        return int(h[:16], 16)
    return int.from_bytes(hashlib.blake2b(h.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _band_keys(sigs: np.ndarray) -> np.ndarray:
    """(m, NUM_PERM) uint32 -> (m, BANDS) uint64: a polynomial hash of each band's ROWS slots from its band's
    seed, then the splitmix64 finaliser (all 64 bits depend on every slot)."""
    x = sigs[:, :BANDS * ROWS].reshape(len(sigs), BANDS, ROWS).astype(np.uint64)
    h = np.repeat(_BAND_SEEDS[None, :], len(sigs), axis=0)
    for j in range(ROWS):  # one vectorised step per slot position, over every row and band at once
        h *= _POLY
        h += x[:, :, j]
    h ^= h >> _S30
    h *= _MIX1
    h ^= h >> _S27
    h *= _MIX2
    h ^= h >> _S31
    return h


def key_matrix(text_hashes: Sequence[str | None], minhashes: Sequence[bytes | None]) -> np.ndarray:
    """The keys of ``n`` records, shape ``(n, 1 + BANDS)``, uint64, columns named by :data:`KEY_COLUMNS`.

    Column 0 is a key of the text hash (two records with equal hashes have equal
    keys), column ``1 + i`` a key of the bytes of LSH band ``i`` (the ROWS slots
    :func:`link_duplicates` compares), mixed with ``i``. 0 means absent: no text
    hash, or no signature / one whose length is not NUM_PERM * 4 (which
    :func:`link_duplicates` ignores too); a real key that comes out 0 is stored
    as 1. Unequal inputs may share a key (a 64-bit collision, or the first 64
    bits of two hashes): that only adds records to :func:`shared_rows`, which
    is harmless (see there). Keys depend only on the values: little-endian
    slots, fixed seeds, no ``hash()``, so they are the same in every process,
    on every platform and numpy version — a change to them must change SCHEME.
    """
    n = len(text_hashes)
    if len(minhashes) != n:
        raise ValueError(f"{n} text hashes but {len(minhashes)} signatures")
    keys = np.zeros((n, 1 + BANDS), dtype=np.uint64)
    keys[:, 0] = np.fromiter((_text_key(h) for h in text_hashes), dtype=np.uint64, count=n)
    size = NUM_PERM * 4
    valid = np.fromiter((m is not None and len(m) == size for m in minhashes), dtype=bool, count=n)
    rows = np.flatnonzero(valid)
    for start in range(0, len(rows), _KEY_BLOCK):
        block = rows[start:start + _KEY_BLOCK]
        joined = b"".join([minhashes[i] for i in block])
        sigs = np.frombuffer(joined, dtype="<u4").reshape(len(block), NUM_PERM)
        keys[block, 1:] = _band_keys(sigs)
    present = np.empty(keys.shape, dtype=bool)
    present[:, 0] = np.fromiter((bool(h) for h in text_hashes), dtype=bool, count=n)
    present[:, 1:] = valid[:, None]
    keys[(keys == 0) & present] = 1  # 0 is "absent": a real key that hashed to 0 collides with 1 instead
    return keys


def shared_rows(keys: np.ndarray) -> np.ndarray:
    """Bool per row: the row shares a nonzero key, in the same column, with at least one other row.

    The guarantee this gives, for any entries and ``shared = shared_rows(key_matrix(...))``
    of them: ``link_duplicates(entries)`` equals ``link_duplicates`` of the shared
    entries alone on those entries, and is None on every other entry. A record
    that shares no key can be neither linked (an exact link needs an earlier
    record of the same text hash, a near one a canonical record with one equal
    band) nor a candidate of another, so leaving it out changes nobody's link.
    Key collisions only mark more rows as shared; an extra row is one more
    record that links to nothing and is nobody's candidate, so the links stay
    the same: collisions cost signature loads, never a wrong link.

    One sort per column: O(n log n) time; memory, besides the keys (80 bytes a
    row), a sorted copy and an index of one column at a time: about 35 bytes a
    row at the peak (bench/dedup_keys.py: 17.5 MB for 500k rows, 0.2 s).
    """
    if keys.ndim != 2:
        raise ValueError(f"keys must be 2-D, got shape {keys.shape}")
    n = keys.shape[0]
    shared = np.zeros(n, dtype=bool)
    if n < 2:
        return shared
    hit = np.empty(n, dtype=bool)
    for c in range(keys.shape[1]):
        column = keys[:, c]
        order = np.argsort(column)
        ordered = column[order]
        same = ordered[1:] == ordered[:-1]
        same &= ordered[1:] != 0
        hit[:-1] = same
        hit[-1] = False
        hit[1:] |= same
        shared[order[hit]] = True
    return shared
