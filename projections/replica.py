"""The read models on a PostgreSQL streaming replica (SPEC §12, ``LEDGER_READ_DATABASE_URL``).

The primary takes every write and folds the read models; the replica replays its WAL, the
read models' tables and their ``projection_positions`` rows with it, and answers the reads'
queries. Read-your-writes (SPEC §2) is kept by asking the replica itself: a read of position
P waits until the positions the replica shows have all reached P. The replica replays commits
in the primary's commit order, and the fold of P committed after the events up to P and
after every earlier fold, so once it shows P it holds everything a read of P looks at.

Why positions rather than LSNs: ``pg_last_wal_replay_lsn()`` could be compared with the LSN
of the commit that folded P, but only the process that folded P knows that LSN (it may be
another ``ledger serve``), so it would have to be stored or over-approximated by the
primary's current LSN — one more query on the primary per read. The replica's positions are
the very fact a read needs, cost one small query on the replica, and need nothing from the
primary.

One query at a time, however many readers wait: readers share one poll in flight, and the
last position seen answers every read at or below it at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ledger.store import Backend
from projections.runner import folded_position

__all__ = ["POLL_REPLICA", "Replica"]

#: how often a reader that waits for the replica asks it again
POLL_REPLICA = 0.002


class Replica:
    def __init__(self, backend: Backend, names: Sequence[str]) -> None:
        #: where the read models' queries run
        self.backend = backend
        self.names = list(names)
        self._seen = 0
        self._poll: asyncio.Task[int] | None = None

    def position(self) -> int:
        """The position the replica showed the read models at, when last asked."""
        return self._seen

    async def refresh(self) -> int:
        """Ask the replica how far its read models reach (sharing a question already asked)."""
        if self._poll is None or self._poll.done():
            self._poll = asyncio.create_task(self._ask())
        return await asyncio.shield(self._poll)

    async def _ask(self) -> int:
        self._seen = await folded_position(self.backend, self.names)
        return self._seen

    async def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until the replica shows the read models at ``position``; False when ``timeout`` runs out."""
        if self._seen >= position:
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.refresh() < position:
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(POLL_REPLICA, left))
        return True

    async def lag_bytes(self, primary: Backend) -> int | None:
        """How much WAL the primary has written that the replica has not replayed yet (None:
        the read database replays none — it is no longer a standby)."""
        ((replayed,),) = await self.backend.fetch("SELECT pg_last_wal_replay_lsn()::text")
        if replayed is None:
            return None
        ((behind,),) = await primary.fetch("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ?::text::pg_lsn)", replayed)
        return max(0, int(behind))

    async def close(self) -> None:
        if self._poll is not None and not self._poll.done():
            self._poll.cancel()
        await self.backend.close()
