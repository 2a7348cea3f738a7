"""The embedded backend: one SQLite file, no server to install.

sqlite3 is synchronous, so every call runs in a thread: one writer thread (the write
lock is SQLite's own ``BEGIN IMMEDIATE``, which also serialises other processes), and a
small pool of reader threads (WAL lets them read while the writer writes).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import structlog

from ledger.envelope import StoredEvent
from ledger.errors import RowsRefused, StoreUnavailable
from ledger.store.base import Backend, Head, StoredRow, if_not_exists
from ledger.store.rows import COLUMNS, SELECT_COLUMNS, event_from_record, raw_from_record, record_from_row
from ledger.store.signal import AppendSignal
from ledger.store.sql import upsert_sql
from ledger.store.tiles import TileAppender
from ledger.tiles import TreeEdge

log = structlog.get_logger("ledger.store.sqlite")

__all__ = ["SQLiteBackend"]

T = TypeVar("T")
INSERT = f"INSERT INTO events ({SELECT_COLUMNS}, request_hash) VALUES ({', '.join('?' * (len(COLUMNS) + 1))})"


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged append survives a power cut, not only a crash of the process
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=60000")
    return conn


class _SQLiteTx:
    def __init__(self, backend: SQLiteBackend) -> None:
        self._b = backend
        #: the tree's edge after this transaction's inserts, adopted when it commits
        self.edge: TreeEdge | None = None

    @property
    def sql(self) -> _SQLiteSQLTx:
        return _SQLiteSQLTx(self._b)

    async def read_range(self, after: int, until: int) -> list[StoredEvent]:
        sql = f"SELECT {SELECT_COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT 5000"
        rows = await self._b._write(lambda c: c.execute(sql, (after, until)).fetchall())
        return [event_from_record(r) for r in rows]

    async def head_and_versions(self, streams: Sequence[str]) -> tuple[Head, dict[str, int]]:
        def run(conn: sqlite3.Connection) -> tuple[Head, dict[str, int]]:
            return _head(conn), _versions(conn, streams)

        return await self._b._write(run)

    async def find_keys(self, keys: Sequence[str]) -> dict[str, StoredRow]:
        def run(conn: sqlite3.Connection) -> dict[str, StoredRow]:
            found: dict[str, StoredRow] = {}
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                sql = (
                    f"SELECT {SELECT_COLUMNS}, request_hash FROM events WHERE idempotency_key IN "
                    f"({', '.join('?' * len(chunk))})"
                )
                for record in conn.execute(sql, chunk):
                    found[record[8]] = StoredRow(event_from_record(record), record[-1])
            return found

        return await self._b._write(run)

    async def insert(self, rows: Sequence[StoredRow]) -> None:
        records = [record_from_row(r) for r in rows]
        tiles = await self._b.tiles.prepare(self.sql, [r.event for r in rows], self.edge)

        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(INSERT, records)
            for sql, args in tiles.statements:  # the Merkle tiles these events complete, with them
                conn.executemany(sql, args)

        await self._b._write(run)
        self.edge = tiles.edge


class _SQLiteSQLTx:
    def __init__(self, backend: SQLiteBackend) -> None:
        self._b = backend

    async def execute(self, sql: str, *args: Any) -> None:
        await self._b._write(lambda c: c.execute(sql, args))

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._b._write(lambda c: c.executemany(sql, rows))

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            await self.executemany(sql, rows)

    async def upsert(
        self, table: str, columns: Sequence[str], key: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if rows:
            await self.executemany(upsert_sql(table, columns, key, f"VALUES ({', '.join('?' * len(columns))})"), rows)

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return await self._b._write(lambda c: c.execute(sql, args).fetchall())


def _versions(conn: sqlite3.Connection, streams: Sequence[str]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for i in range(0, len(streams), 500):
        chunk = streams[i : i + 500]
        sql = f"SELECT stream, MAX(version) FROM events WHERE stream IN ({', '.join('?' * len(chunk))}) GROUP BY stream"
        versions.update(conn.execute(sql, chunk).fetchall())
    return versions


def _head(conn: sqlite3.Connection) -> Head:
    row = conn.execute("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1").fetchone()
    return Head(*row) if row else Head()


class SQLiteBackend(Backend):
    kind = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="ledger-sqlite-writer")
        self._readers = ThreadPoolExecutor(2, thread_name_prefix="ledger-sqlite-reader")
        self._local = threading.local()
        self._write_conn: sqlite3.Connection | None = None
        self._reader_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._signal = AppendSignal()
        # the writer connection holds one transaction at a time: the appender's and the
        # projections' transactions take turns on it
        self._tx_lock = asyncio.Lock()
        self._lease: int | None = None  # the file descriptor holding the folding lease
        self.tiles = TileAppender()

    @classmethod
    def from_url(cls, url: str, *, create: bool = True) -> SQLiteBackend:
        """The backend of ``url``; with ``create=False`` the file must exist (a read-only
        command never creates a file, nor its directories)."""
        path = url.removeprefix("sqlite://")
        path = path[1:] if path.startswith("/") else path  # sqlite:///rel.db and sqlite:////abs.db
        if not path:
            raise StoreUnavailable(f"no file in database URL {url!r}")
        if not create and not Path(path).is_file():
            raise StoreUnavailable(f"no ledger at {url}: {path} does not exist")
        if create:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls(path)

    # -- threads ------------------------------------------------------------------------

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def run() -> T:
            if self._write_conn is None:
                self._write_conn = _connect(self.path)
            return fn(self._write_conn)

        return await asyncio.get_running_loop().run_in_executor(self._writer, run)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def run() -> T:
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = _connect(self.path)
                with self._lock:
                    self._reader_conns.append(conn)
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    # -- contract -------------------------------------------------------------------------

    @asynccontextmanager
    async def _immediate(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE … COMMIT on the writer connection, one transaction at a time."""
        async with self._tx_lock:
            try:
                await self._write(lambda c: c.execute("BEGIN IMMEDIATE"))
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot start a write on {self.path}: {exc}") from exc
            try:
                yield
            except BaseException:
                await self._write(lambda c: c.execute("ROLLBACK"))
                raise
            try:
                await self._write(lambda c: c.execute("COMMIT"))
            except sqlite3.Error as exc:
                await self._write(lambda c: c.in_transaction and c.execute("ROLLBACK"))
                raise StoreUnavailable(f"commit failed on {self.path}: {exc}") from exc

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[_SQLiteTx]:
        try:
            async with self._immediate():
                tx = _SQLiteTx(self)
                yield tx
        except (sqlite3.DataError, UnicodeEncodeError, OverflowError) as exc:  # a value SQLite cannot take
            raise RowsRefused(str(exc)) from exc
        self.tiles.adopt(tx.edge)
        self._signal.bump()

    # -- plain SQL for the read models (ledger.store.sql) ---------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_SQLiteSQLTx]:
        async with self._immediate():
            yield _SQLiteSQLTx(self)

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return await self._read(lambda c: c.execute(sql, args).fetchall())

    async def tidy(self, tables: Sequence[str]) -> None:
        async with self.transaction() as tx:
            for table in tables:
                await tx.execute(f"ANALYZE {table}")

    async def park_indexes(self, tables: Sequence[str], keep: Collection[str]) -> list[str]:
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join('?' * len(tables)) or 'NULL'}) ORDER BY name",
                *tables,
            )
            # SQLite's own indexes (primary keys, UNIQUE) have no SQL; unique ones stay for upserts
            parked = [r for r in rows if r[0] not in keep and not r[2].upper().startswith("CREATE UNIQUE")]
            await tx.executemany(
                "INSERT INTO parked_indexes (index_name, table_name, definition) VALUES (?, ?, ?)", parked
            )
            for name, _, _ in parked:
                await tx.execute(f"DROP INDEX {name}")
        return [r[0] for r in parked]

    async def restore_indexes(self) -> list[str]:
        parked = await self.fetch("SELECT index_name, table_name, definition FROM parked_indexes ORDER BY 1")
        for name, table, definition in parked:
            log.info("building an index again", index=name, table=table)
            async with self.transaction() as tx:
                await tx.execute(if_not_exists(definition))
                await tx.execute("DELETE FROM parked_indexes WHERE index_name = ?", name)
        return [r[0] for r in parked]

    async def read(
        self, after: int, limit: int, stream: str | None = None, types: Sequence[str] = ()
    ) -> list[StoredEvent]:
        where, params = ["position > ?"], [after]
        if stream is not None:
            where.append("stream = ?")
            params.append(stream)  # type: ignore[arg-type]
        if types:
            where.append(f"type IN ({', '.join('?' * len(types))})")
            params.extend(types)  # type: ignore[arg-type]
        sql = f"SELECT {SELECT_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY position LIMIT ?"
        rows = await self._read(lambda c: c.execute(sql, (*params, limit)).fetchall())
        return [event_from_record(r) for r in rows]

    async def read_raw(self, after: int, limit: int) -> list[tuple[int, dict[str, Any] | str]]:
        sql = f"SELECT {SELECT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"
        rows = await self._read(lambda c: c.execute(sql, (after, limit)).fetchall())
        return [raw_from_record(r) for r in rows]

    async def head(self) -> Head:
        return await self._read(_head)

    async def position_at(self, recorded_at: str) -> int:
        sql = "SELECT MAX(position) FROM events WHERE recorded_at <= ?"
        row = await self._read(lambda c: c.execute(sql, (recorded_at,)).fetchone())
        return int(row[0] or 0)

    def signal(self) -> int:
        return self._signal.value

    async def wait_for_append(self, seen: int, timeout: float) -> int:
        # another process's appends are not signalled here: the timeout makes it a poll
        return await self._signal.wait(seen, timeout)

    async def try_fold_lease(self) -> bool:
        """An exclusive ``flock`` on a file beside the database: the OS frees it when the
        process holding it dies."""
        if self._lease is not None:
            return True
        fd = os.open(f"{self.path}.fold-lease", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lease = fd
        return True

    async def release_fold_lease(self) -> None:
        if self._lease is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lease, fcntl.LOCK_UN)
                os.close(self._lease)
            self._lease = None

    async def applied_migrations(self) -> set[int]:
        def run(conn: sqlite3.Connection) -> set[int]:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            return {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}

        return await self._write(run)

    async def apply_migration(self, version: int, name: str, sql: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                    (version, name),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._write(run)

    async def close(self) -> None:
        """Close every connection once no thread uses it: a read still running in a reader
        thread (that of a request the client gave up on, say) finishes first; closing its
        connection under it would crash the process."""
        await self.release_fold_lease()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._readers.shutdown, True)
        await loop.run_in_executor(None, self._writer.shutdown, True)
        if self._write_conn is not None:
            self._write_conn.close()
        with self._lock:
            for conn in self._reader_conns:
                conn.close()


def _statements(script: str) -> list[str]:
    """Split a migration into statements (sqlite3 runs one at a time inside our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
