"""Band keys (transforms.dedup.key_matrix / shared_rows): linking only the records that share a key
with another gives the links of linking them all. Unit level: no Prefect, no store."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import subprocess
import sys
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DEV, FIXTURES
from tests.scoring import clean_fixture
from tests.test_dedup import _edit, _text
from tests.test_properties import PROFILE
from transforms import dedup
from transforms.dedup import BANDS, NUM_PERM, ROWS, DedupEntry, key_matrix, link_duplicates, shared_rows

DAYS = [None, dt.datetime(2021, 5, 1, tzinfo=dt.UTC), dt.datetime(2021, 5, 2, tzinfo=dt.UTC)]


def _keys(entries: list[DedupEntry]) -> np.ndarray:
    return key_matrix([e.text_hash for e in entries], [e.minhash for e in entries])


def _valid(mh: bytes | None) -> bool:
    return mh is not None and len(mh) == NUM_PERM * 4


def _band(mh: bytes, i: int) -> bytes:
    return mh[i * ROWS * 4:(i + 1) * ROWS * 4]


def _shared_by_pairs(keys: np.ndarray) -> np.ndarray:
    """The reference: O(n^2) over pairs of rows."""
    out = np.zeros(len(keys), dtype=bool)
    for a, b in itertools.combinations(range(len(keys)), 2):
        if np.any((keys[a] == keys[b]) & (keys[a] != 0)):
            out[a] = out[b] = True
    return out


def test_columns_shape_and_absent_keys() -> None:
    assert dedup.KEY_COLUMNS == ("k_text", *(f"k_band{i}" for i in range(BANDS))) and len(dedup.KEY_COLUMNS) == 1 + BANDS
    h, sig = dedup.fingerprint(_text(1))
    keys = key_matrix([h, None, "", h, None], [sig, None, sig[:64], None, sig + b"\0\0\0\0"])
    assert keys.shape == (5, 1 + BANDS) and keys.dtype == np.uint64
    assert np.all(keys[0] != 0)
    assert keys[1].tolist() == [0] * (1 + BANDS)  # nothing: every key absent
    assert keys[2].tolist() == [0] * (1 + BANDS)  # an empty hash and a short signature are absent, as link_duplicates has them
    assert keys[3, 0] == keys[0, 0] and np.all(keys[3, 1:] == 0)
    assert keys[4, 0] == 0 and np.all(keys[4, 1:] == 0)  # a signature of another length is not one
    assert key_matrix([], []).shape == (0, 1 + BANDS) and shared_rows(key_matrix([], [])).shape == (0,)
    with pytest.raises(ValueError):
        key_matrix([h], [])


def test_keys_are_pinned() -> None:
    """Stored keys are compared with new ones: a change of the key scheme must be noticed (and change SCHEME)."""
    text = _text(7) + " Some Latin words, too."
    h, sig = dedup.fingerprint(text)
    [keys] = key_matrix([h], [sig])
    assert int(keys[0]) == int(h[:16], 16) and int(keys[1]) == 10510951323631063340
    changed = f"key scheme changed: bump dedup.SCHEME ({dedup.SCHEME}) so stored keys are recomputed"
    assert hashlib.sha256(keys.astype("<u8").tobytes()).hexdigest()[:16] == "3b725a296629ca3f", changed


def test_keys_follow_the_bytes_of_each_band() -> None:
    """Equal band bytes give equal keys in that column only; one changed slot changes only its band's key;
    equal bytes in two different bands give different keys (the band number is mixed in)."""
    base = np.arange(NUM_PERM, dtype="<u4")
    same_everywhere = np.tile(np.arange(ROWS, dtype="<u4"), BANDS + 1)[:NUM_PERM]
    sigs = [base.tobytes()]
    for i in range(BANDS):
        changed = base.copy()
        changed[i * ROWS + 5] += 1
        sigs.append(changed.tobytes())
    sigs.append(same_everywhere.tobytes())
    keys = key_matrix([None] * len(sigs), sigs)
    for i in range(BANDS):
        differs = keys[1 + i, 1:] != keys[0, 1:]
        assert differs.tolist() == [b == i for b in range(BANDS)]
    assert len(set(keys[-1, 1:].tolist())) == BANDS
    # the slots past BANDS * ROWS are in no band, as in link_duplicates
    tail = base.copy()
    tail[BANDS * ROWS:] += 7
    assert np.array_equal(key_matrix([None], [tail.tobytes()]), key_matrix([None], [base.tobytes()]))


def test_zero_is_never_a_real_key() -> None:
    """A text hash whose first 64 bits are 0 still gets a key (1); a non-hex hash gets one too."""
    keys = key_matrix(["0" * 64, "0" * 16 + "f" * 48, "not-hex", "not-hex", "x"], [None] * 5)
    assert keys[:, 0].tolist()[:2] == [1, 1]
    assert keys[2, 0] == keys[3, 0] != keys[4, 0] and np.all(keys[:, 0] != 0)
    rnd = random.Random(5)
    sigs = [bytes(rnd.randrange(256) for _ in range(NUM_PERM * 4)) for _ in range(300)]
    sigs += [bytes(NUM_PERM * 4), b"\xff" * (NUM_PERM * 4)]
    assert np.all(key_matrix([None] * len(sigs), sigs)[:, 1:] != 0)


def test_keys_are_the_same_in_another_process_and_in_blocks() -> None:
    texts = [_text(s, 300) for s in range(40)]
    code = ("import sys; from transforms import dedup; fp = [dedup.fingerprint(t) for t in sys.stdin.read().split()]; "
            "sys.stdout.write(dedup.key_matrix([h for h, _ in fp], [s for _, s in fp]).astype('<u8').tobytes().hex())")
    out = subprocess.run([sys.executable, "-c", code], input=" ".join(texts), capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout
    fps = [dedup.fingerprint(t) for t in texts]
    keys = key_matrix([h for h, _ in fps], [s for _, s in fps])
    assert bytes.fromhex(out) == keys.astype("<u8").tobytes()
    # more rows than one block: the blocks are independent of where they start
    many = [s for _, s in fps] * (dedup._KEY_BLOCK // 40 + 2)
    big = key_matrix([None] * len(many), many)
    assert np.array_equal(big[:40, 1:], keys[:, 1:]) and np.array_equal(big[-40:, 1:], keys[:, 1:])


def test_shared_rows_by_column() -> None:
    keys = np.array([[1, 0, 5], [2, 0, 5], [3, 9, 0], [4, 0, 9], [1, 0, 0], [0, 0, 0], [0, 0, 0]], dtype=np.uint64)
    # rows 0/4 share column 0, rows 0/1 column 2; a 9 in two different columns is not shared; zeros never are
    assert shared_rows(keys).tolist() == [True, True, False, False, True, False, False]
    assert shared_rows(keys[:1]).tolist() == [False]
    with pytest.raises(ValueError):
        shared_rows(keys[:, 0])


# --- the guarantee, as a property ----------------------------------------------------------------

KINDS = ["unique", "exact", "near", "far", "short", "no-signature", "bad-signature", "empty", "one-band", "threshold"]


@cache
def _fp(seed: int, edits: int, edit_seed: int, punct: bool) -> tuple[str | None, bytes | None]:
    text = _text(seed, 600)
    if edits:
        text = _edit(text, edit_seed, edits)
    if punct:  # punctuation only: the same text hash
        text = f"{text[:3]}，{text[3:]}。"
    return dedup.fingerprint(text)


def _spliced(base: bytes, donor: bytes, keep_bands: int, extra_slots: int) -> bytes:
    """``donor`` with the first ``keep_bands`` bands and then ``extra_slots`` slots of ``base``: a signature that
    is a candidate of ``base`` and linked to it only when enough slots agree."""
    n = keep_bands * ROWS * 4 + extra_slots * 4
    return base[:n] + donor[n:]


def _make(spec: tuple[str, int, int, int, int], i: int) -> DedupEntry:
    kind, base, variant, run, day = spec
    doc_id = f"d{(i * 7919) % 1000:03d}"
    hb, sb = _fp(base, 0, 0, False)
    if kind == "unique":
        h, sig = _fp(1000 + i, 0, 0, False)
    elif kind == "exact":
        h, sig = _fp(base, 0, 0, variant % 2 == 1)  # the base text, or with punctuation only: the same hash
    elif kind == "near":
        h, sig = _fp(base, 1 + variant % 3, variant, False)  # a few characters edited: Jaccard about 0.98
    elif kind == "far":
        h, sig = _fp(base, 60 + 20 * variant, variant, False)
    elif kind == "short":
        h, sig = dedup.fingerprint(["快讯", "快讯！", "快讯二", "简讯"][variant % 4])
    elif kind == "no-signature":
        h, sig = (hb if variant % 2 else hashlib.sha256(f"other{variant}".encode()).hexdigest()), None
    elif kind == "bad-signature":
        h, sig = None, sb[:64 + variant]
    elif kind == "empty":
        h, sig = None, None
    else:  # a crafted signature sharing bands with the base: a candidate, above or below the threshold
        donor = _fp(2000 + i, 0, 0, False)[1]
        keep, extra = (1, variant % 3) if kind == "one-band" else (7, 11 + variant % 3)  # 102-104 slots: linked at >= 103
        h, sig = None, _spliced(sb, donor, keep, extra)
    return DedupEntry(doc_id, f"r{run}", DAYS[day], h, sig)


SPECS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 3), st.integers(0, 5), st.integers(0, 2),
                           st.integers(0, 2)), min_size=1, max_size=14)


@settings(PROFILE, max_examples=min(PROFILE.max_examples, 150))
@given(SPECS, st.randoms(use_true_random=False))
def test_linking_the_shared_rows_alone_gives_every_link(specs, rnd: random.Random) -> None:
    entries = [_make(spec, i) for i, spec in enumerate(specs)]
    rnd.shuffle(entries)
    keys = _keys(entries)
    shared = shared_rows(keys)
    # the keys say exactly what the values say: equal keys in a column iff equal hashes / band bytes
    for a, b in itertools.combinations(range(len(entries)), 2):
        ea, eb = entries[a], entries[b]
        assert (keys[a, 0] != 0 and keys[a, 0] == keys[b, 0]) == bool(ea.text_hash and ea.text_hash == eb.text_hash)
        for i in range(BANDS):
            same = _valid(ea.minhash) and _valid(eb.minhash) and _band(ea.minhash, i) == _band(eb.minhash, i)
            assert (keys[a, 1 + i] != 0 and keys[a, 1 + i] == keys[b, 1 + i]) == same
    assert shared.tolist() == _shared_by_pairs(keys).tolist()

    full = link_duplicates(entries)
    part = link_duplicates([e for e, s in zip(entries, shared, strict=True) if s])
    assert full == {e.doc_id: (part[e.doc_id] if s else None) for e, s in zip(entries, shared, strict=True)}


def test_the_property_sees_links_and_lone_records() -> None:
    """Control for the property: its kinds of input do make exact, near and threshold links, leave lone
    records out of the shared rows, and leaving out a shared row does change a link."""
    kinds = [("unique", 0, 0), ("near", 0, 1), ("exact", 0, 1), ("threshold", 1, 0), ("threshold", 1, 2), ("one-band", 1, 0),
             ("no-signature", 0, 1), ("short", 0, 0), ("short", 0, 1), ("far", 2, 0), ("empty", 0, 0)]
    entries = [_make((kind, base, variant, 1, 0), i) for i, (kind, base, variant) in enumerate(kinds)]
    entries += [DedupEntry(f"base{b}", "r0", None, *_fp(b, 0, 0, False)) for b in range(3)]
    ids = [e.doc_id for e in entries]
    shared = dict(zip(ids, shared_rows(_keys(entries)).tolist(), strict=True))
    full = link_duplicates(entries)
    # the two short copies tie on run and date: the smaller doc_id is the canonical one
    assert [full[i] for i in ids] == [None, "base0", "base0", None, "base1", None, "base0", ids[8], None, None, None,
                                      None, None, None]
    assert [shared[i] for i in ids] == [False, True, True, True, True, True, True, True, True, False, False,
                                        True, True, False]  # 102 equal slots (ids[3]) and one band (ids[5]): candidates only
    part = link_duplicates([e for e in entries if shared[e.doc_id]])
    assert full == {i: part.get(i) for i in ids}
    without = link_duplicates([e for e in entries if e.doc_id != "base0"])
    assert without[ids[2]] == ids[6] != full[ids[2]]  # the copy now links to the signature-less record of its text


# --- real texts ----------------------------------------------------------------------------------


def test_real_fixtures_share_keys_only_with_their_duplicates() -> None:
    """The dev fixture 415951, its edited copy and its CRLF/BOM copy, beside unrelated articles."""
    recs = {
        "orig": clean_fixture(DEV, "banned-news-2020/pages/soh7/415951.md"),
        "edited": clean_fixture(FIXTURES / "reencoded", "415951_edited.md"),
        "crlf": clean_fixture(FIXTURES / "reencoded", "415951_crlf_bom.md"),
        "seed": clean_fixture(DEV, "seeds/004_77a5095b54502230.txt"),
        "gb18030": clean_fixture(FIXTURES / "reencoded", "004_gb18030.txt"),
        "other": clean_fixture(DEV, "seeds/000_38b69d1bccad3eff.txt"),
    }
    entries = [DedupEntry(name, f"r{i}", None, *dedup.fingerprint(r.text)) for i, (name, r) in enumerate(recs.items())]
    keys = _keys(entries)
    assert np.all(keys[:, 0] != 0) and np.all(keys[:, 1:] != 0)
    shared = dict(zip(recs, shared_rows(keys).tolist(), strict=True))
    assert shared == {"orig": True, "edited": True, "crlf": True, "seed": True, "gb18030": True, "other": False}
    assert keys[0, 0] == keys[2, 0] != keys[1, 0]  # the CRLF copy is the same text, the edited one is not
    assert 0 < np.count_nonzero(keys[0, 1:] == keys[1, 1:]) < BANDS  # the edit leaves some bands whole
    full = link_duplicates(entries)
    assert full == {"orig": None, "edited": "orig", "crlf": "orig", "seed": None, "gb18030": "seed", "other": None}
    part = link_duplicates([e for e in entries if shared[e.doc_id]])
    assert full == {**part, "other": None}
