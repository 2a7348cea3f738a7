"""The log's Merkle tree, kept in step with the store (RFC 9162; docs/integrity.md).

One ``LogTree`` per process: it reads the hashes of events it has not seen yet and appends
them, so a checkpoint or a proof always covers the log as committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ledger.merkle import MerkleLog, event_leaf_hash
from ledger.store import EventStore

__all__ = ["LogTree"]

PAGE = 5000


class LogTree:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.tree = MerkleLog()
        self._lock = asyncio.Lock()  # one reader extends the tree at a time

    async def sync(self, progress: Callable[[int], None] | None = None) -> int:
        """Append every event committed since the last call; return the tree's size."""
        async with self._lock:
            while True:
                events = await self.store.read(after=self.tree.size, limit=PAGE)
                self.tree.extend(event_leaf_hash(e.hash) for e in events)
                if progress is not None and events:
                    progress(len(events))
                if len(events) < PAGE:
                    return self.tree.size
