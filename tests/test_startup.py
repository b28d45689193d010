"""Start-up: the CLI's early temporary Prefect server is used, stopped, and never outlives the CLI."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.app import server_child, temp_server

BIN = Path(sys.executable).parent / "news-etl"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(TMPDIR=str(tmp_path), **extra)
    return env


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_start_early_respects_a_configured_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert temp_server.start_early() is None
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv(temp_server.DISABLE_ENV, "0")
    assert temp_server.start_early() is None


@pytest.mark.slow
def test_run_uses_the_early_server_and_leaves_nothing_behind(sample_dir: Path, tmp_path: Path) -> None:
    p = subprocess.run([str(BIN), "run", str(sample_dir), str(tmp_path / "out"), "--workers", "1"],
                       capture_output=True, text=True, timeout=300, env=_env(tmp_path))
    assert p.returncode == 0, p.stderr[-2000:]
    output = p.stdout + p.stderr
    assert "all accounted for" in output
    # Prefect did not start a server of its own, and nobody is sent to a UI that is not served.
    assert "Starting temporary server" not in output
    assert "View at" not in output
    assert "Error flushing events" not in output
    assert list(tmp_path.glob("news-etl-prefect-server-*")) == []  # the server log is never left behind


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_killed_cli_takes_its_server_down(sample_dir: Path, tmp_path: Path) -> None:
    cli = subprocess.Popen([str(BIN), "run", str(sample_dir), str(tmp_path / "out")], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=_env(tmp_path))
    try:
        deadline, server = time.monotonic() + 60, None
        while server is None and time.monotonic() < deadline and cli.poll() is None:
            server = next((c for c in _children(cli.pid) if "flows.app.server_child" in _cmdline(c)), None)
            time.sleep(0.02)
        assert server is not None, "the CLI never started its temporary server"
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        deadline = time.monotonic() + 15
        while _alive(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server), "the temporary server outlived the killed CLI"
        assert list(tmp_path.glob("news-etl-prefect-server-*")) == []
    finally:
        if cli.poll() is None:
            cli.kill()


@pytest.mark.slow
def test_a_server_that_cannot_start_is_a_clear_error(sample_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    p = subprocess.run([str(BIN), "run", str(sample_dir), str(tmp_path / "out")], capture_output=True, text=True,
                       timeout=120, env=_env(tmp_path, PREFECT_HOME=str(blocker / "home")))
    assert p.returncode == 1
    assert "news-etl: the temporary Prefect server exited with code" in p.stderr
    assert "unable to open database file" in p.stderr  # the server's own reason, from its log
    assert not (tmp_path / "out" / "articles").exists()


@pytest.mark.slow
def test_the_temporary_server_runs_without_automations(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server news-etl starts runs Prefect's own app with automations (triggers) off,
    which have nothing to act on within one run; a setting the user gave wins."""
    import json
    import urllib.request

    # The session's PREFECT_HOME (tests/conftest.py): its database is migrated once per worker, not per server here.
    for given, expected in ((None, False), ("true", True)):
        if given:
            monkeypatch.setenv("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", given)
        server = temp_server.TemporaryServer()
        server.spawn()
        try:
            url = server.wait_ready(120)
            with urllib.request.urlopen(f"{url}/admin/settings", timeout=10) as resp:
                settings = json.load(resp)
            assert settings["server"]["services"]["triggers"]["enabled"] is expected
            assert "flows.app.server_child" in _cmdline(server.process.pid)
        finally:
            server.stop()


def _sqlite_db(path: Path, revision: str | None, block_types: int = 0) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        if revision is not None:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
            conn.execute("CREATE TABLE block_type (id INTEGER)")
            conn.execute("CREATE TABLE block_schema (id INTEGER)")
            conn.executemany("INSERT INTO block_type VALUES (?)", [(i,) for i in range(block_types)])
            conn.executemany("INSERT INTO block_schema VALUES (?)", [(i,) for i in range(block_types + 1)])
        conn.commit()
    return path


