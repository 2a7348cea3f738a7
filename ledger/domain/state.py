"""The domain state and the two views the rules read and write it through.

``Tables`` is the committed state: every aggregate by stream, and the two cross-entity
indexes the appender keeps caught up with the log head (DESIGN §2): the assignments of
each exclusive role on a target, and which assignment ended which by supersession.

``ReplayView`` writes straight into the tables (replay of events already in the log: no
copies, the fast path). ``DecisionView`` is copy-on-write at aggregate granularity: an
aggregate is cloned before a change and the clone goes into an overlay; every overlay
write is journalled, so ``rollback(mark)`` restores the overlay exactly and ``commit``
merges it into the tables. The committed tables are never touched before commit, which is
what lets the appender drop a failed group with ``abort``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from ledger.domain.base import (
    Entity,
    Fact,
    Mutator,
    apply_fast,
    apply_library,
    clone,
    create_fast,
    create_library,
)

__all__ = ["DecisionView", "ReplayView", "Supersession", "Tables", "View"]

ExclusiveKey = tuple[str, str]  # (role, target unit id)
Supersession = tuple[str, datetime]  # (the assignment that ended it, when)

_MISSING: Final = object()


class Tables:
    """The committed state."""

    def __init__(self) -> None:
        self.aggregates: dict[str, Entity] = {}
        self.exclusive: dict[ExclusiveKey, tuple[str, ...]] = {}
        self.superseded: dict[str, Supersession] = {}


class View:
    """What a rule may read and write; both views share this interface."""

    def __init__(self, tables: Tables, library: bool) -> None:
        self.tables = tables
        # apply events through the eventsourcing library's machinery instead of the fast path
        self.library = library
        self._create: Callable[[Mutator, Fact], Entity] = create_library if library else create_fast
        self._apply: Callable[[Mutator, Entity, Fact], None] = apply_library if library else apply_fast

    # reads ---------------------------------------------------------------------------
    def get(self, stream: str) -> Entity | None:
        return self.tables.aggregates.get(stream)

    def exclusive(self, key: ExclusiveKey) -> tuple[str, ...]:
        return self.tables.exclusive.get(key, ())

    def superseded(self, assignment_id: str) -> Supersession | None:
        return self.tables.superseded.get(assignment_id)

    # writes --------------------------------------------------------------------------
    def create(self, m: Mutator, fact: Fact) -> None:
        self._put("aggregates", fact.stream, self._create(m, fact))

    def update(self, m: Mutator, agg: Entity, fact: Fact) -> None:
        self._apply(m, agg, fact)

    def add_exclusive(self, key: ExclusiveKey, assignment_id: str) -> None:
        self._put("exclusive", key, (*self.exclusive(key), assignment_id))

    def set_superseded(self, assignment_id: str, value: Supersession) -> None:
        self._put("superseded", assignment_id, value)

    def _put(self, table: str, key: Any, value: Any) -> None:
        getattr(self.tables, table)[key] = value


class ReplayView(View):
    """Writes into the committed tables in place."""


class DecisionView(View):
    """Copy-on-write over the committed tables, with a journal for ``rollback``."""

    def __init__(self, tables: Tables, library: bool) -> None:
        super().__init__(tables, library)
        self.overlay: dict[str, dict[Any, Any]] = {
            "aggregates": {},
            "exclusive": {},
            "superseded": {},
        }
        # (table, key, the overlay's previous value or _MISSING), newest last
        self.journal: list[tuple[str, Any, Any]] = []

    def get(self, stream: str) -> Entity | None:
        found = self.overlay["aggregates"].get(stream, _MISSING)
        return self.tables.aggregates.get(stream) if found is _MISSING else found

    def exclusive(self, key: ExclusiveKey) -> tuple[str, ...]:
        found = self.overlay["exclusive"].get(key, _MISSING)
        return self.tables.exclusive.get(key, ()) if found is _MISSING else found

    def superseded(self, assignment_id: str) -> Supersession | None:
        found = self.overlay["superseded"].get(assignment_id, _MISSING)
        if found is _MISSING:
            return self.tables.superseded.get(assignment_id)
        return found  # type: ignore[no-any-return]

    def update(self, m: Mutator, agg: Entity, fact: Fact) -> None:
        # Always clone, even an aggregate already in the overlay: the version it replaces
        # may be what an earlier mark rolls back to.
        copy = clone(agg)
        self._apply(m, copy, fact)
        self._put("aggregates", fact.stream, copy)

    def _put(self, table: str, key: Any, value: Any) -> None:
        layer = self.overlay[table]
        self.journal.append((table, key, layer.get(key, _MISSING)))
        layer[key] = value

    def mark(self) -> int:
        return len(self.journal)

    def rollback(self, mark: int) -> None:
        journal = self.journal
        while len(journal) > mark:
            table, key, previous = journal.pop()
            if previous is _MISSING:
                del self.overlay[table][key]
            else:
                self.overlay[table][key] = previous

    def merge(self) -> None:
        """Make the overlay the committed state (the group is durably in the log)."""
        for table, layer in self.overlay.items():
            getattr(self.tables, table).update(layer)
        self.discard()

    def discard(self) -> None:
        for layer in self.overlay.values():
            layer.clear()
        self.journal.clear()
