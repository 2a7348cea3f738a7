"""What the builder reads from the log: the events the dossier cites or that belong to its
subject, and every registration and update of a unit or a person (``NameIndex``), so that each
name the dossier shows can be backed. (Proofs come from the log's Merkle tiles.)

Only what is needed is decoded: the names their four event types, and the subject's own events
come from its streams (an accident, a hazard) or from the events whose data mention it (a
person, a unit), then the streams those bring in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.names import BACKING_TYPES, NameIndex
from dossier.subject import Subject
from ledger.envelope import StoredEvent
from ledger.store import EventStore
from ledger.store.rows import SELECT_COLUMNS, event_from_record
from projections.timekeys import utc_key

__all__ = ["Collected", "collect", "read_positions"]

PAGE = 5000
HASH_PAGE = 50_000
#: the events that, naming the subject, bring the rest of their stream into the dossier
_OPENING = ("assignment.made", "hazard.reported", "accident.occurred", "sanction.imposed")


@dataclass
class Collected:
    kept: dict[int, StoredEvent] = field(default_factory=dict)
    names: NameIndex = field(default_factory=NameIndex)


async def collect(
    store: EventStore,
    subject: Subject,
    cited: set[int],
    period: tuple[str, str] | None,
    position: int,
    head: int,
    progress: Callable[[int], None] | None = None,
) -> Collected:
    """The events the dossier rests on, up to ``position`` (the moment it reflects)."""
    found = Collected()
    for event in await _typed(store, tuple(BACKING_TYPES), position):
        found.names.add(event)
    for event in await _related(store, subject, period, position):
        found.kept[event.position] = event
    for event in await read_positions(store, cited - found.kept.keys()):
        found.kept[event.position] = event
    return found


async def _typed(store: EventStore, types: Sequence[str], position: int) -> list[StoredEvent]:
    events: list[StoredEvent] = []
    after = 0
    while True:
        page = [e for e in await store.read(after, PAGE, None, types) if e.position <= position]
        events.extend(page)
        if len(page) < PAGE:
            return events
        after = page[-1].position


async def _related(
    store: EventStore, subject: Subject, period: tuple[str, str] | None, position: int
) -> list[StoredEvent]:
    """The subject's own stream; for a person or a unit also every event that names it and
    the later events of the assignments, hazards, accidents and sanctions those open."""
    own = [e for e in await store.read_stream(subject.stream) if e.position <= position]
    if subject.kind not in ("person", "unit"):
        return own
    related = _Related(subject, period)
    out = [e for e in own if related.in_period(e)]
    opened: dict[str, int] = {}
    for event in await _mentioning(store, subject.id, position):
        if event.stream == subject.stream or not related.mentions(event):
            continue
        if event.type in _OPENING:  # even outside the period: its later events may lie inside
            opened.setdefault(event.stream, event.position)
        if event.type == "assignment.made" or related.in_period(event):
            out.append(event)
    for stream, since in opened.items():
        out += [e for e in await store.read_stream(stream) if since < e.position <= position and related.in_period(e)]
    return out


async def _mentioning(store: EventStore, entity: str, position: int) -> list[StoredEvent]:
    """Events whose data hold ``entity`` as a JSON string (a superset: ``_`` matches any one
    character in LIKE, and stands for a ``%`` of the id; ``_Related`` decides exactly)."""
    pattern = '%"' + entity.replace("%", "_") + '"%'
    rows = await store.backend.fetch(
        f"SELECT {SELECT_COLUMNS} FROM events WHERE position <= ? AND data LIKE ? ORDER BY position",
        position,
        pattern,
    )
    return [event_from_record(r) for r in rows]


class _Related:
    """Whether an event that mentions a person or a unit is about them."""

    def __init__(self, subject: Subject, period: tuple[str, str] | None) -> None:
        self.subject = subject
        self.period = period

    def mentions(self, e: StoredEvent) -> bool:
        d, sid = e.data, self.subject.id
        if self.subject.kind == "person":
            return (
                sid in (d.get("holder"), d.get("person_id"), d.get("target"), d.get("by"), d.get("led_by"))
                or sid in _list(d.get("inspectors"))
                or any(isinstance(r, dict) and r.get("holder") == sid for r in _list(d.get("responsible")))
            )
        return sid in (d.get("unit_id"), d.get("target"), d.get("led_by"))

    def in_period(self, e: StoredEvent) -> bool:
        if self.period is None or e.type in ("unit.registered", "person.registered"):
            return True
        key = utc_key(e.occurred_at)
        return self.period[0] <= key < self.period[1]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


async def read_positions(store: EventStore, positions: Iterable[int]) -> list[StoredEvent]:
    """The events at ``positions``, reading each run of consecutive positions at once."""
    wanted = sorted(set(positions))
    out: list[StoredEvent] = []
    i = 0
    while i < len(wanted):
        j = i
        while j + 1 < len(wanted) and wanted[j + 1] == wanted[j] + 1 and j - i < PAGE - 1:
            j += 1
        out.extend(await store.read(wanted[i] - 1, j - i + 1))
        i = j + 1
    return out
