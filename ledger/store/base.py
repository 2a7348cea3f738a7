"""The store contract and the one appender behind both backends.

A backend offers a serialised write transaction (``WriteTx``) and plain reads; the
``EventStore`` adds what must be identical everywhere: group commit, expected versions,
idempotency, the domain's decisions, the hash chain, subscriptions and verification.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from ledger.canonical import GENESIS_HASH
from ledger.decider import AcceptAll, Decider, Decision
from ledger.envelope import Proposed, StoredEvent, check_storable, verify_link
from ledger.errors import (
    ConcurrencyConflict,
    DomainRefused,
    IdempotencyConflict,
    LedgerError,
    RowsRefused,
    StoreUnavailable,
)
from ledger.store.sql import Row, SQLTx
from ledger.timeutil import format_recorded, utc_now

if TYPE_CHECKING:
    from ledger.store.snapshots import RulesSnapshots, Snapshot
    from ledger.store.tiles import TileAppender

__all__ = [
    "AppendStep",
    "Backend",
    "EventStore",
    "Head",
    "StoredRow",
    "VerifyReport",
    "WriteTx",
    "if_not_exists",
    "redacted",
]

log = structlog.get_logger("ledger.store")

#: how many events one group commit gathers at most
MAX_GROUP_EVENTS = 5000
#: how long a subscriber sleeps when no notification arrives (another process may write)
POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Head:
    position: int = 0
    hash: str = GENESIS_HASH
    recorded_at: str = ""


@dataclass(frozen=True, slots=True)
class StoredRow:
    """What is written: the event and the fingerprint of the request that posted it (for an
    event with an idempotency key; "" without one)."""

    event: StoredEvent
    request_hash: str


class WriteTx(Protocol):
    """One write transaction, holding the ledger's write lock until it ends."""

    async def head_and_versions(self, streams: Sequence[str]) -> tuple[Head, dict[str, int]]:
        """The log's head and the current version of each of ``streams``, in one request."""

    async def read_range(self, after: int, until: int) -> list[StoredEvent]: ...

    async def find_keys(self, keys: Sequence[str]) -> dict[str, StoredRow]: ...

    async def insert(self, rows: Sequence[StoredRow]) -> None:
        """Write the rows, and the Merkle tiles they complete (``Backend.tiles``)."""

    @property
    def sql(self) -> SQLTx:
        """Plain SQL inside this same transaction (the Merkle tiles use it)."""


class AppendStep(Protocol):
    """What runs around every append, outside the group commit (``ops.bootstrap`` wires the
    personal-data step, ``ledger.store.personal``): ``seal`` may rewrite the proposed events
    before they are queued; ``settle`` sees them once stored."""

    async def seal(self, events: Sequence[Proposed]) -> Sequence[Proposed]: ...

    async def settle(self, stored: Sequence[StoredEvent]) -> None: ...


