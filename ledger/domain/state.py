"""The domain state and the two views the rules read and write it through.

``Tables`` is the committed state: every aggregate by stream, and the two cross-entity
indexes the appender keeps caught up with the log head (DESIGN §2): the assignments of
each exclusive role on a target, and which assignment ended which by supersession.

``ReplayView`` writes straight into the tables (replay of events already in the log: no
copies, the fast path). What either commits of an entity whose life is over (a closed
hazard, an inspection) is only what the rules still read of it (``Entity.retiring``).
``DecisionView`` is copy-on-write at aggregate granularity: an aggregate is cloned before a
change and the clone goes into an overlay; every overlay write is journalled, so
``rollback(mark)`` restores the overlay exactly and ``commit`` merges it into the tables.
The committed tables are never touched before commit, which is what lets the appender drop
a failed group with ``abort``.
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

    def __init__(self, tables: Tables, library: bool, retire: bool = True) -> None:
        self.tables = tables
        # apply events through the eventsourcing library's machinery instead of the fast path
        self.library = library
        #: the committed state keeps only what the rules still read of an entity whose life
        #: is over (``Entity.retiring``)
        self.retire = retire
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

    def create(self, m: Mutator, fact: Fact) -> None:
        super().create(m, fact)
        self._settle(fact.stream)

    def update(self, m: Mutator, agg: Entity, fact: Fact) -> None:
        super().update(m, agg, fact)
        self._settle(fact.stream)

    def _settle(self, stream: str) -> None:
        agg = self.tables.aggregates[stream]
        if self.retire and agg.kept_when_retired and agg.retiring():  # the first test is a class's
            self.tables.aggregates[stream] = agg.retired()


class DecisionView(View):
    """Copy-on-write over the committed tables, with a journal for ``rollback``."""

    def __init__(self, tables: Tables, library: bool, retire: bool = True) -> None:
        super().__init__(tables, library, retire)
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
            if table == "aggregates" and self.retire:
                layer = {k: a.retired() if a.kept_when_retired and a.retiring() else a for k, a in layer.items()}
            getattr(self.tables, table).update(layer)
        self.discard()

    def discard(self) -> None:
        for layer in self.overlay.values():
            layer.clear()
        self.journal.clear()
