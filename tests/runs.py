"""One incremental run without Prefect (list, plan, clean in batches, build the version, publish):
what the flow does, at unit speed. Shared by the tests of the planner, the dedup index and the stores."""
from __future__ import annotations

from pathlib import Path

from flows.inputs.listing import list_inputs
from flows.run.batch import run_batch
from flows.run.incremental import build_version
from flows.run.plan import plan_inputs
from flows.store.changes import RunPlan
from flows.store.open import open_store
from transforms.rules_version import rules_version


def run_once(src: Path, out: Path, run_id: str, *, batch_size: int = 10_000, prune: bool = False,
             full_refresh: bool = False, verify_content: bool = False, keep_stale_rules: bool = False,
             table_format: str | None = None) -> RunPlan:
    store = open_store(str(out), table_format)
    state = None if full_refresh else store.load_state()
    rules = rules_version()
    inputs = plan_inputs(list_inputs(str(src)), state, rules, verify_content=verify_content,
                         keep_stale_rules=keep_stale_rules)
    stage = store.stage_url(run_id)
    results = [run_batch(str(src), stage, run_id, i, paths, 2_000_000, previous, rules=rules)
               for i, (paths, previous) in enumerate(inputs.batches(batch_size))]
    with store.lock(run_id):
        plan = build_version(store, run_id, rules, inputs, state if state is not None else store.load_state().slice(0, 0),
                             results, stage, prune=prune, full_refresh=full_refresh)
        if plan.changes:
            store.publish(run_id)
        else:
            store.discard(run_id)
    return plan