class Backend(ABC):
    """What a database must do for the ledger. ``EventStore`` does the rest."""

    #: which migrations folder applies: ``sqlite`` or ``postgres``
    kind: str
    #: the Merkle tiles' write hook, called by every ``WriteTx.insert`` (ledger/store/tiles.py)
    tiles: TileAppender
    #: how many read-model transactions may run at once: the projectors fold a page side by
    #: side up to this many (SQLite has one writer: one transaction a page, for them all)
    fold_concurrency: int = 1

    @abstractmethod
    def write_transaction(self) -> AbstractAsyncContextManager[WriteTx]:
        """A transaction serialised against every other writer, in any process."""

    @abstractmethod
    async def read(
        self, after: int, limit: int, stream: str | None = None, types: Sequence[str] = ()
    ) -> list[StoredEvent]: ...

    @abstractmethod
    async def read_raw(self, after: int, limit: int) -> list[tuple[int, dict[str, Any] | str]]:
        """Rows as stored, for verification: (position, fields) or (position, why unreadable)."""

    @abstractmethod
    async def head(self) -> Head: ...

    @abstractmethod
    async def position_at(self, recorded_at: str) -> int:
        """The last position recorded at or before ``recorded_at`` (0 if none)."""

    @abstractmethod
    async def wait_for_append(self, seen: int, timeout: float) -> int:
        """Wait until the append signal moves past ``seen`` or ``timeout``; return the signal."""

    @abstractmethod
    def signal(self) -> int:
        """The in-process append signal: a counter bumped on every notification."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[SQLTx]:
        """A plain SQL transaction for the read models (``ledger.store.sql``)."""

    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """A plain SQL read, ``?`` placeholders."""

    @abstractmethod
    async def tidy(self, tables: Sequence[str]) -> None:
        """After ``tables`` were filled anew (a rebuild): the planner's statistics, and on
        PostgreSQL the visibility map its index-only scans need, brought up to date at once
        rather than whenever the autovacuum comes by."""

    @abstractmethod
    async def park_indexes(self, tables: Sequence[str], keep: Collection[str]) -> list[str]:
        """Before ``tables`` are filled from empty (a rebuild): drop their secondary indexes
        — not the unique ones, which upserts need, nor those named in ``keep``, which a
        projector reads through while it folds — so that rows go in without updating them.
        Each definition is stored in ``parked_indexes`` in the same transaction as its drop;
        return the names parked."""

    @abstractmethod
    async def restore_indexes(self) -> list[str]:
        """Build again every parked index (after a rebuild, or one that died half-way); return
        their names. Cheap when nothing is parked."""

    @abstractmethod
    async def try_fold_lease(self) -> bool:
        """Try to become the one process folding the read models; True when this process holds
        the lease (again). The lease lives as long as this process (or its connection): when
        the holder dies, the database or the OS frees it, and another process takes it."""

    @abstractmethod
    async def release_fold_lease(self) -> None: ...

    @abstractmethod
    async def applied_migrations(self) -> set[int]:
        """Versions already applied (creating the bookkeeping table if needed)."""

    @abstractmethod
    async def apply_migration(self, version: int, name: str, sql: str) -> None:
        """Run one numbered migration in one transaction, as the database owner."""

    @abstractmethod
    async def close(self) -> None: ...


@dataclass
class _Request:
    events: Sequence[Proposed]
    future: asyncio.Future[list[StoredEvent]]


@dataclass
class VerifyReport:
    ok: bool
    count: int
    head_hash: str
    bad_position: int | None = None
    reason: str | None = None


@dataclass
class _Group:
    """The state of one group commit while its requests are decided."""

    head: Head
    recorded_at: str
    decision: Decision
    versions: dict[str, int]
    existing: dict[str, StoredRow]
    position: int = 0
    prev_hash: str = GENESIS_HASH
    rows: list[StoredRow] = field(default_factory=list)
    keys: dict[str, StoredRow] = field(default_factory=dict)


#: events folded into the decider per turn of the lock: an append waiting behind a background
#: fold waits at most one batch (~20 ms)
CATCH_UP_BATCH = 1000


class EventStore:
    """The ledger's log: append (group-committed), read, subscribe, verify."""

    def __init__(
        self,
        backend: Backend,
        decider: Decider | None = None,
        step: AppendStep | None = None,
        snapshots: RulesSnapshots | None = None,
    ) -> None:
        self.backend = backend
        self.decider: Decider = decider if decider is not None else AcceptAll()
        self.step = step
        #: the decider's snapshots (``ledger.store.snapshots``): the first fold starts from one
        self.snapshots = snapshots
        self._restore_tried = False
        self._pending: deque[_Request] = deque()
        self._work = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        #: the decider is folded by one task at a time: the appender, or a catch-up running
        #: beside it while the service already serves (``catch_up`` in the background)
        self._deciding = asyncio.Lock()
        self._folded = False  # has one catch-up reached the head since the store was opened?
        #: group commits written by this process (each one transaction)
        self.groups_written = 0

    # -- writing ---------------------------------------------------------------------------

    async def append(self, events: Sequence[Proposed]) -> list[StoredEvent]:
        """Append ``events`` atomically, in order; return them as stored.

        Raises ``ConcurrencyConflict``, ``IdempotencyConflict`` or ``DomainRefused``
        (with the index of the offending event) and then appends nothing.
        """
        if not events:
            return []
        check_storable(events)  # nothing a database could refuse joins a group
        if self._closing:
            raise StoreUnavailable("the ledger is shutting down")
        if self.step is not None:
            events = await self.step.seal(events)
        future: asyncio.Future[list[StoredEvent]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Request(events, future))
        self._work.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="ledger-appender")
        # shield: a caller that goes away must not cancel a write other callers share, nor
        # the step that follows it (an erased person's key is destroyed whatever happens)
        return await asyncio.shield(self._settled(future))

    async def _settled(self, future: asyncio.Future[list[StoredEvent]]) -> list[StoredEvent]:
        stored = await future
        if self.step is not None:
            await self.step.settle(stored)
        return stored

    async def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Replay into the decider whatever the log holds beyond it: before serving, or in the
        background while the service serves (an append meanwhile replays what is left first)."""
        while True:
            async with self._deciding:
                await self._restore_once(progress)
                events = await self.backend.read(self.decider.position, CATCH_UP_BATCH)
                for event in events:
                    self.decider.replay(event)
            if progress is not None and events:
                progress(len(events))
            if len(events) < CATCH_UP_BATCH:
                self._folded = True
                return self.decider.position

    async def _restore_once(self, progress: Callable[[int], None] | None = None) -> None:
        """Before the first event is folded: the decider's state from the latest snapshot
        (``ledger.store.snapshots``), when one is wired and usable. Holds ``_deciding``."""
        if self._restore_tried or self.snapshots is None:
            return
        self._restore_tried = True
        if self.decider.position == 0:
            await self.snapshots.restore((await self.backend.head()).position, progress)

    async def take_snapshot(self, progress: Callable[[int], None] | None = None) -> Snapshot:
        """Store a signed snapshot of the decider's state as it is now (``ledger snapshot``;
        the service after a long fold). Appends wait while it is cut into parts (about a
        second per 300,000 events), not while it is written."""
        if self.snapshots is None:
            raise RuntimeError("this store keeps no snapshots of its rules' state (opened without rules or key)")
        async with self._deciding:
            await self._restore_once()
            taken = await self.snapshots.stored_at(self.decider.position)
            if taken is not None:  # the same code at the same event: the same state, signed already
                return taken
            position, entities, parts = await self.snapshots.dump(progress)
        return await self.snapshots.save(position, entities, parts)

    async def folded(self) -> Decider:
        """The decider, once it has folded the log as it stood when the store was opened
        (what the registry and scope checks read; an append folds other processes' events
        itself before deciding)."""
        if not self._folded:
            await self.catch_up()
        return self.decider

    async def _write_loop(self) -> None:
        while self._pending:
            group: list[_Request] = []
            size = 0
            while self._pending and (not group or size + len(self._pending[0].events) <= MAX_GROUP_EVENTS):
                request = self._pending.popleft()
                group.append(request)
                size += len(request.events)
            await self._write_group(group)

    async def _write_group(self, requests: list[_Request]) -> None:
        """Decide and write a group in one transaction, then answer each request.

        Isolation: every value was checked before it joined the group (``check_storable``),
        so the database has no reason to refuse the rows. If it still does, no request's
        input may fail another's: the group is written again in halves, until the request
        at fault stands alone and is refused alone (400, naming its field).
        """
        try:
            outcomes = await self._commit_group(requests)
        except RowsRefused as refused:
            if len(requests) > 1:
                log.warning("the database refused a group; writing it again in halves", error=str(refused))
                middle = len(requests) // 2
                await self._write_group(requests[:middle])
                await self._write_group(requests[middle:])
                return
            log.warning("the database refused a request", error=str(refused))
            outcomes = [refused.as_invalid(batch=len(requests[0].events) > 1)]
        except Exception as exc:  # the database failed: nobody's events were written
            log.error("append failed", error=repr(exc), requests=len(requests))
            failure = exc if isinstance(exc, LedgerError) else StoreUnavailable(f"append failed: {exc}")
            outcomes = [failure] * len(requests)
        for request, outcome in zip(requests, outcomes, strict=True):
            if request.future.done():
                continue
            if isinstance(outcome, BaseException):
                request.future.set_exception(outcome)
            else:
                request.future.set_result(outcome)

    async def _commit_group(self, requests: list[_Request]) -> list[list[StoredEvent] | BaseException]:
        """One transaction: decide every request of the group, write the rows, commit."""
        decision: Decision | None = None
        try:
            async with self._deciding:
                await self._restore_once()  # not folded yet: start from the snapshot, then replay
                async with self.backend.write_transaction() as tx:
                    streams = sorted({e.stream for r in requests for e in r.events})
                    head, versions = await tx.head_and_versions(streams)
                    await self._replay_foreign(tx, head)
                    decision = self.decider.begin()
                    group = await self._open_group(tx, head, versions, requests, decision)
                    outcomes = [self._decide_request(group, request) for request in requests]
                    if group.rows:
                        await tx.insert(group.rows)
        except BaseException:
            if decision is not None:
                decision.abort()
            raise
        decision.commit(group.position)
        self.groups_written += 1
        return outcomes

    async def _replay_foreign(self, tx: WriteTx, head: Head) -> None:
        """Events another process appended since we last wrote: fold them before deciding."""
        while self.decider.position < head.position:
            events = await tx.read_range(self.decider.position, head.position)
            if not events:
                raise StoreUnavailable("the log has a gap below its head")
            for event in events:
                self.decider.replay(event)

    async def _open_group(
        self, tx: WriteTx, head: Head, versions: dict[str, int], requests: list[_Request], decision: Decision
    ) -> _Group:
        keys = {e.idempotency_key for r in requests for e in r.events if e.idempotency_key}
        now = format_recorded(utc_now())
        return _Group(
            head=head,
            # transaction time never decreases along positions, even if the clock steps back
            recorded_at=max(now, head.recorded_at),
            decision=decision,
            versions=versions,
            existing=await tx.find_keys(sorted(keys)) if keys else {},
            position=head.position,
            prev_hash=head.hash,
        )

    def _decide_request(self, group: _Group, request: _Request) -> list[StoredEvent] | BaseException:
        mark = group.decision.mark()
        saved = (group.position, group.prev_hash, len(group.rows), dict(group.versions))
        try:
            replayed = _idempotent_replay(request.events, group)
            if replayed is not None:
                return replayed
            return [self._decide_indexed(group, i, e) for i, e in enumerate(request.events)]
        except Exception as exc:  # refused (or a bug in a rule): undo this request only
            group.decision.rollback(mark)
            group.position, group.prev_hash, kept, versions = saved
            del group.rows[kept:]
            group.versions = versions
            if not isinstance(exc, LedgerError):
                log.exception("deciding an event failed unexpectedly")
            return exc

    def _decide_indexed(self, group: _Group, index: int, proposed: Proposed) -> StoredEvent:
        try:
            return self._decide_event(group, index, proposed)
        except LedgerError as exc:
            if exc.index is None:
                exc.index = index  # which event of the batch, for the API and `ledger import`
            raise

    def _decide_event(self, group: _Group, index: int, proposed: Proposed) -> StoredEvent:
        current = group.versions.get(proposed.stream, 0)
        if proposed.expected_version is not None and proposed.expected_version != current:
            raise ConcurrencyConflict(proposed.stream, proposed.expected_version, current)
        position = group.position + 1
        try:
            group.decision.decide(proposed, position)
        except DomainRefused as refused:
            raise refused.at_index(index) from None
        version = current + 1
        stored = StoredEvent.sealed(proposed, position, version, group.recorded_at, group.prev_hash)
        # the request's fingerprint tells a retry from a reused key: without a key, nothing to tell
        row = StoredRow(stored, proposed.request_hash() if proposed.idempotency_key else "")
        group.rows.append(row)
        if proposed.idempotency_key:
            group.keys[proposed.idempotency_key] = row
        group.position, group.prev_hash = position, stored.hash
        group.versions[proposed.stream] = version
        return stored

    # -- reading ---------------------------------------------------------------------------

    async def read(
        self, after: int = 0, limit: int = 1000, stream: str | None = None, types: Sequence[str] = ()
    ) -> list[StoredEvent]:
        return await self.backend.read(after, limit, stream, types)

    async def read_stream(self, stream: str) -> list[StoredEvent]:
        events: list[StoredEvent] = []
        while True:
            page = await self.backend.read(events[-1].position if events else 0, 5000, stream)
            events.extend(page)
            if len(page) < 5000:
                return events

    async def head(self) -> Head:
        return await self.backend.head()

    async def position_at(self, recorded_at: str) -> int:
        return await self.backend.position_at(recorded_at)

    async def subscribe(self, after: int = 0, batch: int = 1000) -> AsyncIterator[StoredEvent]:
        """Every event after ``after``, once and in order, then each new one as it commits."""
        async for events in self.subscribe_batches(after, batch):
            for event in events:
                yield event

    async def subscribe_batches(self, after: int = 0, batch: int = 1000) -> AsyncIterator[list[StoredEvent]]:
        """The same, a page at a time (projectors apply a page in one transaction)."""
        position = after
        while True:
            seen = self.backend.signal()
            events = _contiguous(position, await self.backend.read(position, batch))
            if events:
                yield events
                position = events[-1].position
            if len(events) < batch:
                await self.backend.wait_for_append(seen, POLL_SECONDS)

    # -- verifying -------------------------------------------------------------------------

    async def verify(self, progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Walk the whole chain: positions 1, 2, 3 …, each prev_hash and each hash."""
        position, prev_hash = 0, GENESIS_HASH
        while True:
            page = await self.backend.read_raw(position, 5000)
            for pos, fields in page:
                problem = _check_row(pos, position, prev_hash, fields)
                if problem is not None:
                    return VerifyReport(False, position, prev_hash, pos, problem)
                assert isinstance(fields, dict)
                position, prev_hash = pos, fields["hash"]
            if progress is not None and page:
                progress(len(page))
            if len(page) < 5000:
                return VerifyReport(True, position, prev_hash)

    async def close(self) -> None:
        """Finish the writes already accepted, then release the database."""
        self._closing = True
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer
        await self.backend.close()


