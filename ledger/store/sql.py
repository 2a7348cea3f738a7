"""Plain SQL for the read models, on whichever backend holds the log.

Projections write only their own tables, in portable SQL with ``?`` placeholders
(``ON CONFLICT … DO UPDATE`` works on both). This keeps every database connection inside
``ledger/store``: the projections package holds SQL text and Python, no driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

__all__ = ["SQL", "Row", "SQLTx", "upsert_sql"]

Row = tuple[Any, ...]


class SQLTx(Protocol):
    """One transaction. On SQLite it also holds the ledger's write lock until it ends."""

    async def execute(self, sql: str, *args: Any) -> None: ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Add ``rows`` (values in the order of ``columns``) to ``table``: the way for rows
        that are only ever inserted (PostgreSQL copies them, twice as fast as INSERTs)."""
        ...

    async def upsert(
        self, table: str, columns: Sequence[str], key: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert ``rows``, or replace every other column of the row with the same ``key``
        (columns of a unique index); no two rows may share a key. PostgreSQL copies a large
        batch (a rebuild's page) into a staging table and merges it in one statement, 3x
        faster than one upsert a row."""
        ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...


def upsert_sql(table: str, columns: Sequence[str], key: Sequence[str], source: str) -> str:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` of ``columns`` from ``source`` (``VALUES (…)``
    or a ``SELECT``): the one text of an upsert, on both backends."""
    updated = [c for c in columns if c not in key]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in updated)}"
    )


class SQL(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[SQLTx]: ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...
