"""The temporary server's own process: Prefect's app under uvicorn, migrating only a database that may be behind.

Prefect's server runs ``alembic upgrade head`` on every start-up, 0.6-0.7 s of
the ~4.4 s that every ``news-etl run`` waits for its temporary server, even
when the database was brought to head by the previous run. This process skips
that step when it is provably a no-op, the way Prefect itself memoizes its
block registration: after a start-up that migrated a SQLite database, it
records the database's alembic revision beside a key of the installed
migrations (Prefect's version and the names of its SQLite migration files). A
later start-up skips the migrations only when the key is the same and the
database still holds that revision. Anything else (a new or upgraded Prefect, a
deleted, replaced or unreadable database, a non-SQLite database, a user who
turned migrations off or on) leaves Prefect's own behaviour in place.

Run as ``python -P -m flows.app.server_child --port N`` (``-P``: a ``flows``
folder in the caller's working directory must not shadow this package).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

MARKER_NAME = "news-etl-migrated.json"
SKIPPED_MESSAGE = "news-etl: the database is at the installed migrations' head"


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


def read_revision(db: Path) -> str | None:
    """The alembic revision a SQLite database holds, read-only; None when there is none to read."""
    if not db.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return None
    return rows[0][0] if len(rows) == 1 else None


def _marker_entries(marker: Path) -> dict[str, Any]:
    try:
        entries = json.loads(marker.read_text())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def migrations_current(db: Path, key: str, marker: Path) -> bool:
    """True when a start-up with these migrations left ``db`` at the revision it still holds."""
    entry = _marker_entries(marker).get(str(db.resolve()))
    if not isinstance(entry, dict) or entry.get("migrations") != key:
        return False
    revision = read_revision(db)
    return revision is not None and entry.get("revision") == revision


def record_migrated(db: Path, key: str, marker: Path) -> None:
    """Note that ``db`` was just migrated to head by these migrations (best effort: a write that fails costs
    only the next start-up's migrations)."""
    revision = read_revision(db)
    if revision is None:
        return
    entries = _marker_entries(marker)
    entries[str(db.resolve())] = {"migrations": key, "revision": revision}
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}")
    try:
        tmp.write_text(json.dumps(entries, indent=1, sort_keys=True))
        os.replace(tmp, marker)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _recording_lifespan(inner: Callable[[Any], Any], record: Callable[[], None]) -> Callable[[Any], Any]:
    """Prefect's lifespan, then ``record`` once it has migrated and before the first request is served."""

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
    from prefect.settings import PREFECT_API_DATABASE_MIGRATE_ON_START, get_current_settings, temporary_settings

    settings = get_current_settings()
    url = settings.server.database.connection_url
    db = sqlite_file(url.get_secret_value()) if url is not None else None
    key = migrations_key(Path(prefect.__file__).parent, prefect.__version__)
    migrating = settings.server.database.migrate_on_start
    skip = migrating and db is not None and key is not None and migrations_current(db, key, settings.home / MARKER_NAME)
    if skip:
        print(SKIPPED_MESSAGE, file=sys.stderr, flush=True)

    def app() -> Any:
        from prefect.server.api.server import create_app

        application = create_app()
        if migrating and not skip and db is not None and key is not None:
            application.router.lifespan_context = _recording_lifespan(
                application.router.lifespan_context, lambda: record_migrated(db, key, settings.home / MARKER_NAME))
        return application

    import uvicorn

    updates = {PREFECT_API_DATABASE_MIGRATE_ON_START: False} if skip else {}
    with temporary_settings(updates=updates):
        # uvicorn exits with 3 when the start-up fails (the caller retries a lost port race).
        uvicorn.run(app, factory=True, host=args.host, port=args.port, log_level="error", lifespan="on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
