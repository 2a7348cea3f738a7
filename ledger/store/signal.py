"""An in-process append signal: a counter, and a way to wait for it to move."""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["AppendSignal"]


class AppendSignal:
    """Bumped on every append this process learns of (its own, or a NOTIFY from PostgreSQL).

    Readers take ``value`` *before* reading and wait for it to move *after*, so an append
    that lands between the two is never slept through.
    """

    def __init__(self) -> None:
        self.value = 0
        self._changed = asyncio.Event()

    def bump(self) -> None:
        self.value += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, seen: int, timeout: float) -> int:
        if self.value == seen:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
        return self.value
