"""The temporary server's own process: Prefect's app under uvicorn, skipping start-up steps that are no-ops.

Every ``news-etl run`` waits for its temporary server, and two steps of
Prefect's start-up redo, on each start, work that the database already holds:

- ``alembic upgrade head``, 0.6-0.7 s even on a database at head;
- block auto-registration. Prefect memoizes it, but its memo check first
  imports every installed collection (``prefect-dask`` imports ``distributed``)
  and hashes the block registry: ~0.9 s, to find that nothing is to be done.

This process skips them when that is provable from the database itself. After
a start-up that ran them on a SQLite database, it records beside a key of what
was installed (Prefect's version and migration files; the ``prefect.collections``
entry points and their versions) what the database then held: its alembic
revision and its count of block types and schemas. A later start-up skips the
migrations only when their key matches and the database still holds that
revision, and the block registration only when, in addition, the collections'
key matches and the database still holds those block types and schemas.
Anything else (a new or upgraded Prefect or collection, a deleted, replaced,
reset or unreadable database, a non-SQLite database, a setting the user gave
for either step) leaves Prefect's own behaviour in place.

Run as ``python -P -m flows.app.server_child --port N`` (``-P``: a ``flows``
folder in the caller's working directory must not shadow this package).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER_NAME = "news-etl-server-state.json"
SKIPPED_MESSAGE = "news-etl: the database is at the installed migrations' head"
BLOCKS_SKIPPED_MESSAGE = "news-etl: the database holds the installed block types"


def sqlite_file(connection_url: str) -> Path | None:
    """The file of a SQLite connection URL; None for other databases, in-memory and URI forms."""
    prefix, sep, rest = connection_url.partition(":///")
    if not sep or not prefix.startswith("sqlite") or not rest or rest.startswith(":memory:") or "?" in rest:
        return None
    return Path(rest)


def migrations_key(prefect_dir: Path, version: str) -> str | None:
    """What identifies the installed migrations: Prefect's version and its SQLite migration files' names."""
    versions = prefect_dir / "server" / "database" / "_migrations" / "versions" / "sqlite"
    try:
        names = sorted(n for n in os.listdir(versions) if n.endswith(".py"))
    except OSError:
        return None
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    return f"{version}:{len(names)}:{digest}"


def blocks_key(version: str) -> str:
    """What decides the block types a start-up registers: Prefect's version and its collections' entry points."""
    from importlib.metadata import entry_points

    found = sorted(f"{ep.name}={ep.value}@{ep.dist.name if ep.dist else '?'}=={ep.dist.version if ep.dist else '?'}"
                   for ep in entry_points(group="prefect.collections"))
    return "|".join([version, *found])


@dataclass(frozen=True)
class DatabaseState:
    """What a start-up leaves in the database: the alembic revision and the registered block types and schemas."""
    revision: str
    block_types: int | None
    block_schemas: int | None


def read_state(db: Path) -> DatabaseState | None:
    """The state a SQLite database holds, read-only; None when it holds no alembic revision to read."""
    if not db.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            if len(rows) != 1:
                return None
            try:
                types = conn.execute("SELECT count(*) FROM block_type").fetchall()[0][0]
                schemas = conn.execute("SELECT count(*) FROM block_schema").fetchall()[0][0]
            except sqlite3.Error:
                types = schemas = None
    except sqlite3.Error:
        return None
    return DatabaseState(rows[0][0], types, schemas)


def _marker_entries(marker: Path) -> dict[str, Any]:
    try:
        entries = json.loads(marker.read_text())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


@dataclass(frozen=True)
class Skips:
    """Which of Prefect's start-up steps are no-ops for this database."""
    migrations: bool = False
    blocks: bool = False


def plan_skips(db: Path, migrations: str, blocks: str | None, marker: Path) -> Skips:
    """The steps that a start-up with these keys already did to ``db``, which still holds their result.

    ``blocks`` is None when block registration is not Prefect's memoized default here (nothing to skip)."""
    entry = _marker_entries(marker).get(str(db.resolve()))
    if not isinstance(entry, dict) or entry.get("migrations") != migrations:
        return Skips()
    state = read_state(db)
    if state is None or entry.get("revision") != state.revision:
        return Skips()
    registered = (blocks is not None and entry.get("blocks") == blocks and bool(state.block_types)
                  and entry.get("block_types") == state.block_types and entry.get("block_schemas") == state.block_schemas)
    return Skips(migrations=True, blocks=registered)


def record_started(db: Path, migrations: str, blocks: str | None, marker: Path) -> None:
    """Note what a start-up that ran Prefect's steps left in ``db`` (best effort: a write that fails costs only
    the next start-up's steps). ``blocks`` None: block registration did not run, so none is recorded."""
    state = read_state(db)
    if state is None:
        return
    entry: dict[str, Any] = {"migrations": migrations, "revision": state.revision}
    if blocks is not None:
        entry.update(blocks=blocks, block_types=state.block_types, block_schemas=state.block_schemas)
    entries = _marker_entries(marker)
    entries[str(db.resolve())] = entry
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}")
    try:
        tmp.write_text(json.dumps(entries, indent=1, sort_keys=True))
        os.replace(tmp, marker)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _recording_lifespan(inner: Callable[[Any], Any], record: Callable[[], None]) -> Callable[[Any], Any]:
    """Prefect's lifespan, then ``record`` once its start-up steps ran and before the first request is served."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with inner(app) as state:
            record()
            yield state

    return lifespan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -P -m flows.app.server_child")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    import prefect
    from prefect.settings import (
        PREFECT_API_BLOCKS_REGISTER_ON_START,
        PREFECT_API_DATABASE_MIGRATE_ON_START,
        PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION,
        get_current_settings,
        temporary_settings,
    )

    settings = get_current_settings()
    url = settings.server.database.connection_url
    db = sqlite_file(url.get_secret_value()) if url is not None else None
    migrations = migrations_key(Path(prefect.__file__).parent, prefect.__version__)
    marker = settings.home / MARKER_NAME
    updates: dict[Any, Any] = {}
    record: Callable[[], None] | None = None
    # Only Prefect's defaults are second-guessed: migrations on, block registration on and memoized.
    if db is not None and migrations is not None and settings.server.database.migrate_on_start:
        blocks = (blocks_key(prefect.__version__) if settings.server.register_blocks_on_start
                  and settings.server.memoize_block_auto_registration else None)
        skips = plan_skips(db, migrations, blocks, marker)
        if skips.migrations:
            print(SKIPPED_MESSAGE, file=sys.stderr, flush=True)
            updates[PREFECT_API_DATABASE_MIGRATE_ON_START] = False
        if skips.blocks:
            print(BLOCKS_SKIPPED_MESSAGE, file=sys.stderr, flush=True)
            updates.update({PREFECT_API_BLOCKS_REGISTER_ON_START: False, PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION: False})
        if not (skips.migrations and skips.blocks):
            record = functools.partial(record_started, db, migrations, blocks, marker)

    def app() -> Any:
        from prefect.server.api.server import create_app

        application = create_app()
        if record is not None:
            application.router.lifespan_context = _recording_lifespan(application.router.lifespan_context, record)
        return application

    import uvicorn

    with temporary_settings(updates=updates):
        # uvicorn exits with 3 when the start-up fails (the caller retries a lost port race).
        uvicorn.run(app, factory=True, host=args.host, port=args.port, log_level="error", lifespan="on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
