"""Plan the next version of the datasets from the live one and what a run's batches staged.

Every step is a join or a filter over Arrow tables, never one Python object per
file: the batches' outcome files are joined with the files the run read
(:class:`flows.run.plan.InputPlan`) into the rows the state gains (the state
*delta*: cleaned files, touched files whose bytes were the same, tombstones of
pruned files, records whose duplicate link changed), and the old rows those
replace. Duplicate links are recomputed from the keys on disk
(:mod:`flows.run.linking`) only when the articles changed. The :class:`~flows.store.changes.RunPlan`
says what must change; the store's ``write`` materialises it (versioned Parquet
links unchanged files into the new version and rewrites only the parts that
lose or relink rows; Delta Lake merges rows by key).
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from flows.inputs.parts import read_staged
from flows.run.batch import BatchResult
from flows.run.linking import KEY_READ, LINKS_SCHEMA, SIG_COLUMNS, compute_links
from flows.run.plan import OLD, InputPlan
from flows.store.changes import RunPlan, VersionCounts
from flows.store.interface import STATE_SCHEMA, TOMBSTONE, Store, compose_state, decoded, empty_state, links_setter, sorted_paths
from schemas.internal import DEDUP_SCHEMA, OUTCOME_SCHEMA


def read_outcomes(stage_url: str, results: list[BatchResult]) -> pa.Table:
    """Every outcome row the batches staged, as one table."""
    return read_staged(stage_url, [rel for r in results for rel in r.outcomes], OUTCOME_SCHEMA)


def plan_run(store: Store, run_id: str, rules: str, inputs: InputPlan, state: pa.Table, results: list[BatchResult],
             stage_url: str, prune: bool = False, full_refresh: bool = False) -> RunPlan:
    """The plan of the run: new state, rows to drop, duplicate links of the version it makes."""
    counts = VersionCounts(unchanged=inputs.unchanged, stale_rules=0, files_opened=inputs.todo.num_rows)
    counts.input_kinds.update(inputs.unchanged_kinds)
    read = _with_outcomes(run_id, inputs.todo, read_outcomes(stage_url, results))
    touched = _where(read, pc.equal(read.column("status"), "unchanged"))
    cleaned = _where(read, pc.equal(read.column("status"), "cleaned"))
    was = pc.is_valid(cleaned.column(OLD + "kind"))
    same_bytes = pc.fill_null(pc.equal(cleaned.column("content_sha256"), cleaned.column(OLD + "content_sha256")),
                              False)
    counts.new = int(pc.sum(pc.invert(was)).as_py() or 0)
    counts.stale_rules = int(pc.sum(pc.and_(was, same_bytes)).as_py() or 0)
    counts.changed = cleaned.num_rows - counts.new - counts.stale_rules
    counts.unchanged += touched.num_rows
    counts.input_kinds.update(_value_counts(touched.column(OLD + "kind")))
    counts.input_kinds.update(_value_counts(cleaned.column("kind")))
    pruned = inputs.gone if prune and not full_refresh else inputs.gone.slice(0, 0)
    counts.removed = pruned.num_rows
    counts.missing = 0 if full_refresh else inputs.gone.num_rows - pruned.num_rows

    # the rows the state gains
    fresh = pa.table({
        "source_path": cleaned.column("source_path"), "doc_id": cleaned.column("doc_id"),
        "content_sha256": cleaned.column("content_sha256"), "kind": cleaned.column("kind"),
        "size": cleaned.column("size"), "mtime_ns": cleaned.column("mtime_ns"), "etag": cleaned.column("etag"),
        "rules_version": pa.nulls(cleaned.num_rows, pa.string()).fill_null(rules),
        "first_seen": _first_seen(cleaned, run_id),
        "duplicate_of": pa.nulls(cleaned.num_rows, pa.string()),
        "run_id": pa.nulls(cleaned.num_rows, pa.string()).fill_null(run_id),
    }, schema=STATE_SCHEMA)
    restat = touched.filter(pc.invert(_same_stat(touched)))  # --verify-content: most were not touched at all
    kept = pa.Table.from_arrays([restat.column(n) if n in ("source_path", "size", "mtime_ns", "etag")
                                 else restat.column(OLD + n) for n in STATE_SCHEMA.names], schema=STATE_SCHEMA)
    tombstones = pruned.set_column(pruned.schema.get_field_index("kind"), STATE_SCHEMA.field("kind"),
                                   pa.nulls(pruned.num_rows, pa.string()).fill_null(TOMBSTONE))
    delta = pa.concat_tables([fresh, kept, tombstones])
    old_kind = pc.fill_null(pc.if_else(pc.is_valid(cleaned.column(OLD + "kind")), cleaned.column(OLD + "kind"), ""), "")
    drop_articles = pa.concat_arrays([
        cleaned.filter(pc.equal(old_kind, "article")).column(OLD + "doc_id").combine_chunks(),
        pruned.filter(pc.equal(pruned.column("kind"), "article")).column("doc_id").combine_chunks()])
    drop_rejects = pa.concat_arrays([
        cleaned.filter(pc.equal(old_kind, "reject")).column("source_path").combine_chunks(),
        pruned.filter(pc.equal(pruned.column("kind"), "reject")).column("source_path").combine_chunks()])

    base = empty_state() if full_refresh else state
    new_state = _apply(decoded(base), delta) if delta.num_rows or full_refresh else decoded(base)
    articles_changed = bool(len(drop_articles) or pc.sum(pc.equal(cleaned.column("kind"), "article")).as_py())
    links, relink = LINKS_SCHEMA.empty_table(), LINKS_SCHEMA.empty_table()
    same = None if full_refresh or not articles_changed else _unchanged_keys(store, cleaned, pruned, results,
                                                                               stage_url)
    if same is not None:  # the same articles with the same keys: every link stays as it was
        links = same
        keep = links_setter(same, keep_others=True)
        new_state, delta = keep(new_state), keep(delta)
    elif articles_changed or full_refresh:
        links, relink, new_state, delta = _relink(store, run_id, new_state, delta, results, stage_url, full_refresh)
    articles = pc.equal(new_state.column("kind"), "article")
    counts.articles_total = int(pc.sum(articles).as_py() or 0)
    counts.rejects_total = new_state.num_rows - counts.articles_total
    counts.duplicates_total = int(pc.sum(pc.and_(articles, pc.is_valid(new_state.column("duplicate_of")))).as_py()
                                  or 0)
    counts.duplicates_new = int(pc.sum(pc.is_valid(links.column("duplicate_of"))).as_py() or 0)
    staged = [p for r in results for p in r.staged()]
    return RunPlan(run_id, full_refresh, counts, new_state, delta, drop_articles, drop_rejects, links, relink, staged,
                   relayout=not full_refresh and store.layout_outdated())


def _apply(state: pa.Table, delta: pa.Table) -> pa.Table:
    """``state`` with ``delta`` applied (rows replaced by path, tombstones removed): a filter
    and a concatenation, not the sort :func:`flows.store.interface.compose_state` needs for a log."""
    if not state.num_rows:
        return compose_state([delta])
    replaced = pc.is_in(state.column("source_path"), value_set=delta.column("source_path").combine_chunks())
    live = delta.filter(pc.not_equal(delta.column("kind"), TOMBSTONE))
    return pa.concat_tables([_where(state, pc.invert(replaced)).cast(STATE_SCHEMA), live.cast(STATE_SCHEMA)])


def _with_outcomes(run_id: str, todo: pa.Table, outcomes: pa.Table) -> pa.Table:
    """The files read, each with its outcome. Both are sorted by path (the outcomes
    already are when the batches came back in order), so the columns are put side by
    side; a file without exactly one outcome is an error."""
    if not sorted_paths(outcomes.column("source_path")):
        outcomes = outcomes.sort_by("source_path")
    paths = todo.column("source_path")
    if outcomes.num_rows == todo.num_rows and pc.all(pc.equal(paths, outcomes.column("source_path"))).as_py() in (
            True, None):
        read = todo
        for name in outcomes.column_names[1:]:
            read = read.append_column(outcomes.schema.field(name), outcomes.column(name))
        return read
    missing = pc.invert(pc.is_in(paths, value_set=outcomes.column("source_path").combine_chunks()))
    lost = todo.filter(missing).column("source_path").to_pylist()[:5]
    raise RuntimeError(f"run {run_id}: {todo.num_rows} file(s) read but {outcomes.num_rows} outcome(s); "
                       f"without an outcome, e.g. {lost}")


def _where(table: pa.Table, mask) -> pa.Table:
    """``table.filter(mask)``, without the copy when every row is kept (a first run)."""
    kept = pc.sum(mask).as_py() or 0
    return table if kept == table.num_rows else table.filter(mask)


def _same_stat(t: pa.Table) -> pa.ChunkedArray:
    same = [pc.fill_null(pc.equal(t.column(n), t.column(OLD + n)), False) for n in ("size", "mtime_ns")]
    etag = pc.equal(pc.fill_null(t.column("etag"), ""), pc.fill_null(t.column(OLD + "etag"), ""))
    return pc.and_(pc.and_(same[0], same[1]), etag)


def _value_counts(col) -> dict[str, int]:
    return {r["values"]: r["counts"] for r in pc.value_counts(col).to_pylist() if r["values"] is not None}


def _first_seen(cleaned: pa.Table, run_id: str) -> pa.ChunkedArray:
    """A changed file is the same document: it keeps its place in the duplicate order."""
    old = pc.if_else(pc.equal(pc.fill_null(cleaned.column(OLD + "kind"), ""), "article"),
                     cleaned.column(OLD + "first_seen"), pa.scalar(None, pa.string()))
    return pc.fill_null(old, run_id)


def _unchanged_keys(store: Store, cleaned: pa.Table, pruned: pa.Table, results: list[BatchResult],
                    stage_url: str) -> pa.Table | None:
    """The old links of the cleaned articles when linking cannot change: the same files
    are articles as before (none added, dropped or pruned) and each has exactly its old
    dedup keys and date (a touched file, a rules re-clean that left the text as it was).
    None when the links must be computed again."""
    if pc.any(pc.equal(pruned.column("kind"), "article")).as_py():
        return None
    now = pc.equal(cleaned.column("kind"), "article")
    was = pc.fill_null(pc.equal(cleaned.column(OLD + "kind"), "article"), False)
    if not pc.all(pc.equal(now, was)).as_py():
        return None
    mine = cleaned.filter(now)
    cols = [c for c in KEY_READ if c not in ("doc_id", "run_id")]
    staged = _read_staged(stage_url, results, KEY_READ).drop_columns(["run_id"])
    stored = store.read_dedup(KEY_READ, mine.column(OLD + "doc_id").combine_chunks())
    old = mine.select([OLD + "doc_id", OLD + "run_id"]).rename_columns(["doc_id", "run_id"]).join(
        stored, keys=["doc_id", "run_id"], join_type="inner").drop_columns(["run_id"])
    if old.num_rows != mine.num_rows or staged.num_rows != mine.num_rows:
        return None
    old, staged = old.sort_by("doc_id").select(["doc_id", *cols]), staged.sort_by("doc_id").select(["doc_id", *cols])
    if not old.equals(staged.cast(old.schema)):
        return None
    return mine.select([OLD + "doc_id", OLD + "duplicate_of"]).rename_columns(["doc_id", "duplicate_of"]).cast(
        LINKS_SCHEMA)


def _relink(store: Store, run_id: str, state: pa.Table, delta: pa.Table, results: list[BatchResult],
            stage_url: str, full_refresh: bool) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """Links over every live article; the new state and delta carry them.

    Returns (links of the articles this run cleaned, kept articles whose link
    changed, new state, new delta). The state gets a new ``duplicate_of``
    column, never a second copy of its rows.
    """
    small = state.select(["doc_id", "run_id", "first_seen", "kind"])
    live = small.filter(pc.equal(small.column("kind"), "article")).drop_columns(["kind"])
    staged_keys = _read_staged(stage_url, results, KEY_READ)
    stored_keys = DEDUP_SCHEMA.empty_table().select(KEY_READ) if full_refresh else store.read_dedup(KEY_READ)
    keys = pa.concat_tables([stored_keys, staged_keys])
    del staged_keys, stored_keys

    def signatures(doc_ids: pa.Array) -> pa.Table:
        staged = _read_staged(stage_url, results, SIG_COLUMNS, doc_ids)
        stored = DEDUP_SCHEMA.empty_table().select(SIG_COLUMNS) if full_refresh else store.read_dedup(SIG_COLUMNS, doc_ids)
        return pa.concat_tables([stored, staged])

    links = compute_links(live, keys, signatures)
    del keys, live
    dup = STATE_SCHEMA.get_field_index("duplicate_of")
    old = state.column("duplicate_of")
    new = links_setter(links)(state).column("duplicate_of")  # null for rejects and canonical records
    differs = pc.invert(pc.fill_null(pc.equal(old, new), pc.and_(pc.is_null(old), pc.is_null(new))))
    mine = pc.equal(state.column("run_id"), run_id)
    state = state.set_column(dup, STATE_SCHEMA.field(dup), new)
    articles = pc.equal(state.column("kind"), "article")
    cleaned = state.filter(pc.and_(articles, mine)).select(["doc_id", "duplicate_of"])
    relink = state.filter(pc.and_(differs, pc.invert(mine))).select(["doc_id", "duplicate_of"])
    # the delta: this run's rows with their links, and kept rows whose link changed
    moved = state.filter(pc.and_(differs, pc.invert(mine)))
    delta = links_setter(links, keep_others=True)(delta)
    if moved.num_rows:
        keep = pc.invert(pc.is_in(delta.column("source_path"), value_set=moved.column("source_path").combine_chunks()))
        delta = pa.concat_tables([delta.filter(keep), moved])
    return cleaned.cast(LINKS_SCHEMA), relink.cast(LINKS_SCHEMA), state, delta


def _read_staged(stage_url: str, results: list[BatchResult], columns: list[str],
                 doc_ids: pa.Array | None = None) -> pa.Table:
    """``columns`` of the dedup rows the batches staged."""
    return read_staged(stage_url, [rel for r in results for rel in r.dedup], DEDUP_SCHEMA, columns, doc_ids)


def build_version(store: Store, run_id: str, rules: str, inputs: InputPlan, state: pa.Table,
                  results: list[BatchResult], stage_url: str, prune: bool = False,
                  full_refresh: bool = False) -> RunPlan:
    """Plan the run and let the store write it (not yet live: see ``store.publish``)."""
    plan = plan_run(store, run_id, rules, inputs, state, results, stage_url, prune, full_refresh)
    if plan.changes:
        store.write(run_id, plan)
    return plan


__all__ = ["build_version", "plan_run"]
