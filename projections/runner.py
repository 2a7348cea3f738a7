"""Runs projectors: catch up, follow the log, rebuild.

Each projector keeps its own tracked position. One loop reads the log a page at a time
(through the store's subscription) and hands each projector the events it folds and has
not seen, in one transaction per projector and page together with its new position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import structlog

from ledger.envelope import StoredEvent
from ledger.errors import LedgerError
from ledger.store import EventStore
from projections.base import Projector

__all__ = ["ProjectionRunner", "UnknownProjection"]

log = structlog.get_logger("ledger.projections")
PAGE = 5000
#: after a short page, how long the follower waits for more (well within SPEC's one second)
FOLLOW_PAUSE = 0.1


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

    # -- folding ---------------------------------------------------------------------------

    async def _apply_page(self, events: list[StoredEvent]) -> None:
        async with self._applying:
            await self._apply_page_locked(events)

    async def _apply_page_locked(self, events: list[StoredEvent]) -> None:
        """One transaction for the page: every projector behind it folds its events, and
        every tracked position advances with them (or none does)."""
        last = events[-1].position
        behind = [p for p in self.projectors if self._positions[p.name] < last]
        if not behind:
            return
        async with self.store.backend.transaction() as tx:
            for projector in behind:
                done = self._positions[projector.name]
                relevant = [e for e in events if e.position > done and e.type in projector.types]
                if relevant:
                    await projector.apply(tx, relevant)
            await tx.executemany(
                "INSERT INTO projection_positions (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                [(projector.name, last) for projector in behind],
            )
        for projector in behind:
            self._positions[projector.name] = last

    async def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Fold everything up to the head as it is now; return that position."""
        if not self._positions:
            await self.load_positions()
        head = (await self.store.head()).position
        while self.position() < head:
            events = await self.store.read(after=self.position(), limit=PAGE)
            if not events:
                break
            await self._apply_page(events)
            if progress is not None:
                progress(len(events))
        return self.position()

    async def run(self) -> None:
        """Catch up, then follow the log for ever (a task of the service, or `ledger project`)."""
        await self.catch_up()
        async for events in self.store.subscribe_batches(after=self.position(), batch=PAGE):
            try:
                await self._apply_page(events)
                if len(events) < PAGE:
                    # under a stream of small appends, gather them into fewer, larger pages
                    await asyncio.sleep(FOLLOW_PAUSE)
            except LedgerError:
                raise
            except Exception:
                log.exception("projection failed; retrying", position=events[0].position)
                await asyncio.sleep(1)
                await self.load_positions()

    async def rebuild(self, names: Sequence[str] = (), progress: Callable[[int], None] | None = None) -> int:
        """Empty the named projections (all by default) and fold the whole log again."""
        known = [p.name for p in self.projectors]
        for name in names:
            if name not in known:
                raise UnknownProjection(name, known)
        await self.load_positions()
        for projector in self.projectors:
            if names and projector.name not in names:
                continue
            async with self.store.backend.transaction() as tx:
                await projector.reset(tx)
                await tx.execute("DELETE FROM projection_positions WHERE name = ?", projector.name)
            self._positions[projector.name] = 0
        return await self.catch_up(progress)
