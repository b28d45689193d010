"""Imported by the worker pool's fork server (:data:`flows.run.pool.PRELOAD`): the cleaning code, and
what pyarrow imports lazily on the first table it builds (pandas, ~0.9 s, when it is installed),
so that every worker forked from the server starts warm, and a batch retried in a process of its
own costs milliseconds of start-up instead of a second."""
from __future__ import annotations

from flows.run import batch  # noqa: F401 (imported for the fork server's sake)
from schemas import articles_table, rejects_table

articles_table([], "warm-up")
rejects_table([], "warm-up")