def test_sqlite_file_names_only_a_database_file() -> None:
    assert server_child.sqlite_file("sqlite+aiosqlite:////home/u/.prefect/prefect.db") == Path("/home/u/.prefect/prefect.db")
    assert server_child.sqlite_file("sqlite+aiosqlite:///relative.db") == Path("relative.db")
    for url in ("postgresql+asyncpg://u:p@db:5432/prefect", "sqlite+aiosqlite:///:memory:",
                "sqlite+aiosqlite:///file:x.db?mode=memory&uri=true", "sqlite+aiosqlite://"):
        assert server_child.sqlite_file(url) is None, url


def test_start_up_steps_are_skipped_only_where_the_database_holds_their_result(tmp_path: Path) -> None:
    db, marker = _sqlite_db(tmp_path / "prefect.db", "rev-head", block_types=3), tmp_path / server_child.MARKER_NAME
    key, blocks = "3.9.1:115:abc", "3.9.1|prefect_dask=prefect_dask@prefect-dask==0.3.7"
    none, migrations_only, both = server_child.Skips(), server_child.Skips(migrations=True), \
        server_child.Skips(migrations=True, blocks=True)
    assert server_child.plan_skips(db, key, blocks, marker) == none  # no marker yet
    server_child.record_started(db, key, blocks, marker)
    assert server_child.plan_skips(db, key, blocks, marker) == both
    assert server_child.plan_skips(db, "3.10.0:117:def", blocks, marker) == none  # another Prefect
    assert server_child.plan_skips(db, key, blocks + "|prefect_aws=x@prefect-aws==1", marker) == migrations_only
    assert server_child.plan_skips(db, key, None, marker) == migrations_only  # registration not Prefect's default
    other = _sqlite_db(tmp_path / "other.db", "rev-head", block_types=3)
    assert server_child.plan_skips(other, key, blocks, marker) == none  # another database
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("DELETE FROM block_type")  # reset, say, and not registered again
        conn.commit()
    assert server_child.plan_skips(db, key, blocks, marker) == migrations_only
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'rev-older'")
        conn.commit()
    assert server_child.plan_skips(db, key, blocks, marker) == none  # the database moved (a downgrade, another Prefect)
    server_child.record_started(db, key, blocks, marker)  # registered nothing: blocks are never skipped on it
    assert server_child.plan_skips(db, key, blocks, marker) == migrations_only
    server_child.record_started(db, key, None, marker)  # registration did not run: nothing recorded of blocks
    assert "blocks" not in json.loads(marker.read_text())[str(db.resolve())]
    db.unlink()
    assert server_child.plan_skips(db, key, blocks, marker) == none  # deleted
    _sqlite_db(db, None)
    assert server_child.plan_skips(db, key, blocks, marker) == none  # replaced by a database without migrations
    server_child.record_started(db, key, blocks, marker)  # nothing to record: no revision
    assert json.loads(marker.read_text())[str(db.resolve())]["revision"] == "rev-older"
    marker.write_text("{not json")
    assert server_child.plan_skips(db, key, blocks, marker) == none


def test_blocks_key_names_prefect_and_each_installed_collection() -> None:
    import prefect

    key = server_child.blocks_key(prefect.__version__)
    assert key.startswith(prefect.__version__ + "|")
    assert "prefect_dask=prefect_dask@prefect-dask==" in key  # the project's own Dask runner is a collection


def test_migrations_key_follows_the_installed_migration_files(tmp_path: Path) -> None:
    versions = tmp_path / "server" / "database" / "_migrations" / "versions" / "sqlite"
    assert server_child.migrations_key(tmp_path, "3.9.1") is None
    versions.mkdir(parents=True)
    (versions / "2024_01_01_000000_aaaa_one.py").write_text("")
    one = server_child.migrations_key(tmp_path, "3.9.1")
    (versions / "2024_02_01_000000_bbbb_two.py").write_text("")
    two = server_child.migrations_key(tmp_path, "3.9.1")
    assert one and two and one != two != server_child.migrations_key(tmp_path, "3.9.2")


