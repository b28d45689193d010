"""Duplicate detection (our numpy MinHash + LSH) and the signature scheme of the
dedup index: signatures of another scheme are never compared. Unit level: no Prefect."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.internal import DEDUP_SCHEMA
from tests.conftest import DEV, FIXTURES
from tests.runs import run_once
from tests.test_properties import PROFILE
from transforms import dedup
from transforms.dedup import DedupEntry, link_duplicates, normalise, signature, similarity

HAN = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))


def _text(seed: int, n: int = 2000) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice(HAN) for _ in range(n))


def _shingles(text: str) -> set[str]:
    norm = normalise(text)
    return {norm[i:i + dedup.SHINGLE] for i in range(len(norm) - dedup.SHINGLE + 1)}


def _jaccard(a: str, b: str) -> float:
    x, y = _shingles(a), _shingles(b)
    return len(x & y) / len(x | y)


def _edit(text: str, seed: int, k: int) -> str:
    """``text`` with ``k`` characters replaced at random places."""
    rnd = random.Random(seed)
    chars = list(text)
    for _ in range(k):
        chars[rnd.randrange(len(chars))] = rnd.choice("甲乙丙丁戊己庚辛壬癸")
    return "".join(chars)


# --- signatures ----------------------------------------------------------------------------------


def test_signature_shape_and_what_it_ignores() -> None:
    text = "京医通停运的消息引发舆论关注，市民表示挂号更难了。Beijing hospitals say the registration app stops."
    sig = signature(text)
    assert isinstance(sig, bytes) and len(sig) == dedup.NUM_PERM * 4
    # whitespace, punctuation and Latin case are not part of "the same text"
    assert signature(" " + text.upper().replace("，", ",  ").replace("。", "!\n")) == sig
    assert similarity(sig, sig) == 1.0
    # short after normalisation: no signature, whatever the raw length
    assert signature("短讯" * 24) is None and signature("短讯" * 25) is not None
    assert signature("，。 ！" * 100) is None
    assert dedup.fingerprint(text) == (dedup.text_hash(text), sig)
    assert dedup.fingerprint("") == (None, None)
    # a lone surrogate does not crash the hashing
    assert len(signature("\ud800" + _text(1, 60))) == 512


def test_signature_is_pinned_to_its_scheme() -> None:
    """Stored signatures are compared with new ones: any change to the hashing must change SCHEME."""
    sig = signature(_text(7) + " Some Latin words, too.")
    assert hashlib.sha256(sig).hexdigest()[:16] == "37ff771dfcef11c6", f"signatures changed: bump dedup.SCHEME ({dedup.SCHEME})"


def test_normalise_matches_the_noise_pattern() -> None:
    for text in ["", "  ", "A b", "“引号”（括号）【方括号】、；：！？·—–-", "x\u3000\xa0y\n\tZ", _edit(_text(3, 300), 3, 40)]:
        assert normalise(text) == dedup._NOISE.sub("", text).lower()


@settings(PROFILE, max_examples=min(PROFILE.max_examples, 60))
@given(seed=st.integers(0, 2**32), other=st.integers(0, 2**32), edits=st.integers(1, 40))
def test_similarity_estimates_jaccard(seed: int, other: int, edits: int) -> None:
    text = _text(seed, 1500)
    copy = _edit(text, other, edits)
    est, true = similarity(signature(text), signature(copy)), _jaccard(text, copy)
    # 128 slots: the estimate's standard deviation is at most 0.045; 0.2 is more than 4 of them
    assert abs(est - true) < 0.2, (est, true)
    if edits <= 3:
        assert est >= 0.8  # true Jaccard >= 0.98
    unrelated = _text(seed + 1, 1500) if other == seed else _text(other, 1500)
    assert similarity(signature(text), signature(unrelated)) < 0.1


def test_similarity_is_calibrated_over_many_pairs() -> None:
    """Mean error about 0 and spread as the binomial predicts: the hashing is not biased."""
    errors = []
    for i in range(200):
        text = _text(1000 + i, 1200)
        copy = _edit(text, i, 5 + i % 60)
        errors.append(similarity(signature(text), signature(copy)) - _jaccard(text, copy))
    mean = sum(errors) / len(errors)
    rmse = (sum(e * e for e in errors) / len(errors)) ** 0.5
    assert abs(mean) < 0.01 and rmse < 0.05, (mean, rmse)


# --- linking -------------------------------------------------------------------------------------


def _entry(doc_id: str, text: str, first_seen: str = "r1", published: dt.datetime | None = None) -> DedupEntry:
    h, sig = dedup.fingerprint(text)
    return DedupEntry(doc_id, first_seen, published, h, sig)


def _differing(slots: list[int]) -> bytes:
    """A signature equal to ``np.arange(NUM_PERM)`` except at ``slots``."""
    sig = np.arange(dedup.NUM_PERM, dtype="<u4")
    sig[slots] += 1_000_000
    return sig.tobytes()


def test_bands_find_candidates_and_the_threshold_decides() -> None:
    """A pair is compared only when one whole band is equal, and linked only at >= 0.8 of equal slots."""
    def link(other: bytes) -> str | None:
        return link_duplicates([DedupEntry("a", "r1", None, None, _differing([])),
                                DedupEntry("b", "r2", None, None, other)])["b"]

    # the first slots differ, the later bands are whole: a candidate, linked only if 0.8 of all slots agree
    at_threshold = dedup.NUM_PERM - math.ceil(dedup.NEAR_THRESHOLD * dedup.NUM_PERM)
    assert link(_differing(list(range(at_threshold)))) == "a"
    assert link(_differing(list(range(at_threshold + 1)))) is None
    # one slot differs in every band: above the threshold, yet never a candidate
    one_per_band = [b * dedup.ROWS for b in range(dedup.BANDS)]
    assert len(one_per_band) < at_threshold
    assert link(_differing(one_per_band)) is None


def test_link_duplicates_exact_near_and_canonical_order() -> None:
    day = dt.datetime(2021, 5, 1, tzinfo=dt.UTC)
    base = _text(11)
    entries = [
        _entry("late", base, "r1", day + dt.timedelta(days=2)),
        _entry("early", base.replace(base[10], " " + base[10] + "，", 1), "r1", day),  # exact: punctuation only
        _entry("near", _edit(base, 1, 3), "r1", day + dt.timedelta(days=1)),
        _entry("near-of-near", _edit(_edit(base, 1, 3), 2, 2), "r2", day - dt.timedelta(days=9)),
        _entry("first-run", _text(12), "r0", None),
        _entry("other", _text(13), "r1", day),
        _entry("short", "快讯", "r1", day),
        _entry("short-copy", "快讯！", "r2", day),
        _entry("short-other", "快讯二", "r2", day),
        _entry("empty", "", "r1", day),
        _entry("empty-too", "", "r1", day),
    ]
    links = link_duplicates(entries)
    assert links == {
        "early": None, "late": "early", "near": "early",
        "near-of-near": "early",  # a later run: after every record of r1, whatever its date
        "first-run": None, "other": None,
        "short": None, "short-copy": "short", "short-other": None,
        "empty": None, "empty-too": None,  # no text, no hash: never linked
    }


def test_near_link_needs_the_threshold() -> None:
    base = _text(21, 1000)
    far = _edit(base, 5, 120)  # true Jaccard about 0.3
    assert _jaccard(base, far) < 0.5
    assert link_duplicates([_entry("a", base), _entry("b", far)]) == {"a": None, "b": None}


def test_only_canonical_records_are_indexed() -> None:
    """A record similar to a duplicate but not to its canonical starts a group of its own."""
    a = _text(31, 1000)
    b = _edit(a, 1, 25)  # Jaccard(a, b) about 0.8: linked or not, c is far from a
    c = _edit(b, 2, 60)
    links = link_duplicates([_entry("a", a, "r1"), _entry("b", b, "r2"), _entry("c", c, "r3")])
    assert links["a"] is None
    assert links["c"] in (None, "b") and (links["c"] is None or links["b"] is None)


def test_signatures_of_another_size_are_never_near_linked() -> None:
    text = _text(41)
    good = _entry("a", text)
    bad = DedupEntry("b", "r2", None, "other-hash", b"\x00" * 64)
    assert link_duplicates([good, bad]) == {"a": None, "b": None}


@settings(PROFILE, max_examples=min(PROFILE.max_examples, 40))
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=6),
       st.randoms(use_true_random=False))
def test_groups_link_to_their_first_member(groups: list[tuple[int, int, int]], rnd: random.Random) -> None:
    """Groups of near-identical texts (true Jaccard >= 0.99): every member links to the first of
    its group in canonical order, nothing links across groups."""
    entries, group_of = [], {}
    for g, (seed, variants, copies) in enumerate(groups):
        base = _text(seed * 10 + g)  # distinct per group
        texts = [base] + [_edit(base, seed + v, 1) for v in range(variants)] + [base + "。" * (c + 1) for c in range(copies)]
        for i, text in enumerate(texts):
            doc_id = f"g{g}-{i}"
            published = None if rnd.random() < 0.3 else dt.datetime(2020, 1, 1 + rnd.randrange(28), tzinfo=dt.UTC)
            entries.append(_entry(doc_id, text, f"r{rnd.randrange(3)}", published))
            group_of[doc_id] = g
    rnd.shuffle(entries)
    links = link_duplicates(entries)
    first = {}
    for e in sorted(entries, key=dedup._order):
        first.setdefault(group_of[e.doc_id], e.doc_id)
    assert links == {e.doc_id: (None if first[group_of[e.doc_id]] == e.doc_id else first[group_of[e.doc_id]])
                     for e in entries}


# --- the dedup index of a store: signatures of another scheme ------------------------------------


def _articles(out: Path) -> dict[str, dict]:
    from schemas.read import articles_dataset
    return {r["source_path"]: r for r in articles_dataset(str(out)).to_table().to_pylist()}


def _rewrite_dedup(out: Path, scheme: str, minhash) -> None:
    """Replace the live dedup rows' signatures (``minhash(row)``) and the scheme they claim."""
    for path in (out / "_current" / "_dedup").glob("*.parquet"):
        table = pq.read_table(path)
        rows = table.to_pylist()
        for r in rows:
            r["minhash"], r["scheme"] = minhash(r), scheme
        pq.write_table(pa.Table.from_pylist(rows, schema=DEDUP_SCHEMA), path)


