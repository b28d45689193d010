"""Links from the keys on disk (flows.run.linking) are exactly what link_duplicates gives
over every record in memory, while reading few signatures."""
from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.run.batch import dedup_rows
from flows.run.linking import SIG_COLUMNS, compute_links
from transforms import dedup
from transforms.dedup import DedupEntry, link_duplicates

HAN = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))


class _Rec:
    """What dedup_rows reads of a record."""

    def __init__(self, doc_id: str, published_at: dt.datetime | None) -> None:
        self.doc_id, self.published_at = doc_id, published_at


def _texts(rnd: random.Random, groups: int) -> list[str]:
    out = []
    for _ in range(groups):
        base = "".join(rnd.choice(HAN) for _ in range(rnd.choice([20, 400, 1200])))
        out.append(base)
        for _ in range(rnd.randrange(3)):  # exact copies (punctuation and spaces do not count)
            out.append(base + "。 ")
        for _ in range(rnd.randrange(3)):  # near copies: a few characters replaced
            chars = list(base)
            for _ in range(max(1, len(chars) // 200)):
                chars[rnd.randrange(len(chars))] = rnd.choice(HAN)
            out.append("".join(chars))
        if rnd.random() < 0.2:
            out.append("")  # an empty text: no hash, no signature
    return out


def _case(seed: int, groups: int):
    rnd = random.Random(seed)
    texts = _texts(rnd, groups)
    rnd.shuffle(texts)
    runs = [f"2020010{d}T000000Z-aaaaaa" for d in range(1, 4)]
    entries, recs, fps = [], [], []
    for i, text in enumerate(texts):
        published = None if rnd.random() < 0.3 else dt.datetime(2020, 1, 1 + rnd.randrange(3), tzinfo=dt.UTC)
        doc_id = f"{rnd.getrandbits(64):016x}{i:04d}"
        first_seen = rnd.choice(runs)
        text_hash, minhash = dedup.fingerprint(text)
        entries.append(DedupEntry(doc_id, first_seen, published, text_hash, minhash))
        recs.append(_Rec(doc_id, published))
        fps.append((text_hash, minhash))
    rows = dedup_rows(recs, fps, "the-run")  # the rows a worker stages
    live = pa.table({"doc_id": [e.doc_id for e in entries], "run_id": ["the-run"] * len(entries),
                     "first_seen": [e.first_seen for e in entries]})
    return entries, live, rows


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), groups=st.integers(1, 25))
def test_links_from_keys_equal_links_in_memory(seed: int, groups: int) -> None:
    entries, live, rows = _case(seed, groups)
    asked: list[int] = []

    def signatures(doc_ids: pa.Array) -> pa.Table:
        asked.append(len(doc_ids))
        return rows.filter(pc.is_in(rows.column("doc_id"), value_set=doc_ids)).select(SIG_COLUMNS)

    links = compute_links(live, rows.drop_columns(["text_hash", "minhash"]), signatures)
    got = dict(zip(links.column("doc_id").to_pylist(), links.column("duplicate_of").to_pylist(), strict=True))
    assert got == link_duplicates(entries)
    assert sum(asked) <= len(entries)


def test_only_heads_sharing_a_band_have_their_signature_read() -> None:
    """Exact copies never need a signature; a lone text neither: only near-copy candidates do."""
    entries, live, rows = _case(seed=7, groups=30)
    asked: list[int] = []

    def signatures(doc_ids: pa.Array) -> pa.Table:
        asked.append(len(doc_ids))
        return rows.filter(pc.is_in(rows.column("doc_id"), value_set=doc_ids)).select(SIG_COLUMNS)

    links = compute_links(live, rows.drop_columns(["text_hash", "minhash"]), signatures)
    distinct_texts = len({e.text_hash for e in entries if e.text_hash})
    assert 0 < sum(asked) < distinct_texts  # far fewer than one signature per record
    assert dict(zip(links.column("doc_id").to_pylist(), links.column("duplicate_of").to_pylist(),
                    strict=True)) == link_duplicates(entries)


def test_rows_that_are_not_live_do_not_count() -> None:
    """A dedup row of an older run of the same doc_id (superseded) is ignored."""
    entries, live, rows = _case(seed=3, groups=5)
    stale = rows.set_column(rows.schema.get_field_index("run_id"), "run_id",
                            pa.array(["an-older-run"] * rows.num_rows))
    stale = stale.set_column(stale.schema.get_field_index("k_text"), "k_text",  # all the same text, were they live
                             pa.array(np.full(rows.num_rows, 42, dtype=np.int64)))
    keys = pa.concat_tables([rows, stale.cast(rows.schema)]).drop_columns(["text_hash", "minhash"])
    links = compute_links(live, keys, lambda ids: rows.filter(pc.is_in(rows.column("doc_id"), value_set=ids))
                          .select(SIG_COLUMNS))
    assert dict(zip(links.column("doc_id").to_pylist(), links.column("duplicate_of").to_pylist(),
                    strict=True)) == link_duplicates(entries)
