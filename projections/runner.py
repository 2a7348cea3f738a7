"""Runs projectors: catch up, follow the log, rebuild — and tells readers how far it got.

Each projector keeps its own tracked position. One loop reads the log a page at a time
(through the store's subscription) and hands each projector the events it folds and has
not seen, in a transaction that also advances that projector's position. Projectors own
disjoint tables, so on PostgreSQL they fold a page side by side, each in a transaction of
its own (``Backend.fold_concurrency``); on SQLite one transaction holds them all.

Honest reads (SPEC §2): a read that must reflect position P waits until the read models
have folded P (``wait_for``) — woken at once when this process folds, polling the tracked
positions when another process does.

One folder (SPEC §12): any number of processes may run against one database; ``run`` folds
only while this process holds the backend's folding lease (a PostgreSQL session advisory
lock, a ``flock`` beside a SQLite file), which the database or the OS frees when the holder
dies; the others keep trying and take over within about ``LEASE_RETRY`` seconds. Each page's
transaction also checks the stored positions, so that no page is ever folded twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence

import structlog

from ledger.envelope import StoredEvent
from ledger.errors import LedgerError
from ledger.store import Backend, EventStore
from projections.base import Projector

__all__ = ["ProjectionRunner", "UnknownProjection", "folded_position"]

log = structlog.get_logger("ledger.projections")
PAGE = 5000
#: after a short page, how long the follower waits for more when nobody waits to read
FOLLOW_PAUSE = 0.05
#: how often a reader polls the tracked positions when another process folds
POLL_FOLDED = 0.01
#: how often a process without the folding lease asks for it, and the folder checks it still holds it
LEASE_RETRY = 1.0
#: how many pages a projector may fold ahead of the slowest one in a catch-up
AHEAD = 4
#: a catch-up that folded this many events tidies the tables after it (``catch_up``)
TIDY_AFTER = 100_000


async def folded_position(backend: Backend, names: Sequence[str]) -> int:
    """The position the named read models have all folded up to, as ``backend`` shows them
    (the primary, or a replica that replays it)."""
    rows = await backend.fetch("SELECT name, position FROM projection_positions")
    stored = {name: int(position) for name, position in rows}
    return min((stored.get(name, 0) for name in names), default=0)


class _Stale(Exception):
    """Another process folded further than this one believed: start again from the stored positions."""


class _LeaseLost(Exception):
    """This process no longer holds the folding lease."""


class UnknownProjection(LedgerError):
    code = "unknown-projection"

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"no projection named {name!r}; there are: {', '.join(known)}")


class ProjectionRunner:
    def __init__(self, store: EventStore, projectors: Sequence[Projector]) -> None:
        self.store = store
        self.projectors = list(projectors)
        self._positions: dict[str, int] = {}
        # the service's follower task and an explicit catch_up may run at once: one page at a time
        self._applying = asyncio.Lock()
        #: set (and replaced) after every page this process folds
        self._folded = asyncio.Event()
        #: readers waiting for a position this process has not folded yet
        self._waiters = 0
        #: True while this process follows the log (its positions are the truth: no polling)
        self.following = False

    # -- positions -------------------------------------------------------------------------

    async def load_positions(self) -> dict[str, int]:
        rows = await self.store.backend.fetch("SELECT name, position FROM projection_positions")
        stored = {name: int(position) for name, position in rows}
        self._positions = {p.name: stored.get(p.name, 0) for p in self.projectors}
        return dict(self._positions)

    def position(self) -> int:
        """The position every projector has folded up to (the slowest one)."""
        return min(self._positions.values(), default=0)

    async def lag(self) -> int:
        return (await self.store.head()).position - self.position()

    async def stored_position(self) -> int:
        """The position every projector has folded up to, as the database says (another
        process may be the one folding)."""
        return await folded_position(self.store.backend, [p.name for p in self.projectors])

    async def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until the read models reflect ``position``; False when ``timeout`` runs out."""
        if self.position() >= position:
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._waiters += 1
        try:
            while True:
                if self.position() >= position:
                    return True
                if not self.following and await self.stored_position() >= position:
                    return True
                left = deadline - loop.time()
                if left <= 0:
                    return False
                changed = self._folded
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), left if self.following else min(left, POLL_FOLDED))
        finally:
            self._waiters -= 1

    # -- folding ---------------------------------------------------------------------------

    async def _apply_page(self, events: list[StoredEvent]) -> None:
        async with self._applying:
            await self._apply_page_locked(events)

    async def _apply_page_locked(self, events: list[StoredEvent]) -> None:
        """Each projector behind the page folds its events and advances its tracked position
        in one transaction (or does neither). Projectors own disjoint tables: where the backend
        allows (``fold_concurrency``), they fold side by side, each in a transaction of its own;
        otherwise one transaction holds them all."""
        last = events[-1].position
        behind = [p for p in self.projectors if self._positions[p.name] < last]
        if not behind:
            return
        width = self.store.backend.fold_concurrency
        groups = [behind] if width <= 1 else [[p] for p in behind]
        gate = asyncio.Semaphore(max(1, width))

        async def fold(group: list[Projector]) -> None:
            async with gate:
                await self._fold_group(group, events, last)

        outcomes = await asyncio.gather(*(fold(g) for g in groups), return_exceptions=True)
        self._folded.set()  # whatever committed is readable now
        self._folded = asyncio.Event()
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            raise next((f for f in failures if isinstance(f, _Stale)), failures[0])

    async def _fold_group(self, group: list[Projector], events: list[StoredEvent], last: int) -> None:
        async with self.store.backend.transaction() as tx:
            names = [p.name for p in group]
            stored: dict[str, int] = {
                n: int(p)
                for n, p in await tx.fetch(
                    f"SELECT name, position FROM projection_positions WHERE name IN ({', '.join('?' * len(names))})",
                    *names,
                )
            }
            if any(stored.get(p.name, 0) > self._positions[p.name] for p in group):
                raise _Stale()  # never fold a page twice, even if two processes ever did fold at once
            for projector in group:
                done = self._positions[projector.name]
                relevant = [e for e in events if e.position > done and e.type in projector.types]
                if relevant:
                    await projector.apply(tx, relevant)
            await tx.executemany(
                "INSERT INTO projection_positions (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                [(name, last) for name in names],
            )
        for projector in group:
            self._positions[projector.name] = last

    async def catch_up(
        self, progress: Callable[[int], None] | None = None, *, tidy_after: int | None = TIDY_AFTER
    ) -> int:
        """Fold everything up to the head as it is now; return that position. Having folded
        ``tidy_after`` events or more (an import, a first start, a rebuild), tidy the tables
        (``Backend.tidy``): freshly filled tables without planner statistics are slow until
        autovacuum comes by — on a city loaded a minute earlier, a responsibility took
        18 ms at p50 over HTTP instead of 4. ``tidy_after=None``: the caller tidies."""
        if not self._positions:
            await self.load_positions()
        head = (await self.store.head()).position
        before = dict(self._positions)
        position = await self._catch_up(head, progress)
        moved = [
            p
            for p in self.projectors
            if tidy_after is not None and 0 < self._positions[p.name] - before[p.name] >= tidy_after
        ]
        if moved:
            await self.store.backend.tidy([table for p in moved for table in p.tables])
        return position

    async def _catch_up(self, head: int, progress: Callable[[int], None] | None) -> int:
        if self.store.backend.fold_concurrency > 1 and len(self.projectors) > 1:
            while True:
                try:
                    async with self._applying:
                        await self._catch_up_apart(head, progress)
                    return self.position()
                except _Stale:
                    await self.load_positions()
        # one transaction a page for every projector; the next page is read while this one folds
        ahead: asyncio.Task[list[StoredEvent]] | None = None
        try:
            while self.position() < head:
                events = await (ahead or self.store.read(after=self.position(), limit=PAGE))
                ahead = None
                if not events:
                    break
                if len(events) == PAGE and events[-1].position < head:
                    ahead = asyncio.create_task(self.store.read(after=events[-1].position, limit=PAGE))
                try:
                    await self._apply_page(events)
                except _Stale:
                    await self.load_positions()
                    if ahead is not None:
                        ahead.cancel()
                        ahead = None
                    continue
                if progress is not None:
                    progress(len(events))
        finally:
            if ahead is not None:
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead
        return self.position()

    async def _catch_up_apart(self, head: int, progress: Callable[[int], None] | None) -> None:
        """Each projector folds the pages up to ``head`` at its own pace, in transactions of its
        own (at most ``fold_concurrency`` at once), up to ``AHEAD`` pages before the slowest:
        a page no longer waits for the slowest projector before the next one starts. One
        that fails stops alone; the others fold on; then the failure is raised."""
        behind = [p for p in self.projectors if self._positions[p.name] < head]
        if not behind:
            return
        queues: dict[str, asyncio.Queue[list[StoredEvent] | None]] = {
            p.name: asyncio.Queue(maxsize=AHEAD) for p in behind
        }
        gate = asyncio.Semaphore(self.store.backend.fold_concurrency)
        reported = self.position()

        async def read() -> None:
            after = min(self._positions[p.name] for p in behind)
            failed: Exception | None = None
            try:
                while after < head:
                    events = await self.store.read(after=after, limit=PAGE)
                    if not events:
                        break
                    for queue in queues.values():
                        await queue.put(events)
                    after = events[-1].position
            except Exception as exc:  # the folders end with what they have; then it is raised
                failed = exc
            for queue in queues.values():  # (not when cancelled: nobody would take it)
                await queue.put(None)
            if failed is not None:
                raise failed

        async def fold(projector: Projector) -> None:
            nonlocal reported
            queue = queues[projector.name]
            failure: BaseException | None = None
            while (events := await queue.get()) is not None:
                last = events[-1].position
                if failure is not None or self._positions[projector.name] >= last:
                    continue  # after a failure: only drained, so that the reader never waits on it
                try:
                    async with gate:
                        await self._fold_group([projector], events, last)
                except Exception as exc:
                    failure = exc
                    continue
                self._folded.set()  # readable now
                self._folded = asyncio.Event()
                if progress is not None and (now := self.position()) > reported:
                    progress(now - reported)
                    reported = now
            if failure is not None:
                raise failure

        reader = asyncio.create_task(read())
        try:
            outcomes = await asyncio.gather(*(fold(p) for p in behind), return_exceptions=True)
            await reader  # a failed read is raised
        finally:
            if not reader.done():  # cancelled: the reader may wait on a queue nobody reads
                reader.cancel()
                with contextlib.suppress(BaseException):
                    await reader
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            raise next((f for f in failures if isinstance(f, _Stale)), failures[0])

    async def run(self) -> None:
        """Fold the read models for ever while this process holds the folding lease, and wait
        for it while another process does (a task of the service, or `ledger project`)."""
        backend = self.store.backend
        while True:
            if not await backend.try_fold_lease():
                await asyncio.sleep(LEASE_RETRY)
                continue
            await self.load_positions()
            await self.restore_indexes()
            log.info("folding the read models", position=self.position())
            self.following = True
            try:
                await self.catch_up()
                await self._follow()
            except _LeaseLost:
                log.warning("the folding lease was lost; another process folds now")
            finally:
                self.following = False

    async def restore_indexes(self) -> None:
        """Build the indexes a rebuild that died half-way left dropped (the answers need them);
        for the process that holds the folding lease, before it folds."""
        if rebuilt := await self.store.backend.restore_indexes():
            log.warning("built again the indexes a rebuild had left dropped", indexes=rebuilt)

    async def _follow(self) -> None:
        checked = asyncio.get_running_loop().time()
        while True:
            try:
                async for events in self.store.subscribe_batches(after=self.position(), batch=PAGE):
                    now = asyncio.get_running_loop().time()
                    if now - checked > LEASE_RETRY:
                        if not await self.store.backend.try_fold_lease():
                            raise _LeaseLost()
                        checked = now
                    await self._apply_page(events)
                    if len(events) < PAGE and not self._waiters:
                        # under a stream of small appends, gather them into fewer, larger pages
                        # (unless a reader waits for them: honest reads come first)
                        await asyncio.sleep(FOLLOW_PAUSE)
            except (LedgerError, _LeaseLost):
                raise
            except Exception:
                # the page's transaction rolled back (or another process had folded it): follow
                # again from the stored positions, so that no event is skipped or folded twice
                log.exception("projection failed; retrying", position=self.position())
                await asyncio.sleep(1)
                await self.load_positions()

    async def rebuild(self, names: Sequence[str] = (), progress: Callable[[int], None] | None = None) -> int:
        """Empty the named projections (all by default) and fold the whole log again."""
        known = [p.name for p in self.projectors]
        for name in names:
            if name not in known:
                raise UnknownProjection(name, known)
        await self.load_positions()
        rebuilt = [p for p in self.projectors if not names or p.name in names]
        backend = self.store.backend
        await backend.restore_indexes()  # what an earlier rebuild that died left parked
        for projector in rebuilt:
            async with backend.transaction() as tx:
                await projector.reset(tx)
                await tx.execute("DELETE FROM projection_positions WHERE name = ?", projector.name)
            self._positions[projector.name] = 0
        tables = [table for p in rebuilt for table in p.tables]
        # rows go in faster without the secondary indexes: built again once, after
        parked = await backend.park_indexes(tables, {i for p in rebuilt for i in p.fold_indexes})
        log.info("rebuilding the read models", projections=[p.name for p in rebuilt], indexes_parked=len(parked))
        clock = time.perf_counter
        started = clock()
        try:
            position = await self.catch_up(progress, tidy_after=None)
        finally:
            folded = clock()
            await backend.restore_indexes()
        indexed = clock()
        await backend.tidy(tables)
        log.info(
            "rebuilt the read models",
            position=position,
            fold_s=round(folded - started, 2),
            indexes_s=round(indexed - folded, 2),
            tidy_s=round(clock() - indexed, 2),
        )
        return position
