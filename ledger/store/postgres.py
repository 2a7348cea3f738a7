"""The production backend: PostgreSQL through asyncpg.

Writers serialise on one transaction-scoped advisory lock. It is held until COMMIT, and
PostgreSQL makes a commit visible before it releases the transaction's locks, so the next
writer reads a head that includes every earlier group: positions are handed out in commit
order, and a reader's snapshot is always a prefix of the log — never a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import re
from collections.abc import AsyncIterator, Collection, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import structlog

from ledger.envelope import StoredEvent
from ledger.errors import RowsRefused, StoreUnavailable
from ledger.store.base import Backend, Head, StoredRow, if_not_exists, redacted
from ledger.store.rows import COLUMNS, SELECT_COLUMNS, event_from_record, raw_from_record, record_from_row
from ledger.store.signal import AppendSignal
from ledger.store.sql import upsert_sql
from ledger.store.tiles import TileAppender
from ledger.tiles import TreeEdge

__all__ = ["PostgresBackend"]

log = structlog.get_logger("ledger.store.postgres")

#: the advisory lock every writer takes: "ledger" as a 64-bit number
WRITE_LOCK = 0x6C6564676572
#: the session-level advisory lock of the one process folding the read models
FOLD_LOCK = WRITE_LOCK + 2
CHANNEL = "ledger_events"
#: from how many rows an upsert goes through a staging table (a rebuild's pages): below, the
#: staging table's own cost (a TRUNCATE makes a new file) is more than it saves
STAGE_ROWS = 500
SERVICE_ROLE = "ledger_app"


#: what a lost, restarting or overloaded server looks like: the ledger is unavailable (503)
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    # a connection the server dropped mid-operation (e.g. shutting down) can be left in a
    # state where asyncpg refuses the next operation on it
    asyncpg.exceptions.InternalClientError,
)


@contextlib.contextmanager
def _reachable(what: str) -> Iterator[None]:
    """Translate a lost server into ``StoreUnavailable`` (one place for every read). So is a
    query a read replica cancelled because it held up the replay of the primary's changes
    ("conflict with recovery", SQLSTATE 40001): asked again, it runs on the replayed data."""
    try:
        yield
    except (*_UNREACHABLE, asyncpg.exceptions.SerializationError) as exc:
        raise StoreUnavailable(f"{what} failed on PostgreSQL: {exc}") from exc


_HEAD_AND_VERSIONS = (
    "(SELECT 0, position, hash, recorded_at, NULL::text, NULL::integer FROM events ORDER BY position DESC LIMIT 1) "
    "UNION ALL "
    "(SELECT 1, NULL, NULL, NULL, stream, MAX(version) FROM events WHERE stream = ANY($1::text[]) GROUP BY stream)"
)


class _PostgresTx:
    def __init__(self, conn: asyncpg.Connection, tiles: TileAppender) -> None:
        self._conn = conn
        self._tiles = tiles
        #: the tree's edge after this transaction's inserts, adopted when it commits
        self.edge: TreeEdge | None = None

    @property
    def sql(self) -> _PostgresSQLTx:
        return _PostgresSQLTx(self._conn)

    async def read_range(self, after: int, until: int) -> list[StoredEvent]:
        rows = await self._conn.fetch(
            f"SELECT {SELECT_COLUMNS} FROM events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT 5000",
            after,
            until,
        )
        return [event_from_record(r) for r in rows]

    async def head_and_versions(self, streams: Sequence[str]) -> tuple[Head, dict[str, int]]:
        rows = await self._conn.fetch(_HEAD_AND_VERSIONS, list(streams))
        head = next((Head(r[1], r[2], r[3]) for r in rows if r[0] == 0), Head())
        return head, {r[4]: r[5] for r in rows if r[0] == 1}

    async def find_keys(self, keys: Sequence[str]) -> dict[str, StoredRow]:
        rows = await self._conn.fetch(
            f"SELECT {SELECT_COLUMNS}, request_hash FROM events WHERE idempotency_key = ANY($1::text[])",
            list(keys),
        )
        return {r["idempotency_key"]: StoredRow(event_from_record(r), r["request_hash"]) for r in rows}

    async def insert(self, rows: Sequence[StoredRow]) -> None:
        tiles = await self._tiles.prepare(self.sql, [r.event for r in rows], self.edge)
        # COPY is the fastest way in (about twice an INSERT … unnest on this machine)
        await self._conn.copy_records_to_table(
            "events", records=[record_from_row(r) for r in rows], columns=[*COLUMNS, "request_hash"]
        )
        for sql, args in tiles.statements:  # the Merkle tiles these events complete, with them
            await self.sql.executemany(sql, args)
        self.edge = tiles.edge


_COPY_WHERE = re.compile(r"COPY events, line (\d+), column (\w+)")


def _copy_where(exc: asyncpg.PostgresError) -> tuple[str | None, int | None]:
    """The column and row (0-based) a refused COPY names in its context, when it does."""
    found = _COPY_WHERE.search(str(getattr(exc, "context", None) or ""))
    return (found.group(2), int(found.group(1)) - 1) if found else (None, None)


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """Portable ``?`` placeholders as PostgreSQL's ``$1, $2 …`` (none appear inside our literals)."""
    count = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


