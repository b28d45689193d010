"""Duplicate links over every live article, from the 64-bit keys on disk.

:func:`transforms.dedup.link_duplicates` needs every signature in memory. It
does not need most of them: taking the records in canonical order (first seen,
then earliest ``published_at``, then ``doc_id``),

- a record whose normalised text hash was seen before links to that earlier
  record's canonical and never looks at its signature (a *tail*); so only the
  first record of each text hash (a *head*) can be a near-duplicate candidate;
- a head that shares no LSH band with another head can neither be linked nor
  be anybody's candidate.

So the links are computed from the keys alone (one text key and one key per
band, :data:`schemas.internal.DEDUP_SCHEMA`, ~80 bytes a record), and the full
signatures are read, by doc_id, only for the heads that share a band key with
another head; ``link_duplicates`` runs over those few. The result is exactly
what ``link_duplicates`` gives over all records. A 64-bit key collision only
adds a head to the few, where the signatures decide: it never makes a link.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.dedup import KEY_COLUMNS, SCHEME, DedupEntry, link_duplicates, shared_rows

TEXT_KEY, BAND_KEYS = KEY_COLUMNS[0], list(KEY_COLUMNS[1:])
# What is read of every stored dedup row, and what only of the few that need their signature.
KEY_READ = ["doc_id", "run_id", "published_at", "scheme", *KEY_COLUMNS]
SIG_COLUMNS = ["doc_id", "run_id", "text_hash", "minhash", "scheme"]
LINKS_SCHEMA = pa.schema([pa.field("doc_id", pa.string(), nullable=False), pa.field("duplicate_of", pa.string())])


def compute_links(live: pa.Table, keys: pa.Table, signatures) -> pa.Table:
    """``doc_id -> duplicate_of`` for every row of ``live`` (doc_id, run_id, first_seen).

    ``keys``: dedup rows (doc_id, run_id, published_at, scheme and the key
    columns), live or not: a row counts when the state names its doc_id and
    run_id. ``signatures(doc_ids)`` returns the dedup rows (doc_id, run_id,
    text_hash, minhash, scheme) of the given doc_ids, read on demand.
    """
    if not live.num_rows:
        return LINKS_SCHEMA.empty_table()
    at = _key_rows(live, keys)
    rows = live.select(["doc_id", "run_id", "first_seen"])
    rows = rows.append_column("published_at", pc.take(keys.column("published_at"), at))
    far = pa.scalar(dt.datetime.max.replace(tzinfo=dt.UTC), rows.schema.field("published_at").type)
    when = pc.fill_null(rows.column("published_at"), far)  # undated: last
    # the canonical order, as positions: the wide rows are never copied in that order
    order = pc.sort_indices(pa.table({"f": rows.column("first_seen"), "w": when, "d": rows.column("doc_id")}),
                            sort_keys=[("f", "ascending"), ("w", "ascending"), ("d", "ascending")])
    del when
    pos = order.to_numpy()
    n = rows.num_rows
    text = _keys(keys, TEXT_KEY, at)[pos]
    head_of = np.arange(n)
    nz = np.flatnonzero(text != 0)
    if len(nz):
        _, first, inverse = np.unique(text[nz], return_index=True, return_inverse=True)
        head_of[nz] = nz[first[inverse]]
    del text, nz
    heads = np.flatnonzero(head_of == np.arange(n))
    current = pc.fill_null(pc.equal(pc.take(keys.column("scheme"), at), SCHEME), False).to_numpy(zero_copy_only=False)
    bands = np.stack([_keys(keys, c, at)[pos[heads]] for c in BAND_KEYS], axis=1)
    bands[~current[pos[heads]]] = 0  # signatures of another scheme are not comparable
    involved = heads[shared_rows(bands)]
    del bands, current
    canonical = np.arange(n)  # each row's canonical, by position in the order; its own when canonical
    if len(involved):
        canonical[involved] = _link_heads(rows.take(pa.array(pos[involved])), involved, signatures)
    canonical = canonical[head_of]  # a tail links where its head links, or to its head
    doc_ids = pc.take(rows.column("doc_id"), order)
    target = pc.take(doc_ids, pa.array(canonical))
    links = pc.if_else(pa.array(canonical == np.arange(n)), pa.scalar(None, pa.string()), target)
    return pa.table({"doc_id": doc_ids, "duplicate_of": links}, schema=LINKS_SCHEMA)


def _key_rows(live: pa.Table, keys: pa.Table) -> pa.Array:
    """Per live record, the position of its dedup row in ``keys`` (same doc_id and run_id;
    null: none). One hash lookup of a key string per row: an Arrow hash join of the
    two tables held several times their size for a moment (~830 bytes a record)."""
    def ident(t: pa.Table) -> pa.ChunkedArray:
        return pc.binary_join_element_wise(t.column("doc_id"), t.column("run_id"), "|")

    return pc.index_in(ident(live), value_set=ident(keys).combine_chunks())


def _keys(keys: pa.Table, name: str, at: pa.Array) -> np.ndarray:
    """Column ``name`` of the key rows at positions ``at`` as int64, 0 where there is none."""
    return pc.fill_null(pc.take(keys.column(name), at), 0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def _link_heads(sub: pa.Table, involved: np.ndarray, signatures) -> np.ndarray:
    """Canonical positions of the involved heads (``sub``, at positions ``involved``), by
    :func:`link_duplicates` over their signatures."""
    sigs = signatures(sub.column("doc_id"))
    sigs = sub.select(["doc_id", "run_id"]).join(sigs, keys=["doc_id", "run_id"], join_type="left outer")
    by_id = {r["doc_id"]: r for r in sigs.to_pylist()}
    position = {d: int(p) for d, p in zip(sub.column("doc_id").to_pylist(), involved, strict=True)}
    entries = []
    for r in sub.select(["doc_id", "first_seen", "published_at"]).to_pylist():
        s = by_id.get(r["doc_id"], {})
        minhash = s.get("minhash") if s.get("scheme") == SCHEME else None
        entries.append(DedupEntry(r["doc_id"], r["first_seen"], r["published_at"], s.get("text_hash"), minhash))
    links = link_duplicates(entries)
    return np.array([position[links[e.doc_id]] if links[e.doc_id] else position[e.doc_id] for e in entries],
                    dtype=np.int64)
