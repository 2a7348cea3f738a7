"""The two axes of every read: ``at`` (valid time) and ``known_at`` (transaction time).

``known_at`` becomes a log position P — the last event recorded at or before it, or the
head when it is not given — and every read-model row carries the positions it rests on, so
"what the ledger said then" is the same answer before and after any later, back-dated or
correcting event. ``at`` becomes a UTC key compared with valid-time columns. Every answer
states P and its ``recorded_at`` (SPEC §2): ``AsOf.stated()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.store import Backend
from ledger.timeutil import format_recorded, parse_timestamp, utc_now
from projections.timekeys import as_key

__all__ = ["AsOf", "as_of"]


@dataclass(frozen=True)
class AsOf:
    at: str  # UTC key of valid time
    position: int  # P: the last position known at ``known_at``
    recorded_at: str  # the recorded_at of P ("" for an empty log)
    known_at: str | None = None  # as the caller gave it (None: the head when asked)

    def stated(self) -> dict[str, Any]:
        """How an answer says what it reflects."""
        return {"at": self.at, "known_at": self.known_at, "position": self.position, "recorded_at": self.recorded_at}


async def as_of(backend: Backend, at: str | None = None, known_at: str | None = None) -> AsOf:
    """Resolve the caller's ``at`` / ``known_at`` (RFC 3339 with an offset; default now).

    Raises ValueError (with a clerk-readable reason) for a malformed timestamp."""
    valid = as_key(at) if at is not None else format_recorded(utc_now())
    if known_at is None:
        head = await backend.head()
        return AsOf(valid, head.position, head.recorded_at)
    position = await backend.position_at(format_recorded(parse_timestamp(known_at)))
    recorded = await _recorded_at(backend, position)
    return AsOf(valid, position, recorded, known_at)


async def _recorded_at(backend: Backend, position: int) -> str:
    if position == 0:
        return ""
    rows = await backend.fetch("SELECT recorded_at FROM events WHERE position = ?", position)
    return str(rows[0][0]) if rows else ""