def _idempotent_replay(events: Sequence[Proposed], group: _Group) -> list[StoredEvent] | None:
    """The stored result of a retried request, None for a new one; a reused key is refused."""
    keyed = [e for e in events if e.idempotency_key]
    if not keyed:
        return None
    found = [group.keys.get(k) or group.existing.get(k) for k in (e.idempotency_key or "" for e in keyed)]
    if all(row is None for row in found):
        if len({e.idempotency_key for e in keyed}) != len(keyed):
            raise IdempotencyConflict(str(keyed[0].idempotency_key), "it is used twice in one batch")
        return None
    if len(keyed) != len(events) or any(row is None for row in found):
        first = next(e for e, row in zip(keyed, found, strict=True) if row is not None)
        conflict = IdempotencyConflict(
            str(first.idempotency_key), "part of this batch was appended before and part was not"
        )
        conflict.index = list(events).index(first)
        raise conflict
    for proposed, row in zip(keyed, found, strict=True):
        assert row is not None
        if row.request_hash != proposed.request_hash():
            conflict = IdempotencyConflict(str(proposed.idempotency_key))
            conflict.index = list(events).index(proposed)
            raise conflict
    return [row.event for row in found if row is not None]


def _contiguous(after: int, events: list[StoredEvent]) -> list[StoredEvent]:
    """Defence in depth: positions are committed in order (the write lock is held until
    commit), so a reader never sees a gap; if it ever did, stop before it and read again."""
    expected = after + 1
    for i, event in enumerate(events):
        if event.position != expected:
            log.warning("gap in the log seen by a reader", after=expected - 1, got=event.position)
            return events[:i]
        expected += 1
    return events


def _check_row(pos: int, before: int, prev_hash: str, fields: dict[str, Any] | str) -> str | None:
    if pos != before + 1:
        return f"position {before + 1} is missing (next stored is {pos})"
    if isinstance(fields, str):
        return fields
    try:
        event = StoredEvent(**fields)
    except TypeError as exc:
        return f"unreadable row: {exc}"
    return verify_link(event, prev_hash)


def if_not_exists(definition: str) -> str:
    """``CREATE INDEX name …`` as ``CREATE INDEX IF NOT EXISTS name …``: building a parked index
    again is safe to repeat (a restore that died after the build, before forgetting it)."""
    head, sep, rest = definition.partition("INDEX ")
    if not sep or rest.startswith("IF NOT EXISTS "):
        return definition
    return f"{head}INDEX IF NOT EXISTS {rest}"


def redacted(url: str) -> str:
    """A database URL fit for a message or a log: no password."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    return f"{scheme}{sep}{userinfo}{at}{host}"