def _old_scheme(row: dict) -> bytes | None:
    """A stand-in for a datasketch signature: 512 bytes, unrelated to this scheme's."""
    return hashlib.shake_256(row["doc_id"].encode()).digest(512) if row["minhash"] is not None else None


@pytest.fixture()
def two_sources(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in"
    (src / "orig").mkdir(parents=True)
    shutil.copy(DEV / "banned-news-2020/pages/soh7/415951.md", src / "orig" / "415951.md")
    return src, tmp_path / "out"


@pytest.mark.parametrize("claim", ["other", "current"])
def test_signatures_of_another_scheme_are_never_compared(two_sources, claim: str) -> None:
    """A row whose ``scheme`` is not this one is not near-linked (its slots mean something
    else); the same garbage claiming this scheme is compared, and links nothing either."""
    src, out = two_sources
    first = run_once(src, out, "20200101T000000Z-aaaaaa")
    orig = _articles(out)["orig/415951.md"]
    [row] = pq.read_table(next((out / "_current" / "_dedup").glob("*.parquet"))).to_pylist()
    assert row["minhash"] == signature(orig["text"]) and row["scheme"] == dedup.SCHEME
    assert first.counts.duplicates_total == 0
    _rewrite_dedup(out, "datasketch" if claim == "other" else dedup.SCHEME, _old_scheme)
    shutil.copy(FIXTURES / "reencoded" / "415951_edited.md", src / "edited.md")
    second = run_once(src, out, "20200102T000000Z-bbbbbb")
    assert _articles(out)["edited.md"]["duplicate_of"] is None and second.counts.duplicates_total == 0


def test_a_near_duplicate_links_to_the_stored_record(two_sources) -> None:
    """The control: the real signature finds the near duplicate of the next run."""
    src, out = two_sources
    run_once(src, out, "20200101T000000Z-aaaaaa")
    orig = _articles(out)["orig/415951.md"]
    shutil.copy(FIXTURES / "reencoded" / "415951_edited.md", src / "edited.md")
    second = run_once(src, out, "20200102T000000Z-bbbbbb")
    assert _articles(out)["edited.md"]["duplicate_of"] == orig["doc_id"]
    assert second.counts.duplicates_total == 1 and second.counts.duplicates_new == 1
