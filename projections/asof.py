"""The two axes of every read: ``at`` (valid time) and ``known_at`` (transaction time).

``known_at`` becomes a log position — the last event recorded at or before it — and every
read-model row carries the position of the event it rests on, so "what the ledger said
then" is ``position <= P``: the same answer before and after any later, back-dated or
correcting event. ``at`` becomes a UTC key compared with valid-time columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.store import Backend
from ledger.timeutil import format_recorded, parse_timestamp, utc_now
from projections.timekeys import utc_key

__all__ = ["AsOf", "as_of"]


@dataclass(frozen=True)
class AsOf:
    at: str  # UTC key of valid time
    position: int  # the last position known at ``known_at``
    at_text: str  # as the caller wrote it (or now), for answers
    known_at_text: str


async def as_of(backend: Backend, at: str | None = None, known_at: str | None = None) -> AsOf:
    """Resolve the caller's ``at`` / ``known_at`` (RFC 3339 with offset; default now).

    Raises ValueError (with a clerk-readable reason) for a malformed timestamp."""
    now = utc_now().isoformat()
    at_text = at or now
    known_text = known_at or now
    valid = utc_key(at_text)
    if known_at is None:
        position = (await backend.head()).position
    else:
        position = await backend.position_at(format_recorded(parse_timestamp(known_at)))
    return AsOf(valid, position, at_text, known_text)