@pytest.mark.slow
def test_the_temporary_server_migrates_once_then_skips_what_the_database_holds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start-up after one that migrated and registered blocks skips both and serves the same database; a
    marker from other migrations is ignored. The caller's own ``flows`` folder does not shadow ours."""
    import urllib.request

    home = Path(os.environ["PREFECT_HOME"])  # this session's (tests/conftest.py)
    marker, db = home / server_child.MARKER_NAME, home / "prefect.db"

    def start() -> tuple[str, str]:
        server = temp_server.TemporaryServer()
        server.spawn()
        try:
            url = server.wait_ready(180)
            request = urllib.request.Request(f"{url}/block_types/filter", data=b"{}", method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as resp:  # the schema and the block types are there
                assert resp.status == 200 and len(json.load(resp)) == server_child.read_state(db).block_types
            return server.log_tail(), json.loads(marker.read_text())[str(db.resolve())]["migrations"]
        finally:
            server.stop()

    marker.unlink(missing_ok=True)
    log, key = start()
    assert server_child.SKIPPED_MESSAGE not in log and server_child.BLOCKS_SKIPPED_MESSAGE not in log
    entry = json.loads(marker.read_text())[str(db.resolve())]
    state = server_child.read_state(db)
    assert state is not None and state.block_types and state.block_schemas
    assert (entry["revision"], entry["block_types"], entry["block_schemas"]) == \
        (state.revision, state.block_types, state.block_schemas)

    shadow = tmp_path / "flows"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('the working directory shadowed news-etl')\n")
    monkeypatch.chdir(tmp_path)
    log, _ = start()
    assert server_child.SKIPPED_MESSAGE in log and server_child.BLOCKS_SKIPPED_MESSAGE in log

    entries = json.loads(marker.read_text())
    entries[str(db.resolve())]["migrations"] = "0.0.0:1:stale"
    marker.write_text(json.dumps(entries))
    log, restored = start()
    assert server_child.SKIPPED_MESSAGE not in log and server_child.BLOCKS_SKIPPED_MESSAGE not in log
    assert restored == key


def _pool_in_fresh_process(code: str, **env: str) -> str:
    # Fresh interpreters: the pool is process-wide, fixed when pyarrow is imported, and a user's choice must win.
    base = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent,
                       env={**base, **env}, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_the_cli_makes_jemalloc_arrows_default_before_pyarrow_loads() -> None:
    code = ("from flows.app.runtime import prefer_jemalloc; prefer_jemalloc(); import pyarrow as pa, pyarrow.compute as pc; "
            "t = pa.table({'x': pc.add(pa.array(range(1000)), 1)}); "
            "print(pa.default_memory_pool().backend_name, pa.jemalloc_memory_pool().bytes_allocated() > 0)")
    assert _pool_in_fresh_process(code) == "jemalloc True"  # the compute kernel's output came from it
    assert _pool_in_fresh_process(code, ARROW_DEFAULT_MEMORY_POOL="system").split()[0] == "system"


def test_a_flow_started_without_the_cli_switches_pyarrows_pool() -> None:
    code = ("import pyarrow as pa; from flows.app.runtime import use_lean_arrow_pool; "
            "before = pa.default_memory_pool().backend_name; name = use_lean_arrow_pool(); "
            "kept = pa.array(['x' * 100] * 1000); "
            "print(before, name, pa.jemalloc_memory_pool().bytes_allocated() > 0)")
    assert _pool_in_fresh_process(code) == "mimalloc jemalloc True"  # new tables come from it
    assert _pool_in_fresh_process(code, ARROW_DEFAULT_MEMORY_POOL="system").split()[:2] == ["system", "system"]


def test_the_console_script_exits_without_a_last_full_collection(tmp_path: Path) -> None:
    """The installed ``news-etl`` is :func:`flows.app.cli.entry`: main's exit code, the heap frozen."""
    script = BIN.read_text()
    assert "from flows.app.cli import entry" in script
    missing = tmp_path / "nope"
    code = ("import gc, sys; from flows.app.cli import entry; "
            f"sys.argv = ['news-etl', 'run', {str(missing)!r}, {str(tmp_path / 'out')!r}]; "
            "rc = entry(); print(rc, gc.get_freeze_count() > 0)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["2", "True"], p.stderr  # "input not found" is exit code 2
