"""The guarantees that need more than one connection, one process, or a hand on the database."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import orjson
import pytest

import ledger.store.base as base
from ledger.decider import AcceptAll
from ledger.envelope import StoredEvent
from ledger.store import EventStore
from ops.bootstrap import open_ledger
from tests.contract.dba import raw_sql
from tests.helpers import unit_event


@pytest.mark.parametrize("statement", ["UPDATE events SET actor = 'someone else'", "DELETE FROM events"])
async def test_the_database_refuses_update_and_delete(store: EventStore, db_url: str, statement: str) -> None:
    """Even the owner, with SQL, cannot rewrite the log: a trigger refuses."""
    await store.append([unit_event("A")])
    with pytest.raises((sqlite3.DatabaseError, asyncpg.PostgresError), match="append-only"):
        await raw_sql(db_url, statement)
    assert (await store.verify()).ok


async def test_postgres_service_role_has_no_update_or_delete_privilege(pg_url: str) -> None:
    """The service's own connections run as ledger_app, which may only SELECT and INSERT."""
    ledger = await open_ledger(pg_url, decider=AcceptAll())
    try:
        await ledger.append([unit_event("A")])
        backend = ledger.backend
        async with backend.pool.acquire() as conn:  # type: ignore[attr-defined]
            assert await conn.fetchval("SELECT current_user") == "ledger_app"
            for statement in ("UPDATE events SET actor = 'x'", "DELETE FROM events", "TRUNCATE events"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(statement)
    finally:
        await ledger.close()


async def test_truncate_is_refused_even_for_the_owner(pg_url: str) -> None:
    ledger = await open_ledger(pg_url, decider=AcceptAll())
    try:
        await ledger.append([unit_event("A")])
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await raw_sql(pg_url, "TRUNCATE events")
    finally:
        await ledger.close()


async def _tamper(url: str, position: int) -> None:
    """Change one byte of one stored event, disabling the guard as an intruder would."""
    if url.startswith("sqlite"):
        sql = (
            "DROP TRIGGER events_no_update;"
            f"UPDATE events SET data = replace(data, '单位', '单立') WHERE position = {position};"
        )
    else:
        sql = (
            "SET session_replication_role = replica;"
            f"UPDATE events SET data = replace(data, '单位', '单立') WHERE position = {position};"
        )
    await raw_sql(url, sql)


def _ledger_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


async def test_verify_names_the_tampered_position(store: EventStore, db_url: str) -> None:
    await store.append([unit_event(str(i)) for i in range(20)])
    ok = await asyncio.to_thread(_ledger_cli, "--database", db_url, "verify")
    assert ok.returncode == 0, ok.stderr
    assert "chain holds: 20 events" in ok.stdout
    await _tamper(db_url, 13)
    broken = await asyncio.to_thread(_ledger_cli, "--database", db_url, "verify")
    assert broken.returncode == 1
    assert "chain broken at position 13" in broken.stderr


async def test_two_processes_appending_never_fork_the_chain(store: EventStore, db_url: str, tmp_path: Path) -> None:
    """Two `ledger import` processes write to one database at once; one chain results.

    Each process also applies the domain's rules, catching up on the other's events
    under the write lock before it decides its own.
    """
    files = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.jsonl"
        lines = [
            orjson.dumps(
                {
                    "type": "unit.registered",
                    "occurred_at": "2019-10-08T09:00:00+08:00",
                    "data": {"unit_id": f"{name}{i}", "kind": "city", "name": f"市{i}"},
                }
            )
            for i in range(1500)
        ]
        path.write_bytes(b"\n".join(lines) + b"\n")
        files.append(path)
    results = await asyncio.gather(
        *(asyncio.to_thread(_ledger_cli, "--database", db_url, "import", str(f), "--batch-size", "10") for f in files)
    )
    for result in results:
        assert result.returncode == 0, result.stderr
    report = await store.verify()
    assert (report.ok, report.count) == (True, 3000)
    streams = {e.stream.partition(":")[2][0] for e in await store.read(limit=3000)}
    assert streams == {"a", "b"}


async def test_postgres_listeners_are_woken_by_another_connections_append(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LISTEN/NOTIFY: a subscriber in one store hears an append made through another."""
    monkeypatch.setattr(base, "POLL_SECONDS", 60.0)
    reader = await open_ledger(pg_url, decider=AcceptAll())
    writer = await open_ledger(pg_url, decider=AcceptAll())
    try:
        iterator = reader.subscribe(after=0).__aiter__()
        waiting: asyncio.Future[StoredEvent] = asyncio.ensure_future(iterator.__anext__())
        await asyncio.sleep(0.5)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await writer.append([unit_event("A")])
        event = await asyncio.wait_for(waiting, 10)
        assert event.position == 1
        assert loop.time() - started < 5
    finally:
        await reader.close()
        await writer.close()


async def test_64_concurrent_appenders_and_a_tailing_subscriber(store: EventStore) -> None:
    """20,000 events from 64 writers: the tail sees each once, in order, and the chain holds."""
    writers, per_writer = 64, 313  # 20,032 events
    total = writers * per_writer
    seen: list[int] = []

    async def tail() -> None:
        async for event in store.subscribe(after=0):
            seen.append(event.position)
            if len(seen) == total:
                return

    async def write(w: int) -> None:
        for i in range(per_writer):
            await store.append([unit_event(f"w{w}-{i}")])

    tailing = asyncio.create_task(tail())
    await asyncio.gather(*(write(w) for w in range(writers)))
    await asyncio.wait_for(tailing, 120)
    assert seen == list(range(1, total + 1))
    report = await store.verify()
    assert (report.ok, report.count) == (True, total)
