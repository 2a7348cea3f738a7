"""The builder's one pass over the log: every hash into the Merkle tree, the events the dossier
cites or that belong to its subject kept, and every registration and update of a unit or a
person indexed (``NameIndex``), so that each name the dossier shows can be backed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dossier.names import NameIndex
from dossier.subject import Subject
from ledger.envelope import StoredEvent
from ledger.errors import LedgerError
from ledger.merkle import MerkleLog, event_leaf_hash
from ledger.store import EventStore
from projections.timekeys import utc_key

__all__ = ["Collected", "collect", "read_positions"]

PAGE = 5000


@dataclass
class Collected:
    tree: MerkleLog
    kept: dict[int, StoredEvent] = field(default_factory=dict)
    names: NameIndex = field(default_factory=NameIndex)


class _Related:
    """Which events belong to the subject itself (its streams and the events that name it),
    decided in one forward pass: a matched assignment, hazard, accident or sanction brings the
    later events of its own stream."""

    def __init__(self, subject: Subject, period: tuple[str, str] | None) -> None:
        self.subject = subject
        self.period = period
        self.streams = {subject.stream}

    def __call__(self, e: StoredEvent) -> bool:
        if e.stream in self.streams:
            return self._in_period(e)
        d, sid, kind = e.data, self.subject.id, self.subject.kind
        if kind == "person":
            hit = (
                sid in (d.get("holder"), d.get("person_id"), d.get("target"), d.get("by"), d.get("led_by"))
                or sid in _list(d.get("inspectors"))
                or any(isinstance(r, dict) and r.get("holder") == sid for r in _list(d.get("responsible")))
            )
        elif kind == "unit":
            hit = sid in (d.get("unit_id"), d.get("target"), d.get("led_by"))
        else:
            return False
        if not hit:
            return False
        if e.type in ("assignment.made", "hazard.reported", "accident.occurred", "sanction.imposed"):
            self.streams.add(e.stream)
        return e.type == "assignment.made" or self._in_period(e)

    def _in_period(self, e: StoredEvent) -> bool:
        if self.period is None or e.type in ("unit.registered", "person.registered"):
            return True
        key = utc_key(e.occurred_at)
        return self.period[0] <= key < self.period[1]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


async def collect(
    store: EventStore,
    subject: Subject,
    cited: set[int],
    period: tuple[str, str] | None,
    position: int,
    head: int,
    progress: Callable[[int], None] | None = None,
) -> Collected:
    """Read the log up to ``head`` once. Events after ``position`` (the moment the dossier
    reflects) go into the tree only."""
    related = _Related(subject, period)
    found = Collected(MerkleLog())
    after = 0
    while after < head:
        page = await store.read(after, min(PAGE, head - after))
        if not page:
            break
        found.tree.extend(_leaves(page))
        for e in page:
            if e.position > position:
                continue
            if e.position in cited or related(e):
                found.kept[e.position] = e
            found.names.add(e)
        after = page[-1].position
        if progress is not None:
            progress(len(page))
    if found.tree.size != head:
        raise LedgerError(f"the log has {found.tree.size} events readable below its head {head}")
    return found


def _leaves(page: Iterable[StoredEvent]) -> Iterable[bytes]:
    return (event_leaf_hash(e.hash) for e in page)


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