class _PostgresSQLTx:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: Any) -> None:
        await self._conn.execute(_numbered(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self._conn.executemany(_numbered(sql), rows)

    async def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def upsert(
        self, table: str, columns: Sequence[str], key: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if len(rows) < STAGE_ROWS:  # a page followed live: a few rows, one statement each
            await self.executemany(upsert_sql(table, columns, key, f"VALUES ({', '.join('?' * len(columns))})"), rows)
            return
        stage = f"stage_{table}"  # this connection's own, emptied after each use
        await self._conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table})")
        await self._conn.copy_records_to_table(stage, records=rows, columns=list(columns))
        names = ", ".join(columns)
        await self._conn.execute(f"{upsert_sql(table, columns, key, f'SELECT {names} FROM {stage}')}; TRUNCATE {stage}")

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self._conn.fetch(_numbered(sql), *args)]


async def _head(conn: asyncpg.Connection) -> Head:
    row = await conn.fetchrow("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
    return Head(row[0], row[1], row[2]) if row else Head()


async def _use_service_role(conn: asyncpg.Connection) -> None:
    """Drop to the role that may only SELECT and INSERT the log, when it exists and we may."""
    allowed = await conn.fetchval(
        "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = $1", SERVICE_ROLE
    )
    if allowed:
        await conn.execute(f"SET ROLE {SERVICE_ROLE}")


_BEGIN_WRITE = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK}); NOTIFY {CHANNEL}"


