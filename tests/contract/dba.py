"""A hand on the database: what an administrator (or an intruder with their password) can do
behind the ledger's back, on either backend."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg

__all__ = ["change_one_byte", "delete_last_event", "raw_sql"]


async def raw_sql(url: str, sql: str) -> None:
    """Run SQL as the database owner, not through the ledger."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")

        def run() -> None:
            with sqlite3.connect(path) as conn:
                conn.executescript(sql)

        await asyncio.to_thread(run)
    else:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


async def delete_last_event(url: str) -> None:
    """Drop the append-only trigger, as a DBA would, and delete the log's last event."""
    trigger = "events_no_delete" if url.startswith("sqlite") else "events_append_only ON events"
    await raw_sql(
        url, f"DROP TRIGGER {trigger}; DELETE FROM events WHERE position = (SELECT MAX(position) FROM events);"
    )


async def change_one_byte(url: str, position: int, old: str = "单位", new: str = "单立") -> None:
    """Change one character of one stored event's data, its hash left as it was."""
    guard = "DROP TRIGGER events_no_update;" if url.startswith("sqlite") else "SET session_replication_role = replica;"
    await raw_sql(url, f"{guard} UPDATE events SET data = replace(data, '{old}', '{new}') WHERE position = {position};")