async def _rollback(conn: asyncpg.Connection) -> None:
    """Undo a write; a connection that cannot even do that is closed, never reused."""
    try:
        await asyncio.shield(conn.execute("ROLLBACK"))
    except BaseException:
        conn.terminate()
        raise


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a connection needs between uses: no open transaction, and nothing else. asyncpg's
    default reset (RESET ALL …) would cost a round trip per query and drop the service role
    set by ``SET ROLE``; our connections hold no other session state (locks are
    transaction-scoped, no cursors, no LISTEN)."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class PostgresBackend(Backend):
    kind = "postgres"
    # each projector in a transaction of its own, on a connection of the pool: the server
    # folds on several cores while this process prepares the next projector's rows
    fold_concurrency = 3

    def __init__(self, dsn: str, pool: asyncpg.Pool) -> None:
        self.dsn = dsn
        self.pool = pool
        self._signal = AppendSignal()
        self._listener: asyncpg.Connection | None = None
        self._lease: asyncpg.Connection | None = None
        self.tiles = TileAppender()

    @classmethod
    async def connect(cls, dsn: str, *, max_size: int = 10) -> PostgresBackend:
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=max_size,
                init=_use_service_role,
                reset=_keep_session,
                command_timeout=60,
                # asyncpg prepares every statement; a generic plan made while the log was
                # small (a seq scan) would stick as it grows. Plan each execution instead.
                # No JIT: a city's figures cost enough to trigger it, and compiling took
                # 50-200 ms of answers that run in 100-600 ms (the 总览 of a 3-year city).
                server_settings={"plan_cache_mode": "force_custom_plan", "jit": "off"},
            )
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreUnavailable(f"cannot connect to PostgreSQL at {redacted(dsn)}: {exc}") from exc
        assert pool is not None
        return cls(dsn, pool)

    async def _listen(self) -> None:
        """LISTEN on a connection of its own; if it drops, readers fall back to polling."""
        if self._listener is not None and not self._listener.is_closed():
            return
        with contextlib.suppress(OSError, asyncpg.PostgresError):
            self._listener = await asyncpg.connect(self.dsn)
            await self._listener.add_listener(CHANNEL, lambda *_: self._signal.bump())

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[_PostgresTx]:
        try:
            async with self.pool.acquire() as conn:
                # BEGIN, the lock and the NOTIFY in one round trip (the NOTIFY is delivered at
                # COMMIT, never on rollback). The head is NOT read in this same request: its
                # snapshot could predate the lock wait and miss the previous writer.
                await conn.execute(_BEGIN_WRITE)
                tx = _PostgresTx(conn, self.tiles)
                try:
                    yield tx
                except BaseException:
                    await _rollback(conn)
                    raise
                await conn.execute("COMMIT")
                self.tiles.adopt(tx.edge)
        except asyncpg.DataError as exc:  # a value PostgreSQL cannot hold (e.g. NUL in text)
            raise RowsRefused(str(exc), *_copy_where(exc)) from exc
        except (UnicodeEncodeError, OverflowError) as exc:  # a value the driver cannot send
            raise RowsRefused(str(exc)) from exc
        except (*_UNREACHABLE, asyncpg.PostgresError) as exc:
            raise StoreUnavailable(f"append failed on PostgreSQL: {exc}") from exc
        self._signal.bump()

    # -- plain SQL for the read models (ledger.store.sql) ---------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PostgresSQLTx]:
        with _reachable("a transaction"):
            async with self.pool.acquire() as conn, conn.transaction():
                yield _PostgresSQLTx(conn)

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with _reachable("a read"):
            return [tuple(r) for r in await self.pool.fetch(_numbered(sql), *args)]

    @asynccontextmanager
    async def _as_owner(self, tables: Sequence[str], what: str) -> AsyncIterator[tuple[asyncpg.Connection, list[str]]]:
        """A connection of its own as the DSN's user (the pool's act as the service role, which
        owns nothing), and those of ``tables`` it owns; the others are said, not touched."""
        with _reachable(what):
            conn = await asyncpg.connect(self.dsn)
            try:
                foreign = await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename = ANY($1::text[]) AND NOT pg_has_role(current_user, tableowner, 'MEMBER')",
                    list(tables),
                )
                if foreign:
                    log.warning(
                        f"not the owner of these read models: {what} needs their owner",
                        tables=sorted(r[0] for r in foreign),
                    )
                yield conn, sorted(set(tables) - {r[0] for r in foreign})
            finally:
                await conn.close()

    async def tidy(self, tables: Sequence[str]) -> None:
        async with self._as_owner(tables, "VACUUM (ANALYZE)") as (conn, owned):
            for table in owned:
                await conn.execute(f"VACUUM (ANALYZE) {table}")  # one at a time, outside a transaction

    async def park_indexes(self, tables: Sequence[str], keep: Collection[str]) -> list[str]:
        async with self._as_owner(tables, "dropping indexes for a rebuild") as (conn, owned):
            rows = await conn.fetch(
                "SELECT c.relname, t.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1::text[]) "
                "AND NOT i.indisunique AND NOT (c.relname = ANY($2::text[])) "
                "AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
                owned,
                list(keep),
            )
            async with conn.transaction():
                await conn.executemany(
                    "INSERT INTO parked_indexes (index_name, table_name, definition) VALUES ($1, $2, $3)",
                    [tuple(r) for r in rows],
                )
                for name, _, _ in rows:
                    await conn.execute(f"DROP INDEX {name}")
        return [r[0] for r in rows]

    async def restore_indexes(self) -> list[str]:
        with _reachable("reading the parked indexes"):
            parked = await self.pool.fetch("SELECT index_name, table_name, definition FROM parked_indexes ORDER BY 1")
        if not parked:
            return []
        async with self._as_owner(sorted({r[1] for r in parked}), "building indexes again") as (conn, owned):
            # the server's sort memory for each build (PostgreSQL's default is 64 MB)
            await conn.execute("SET maintenance_work_mem = '512MB'")
            parked = [r for r in parked if r[1] in owned]
            for name, table, definition in parked:
                log.info("building an index again", index=name, table=table)
                async with conn.transaction():
                    await conn.execute(if_not_exists(definition))
                    await conn.execute("DELETE FROM parked_indexes WHERE index_name = $1", name)
        return [r[0] for r in parked]

    async def read(
        self, after: int, limit: int, stream: str | None = None, types: Sequence[str] = ()
    ) -> list[StoredEvent]:
        where, params = ["position > $1"], [after]
        if stream is not None:
            params.append(stream)  # type: ignore[arg-type]
            where.append(f"stream = ${len(params)}")
        if types:
            params.append(list(types))  # type: ignore[arg-type]
            where.append(f"type = ANY(${len(params)}::text[])")
        params.append(limit)
        sql = f"SELECT {SELECT_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY position LIMIT ${len(params)}"
        with _reachable("reading the log"):
            rows = await self.pool.fetch(sql, *params)
        return [event_from_record(r) for r in rows]

    async def read_raw(self, after: int, limit: int) -> list[tuple[int, dict[str, Any] | str]]:
        with _reachable("reading the log"):
            rows = await self.pool.fetch(
                f"SELECT {SELECT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2", after, limit
            )
        return [raw_from_record(r) for r in rows]

    async def head(self) -> Head:
        with _reachable("reading the head"):
            async with self.pool.acquire() as conn:
                return await _head(conn)

    async def position_at(self, recorded_at: str) -> int:
        with _reachable("reading the log"):
            value = await self.pool.fetchval("SELECT MAX(position) FROM events WHERE recorded_at <= $1", recorded_at)
        return int(value or 0)

    def signal(self) -> int:
        return self._signal.value

    async def wait_for_append(self, seen: int, timeout: float) -> int:
        await self._listen()
        return await self._signal.wait(seen, timeout)

    async def try_fold_lease(self) -> bool:
        """A session-level advisory lock on a connection of its own: PostgreSQL frees it the
        moment that connection drops (the process died, or the network went)."""
        if self._lease is not None and not self._lease.is_closed():
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await self._lease.fetchval("SELECT 1")
                return True
            self._lease = None  # the connection is gone, and the lock with it
        try:
            conn = await asyncpg.connect(self.dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreUnavailable(f"cannot connect to PostgreSQL for the folding lease: {exc}") from exc
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", FOLD_LOCK):
            self._lease = conn
            return True
        await conn.close()
        return False

    async def release_fold_lease(self) -> None:
        if self._lease is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._lease.close(), 5)
            self._lease = None

    async def applied_migrations(self) -> set[int]:
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            return {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        finally:
            await conn.close()

    async def apply_migration(self, version: int, name: str, sql: str) -> None:
        conn = await asyncpg.connect(self.dsn)  # as the owner, not the service role
        try:
            async with conn.transaction():
                # one migrator at a time, across processes
                await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK + 1)
                if await conn.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1", version):
                    return
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name)
        finally:
            await conn.close()

    async def close(self) -> None:
        await self.release_fold_lease()
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._listener.close(), 5)
        await asyncio.wait_for(self.pool.close(), 30)
