"""Units (单位: divisions, enterprises, departments, work groups) and people.

A unit's ``evaluation.scored`` (季度考评) and a person's ``exam.taken`` (大考试) live on their
streams (SPEC §3), so they are events of these aggregates.

``unit.updated`` and ``person.updated`` take effect at their ``valid_from`` (default their
``occurred_at``; SPEC §4: the tree changes in valid time). The aggregate's attributes are
the state as of now — every known change applied in valid-time order — and it keeps the
changes themselves (``changes``), so that a rule needing the tree of another time (a parent
change must not close a cycle at any time it is in force) can ask ``parent_segments``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.rules import rule
from ledger.domain.schema import PERSONAL
from ledger.domain.state import View
from ledger.errors import DomainRefused

__all__ = ["Change", "Person", "Unit", "check_unit_open"]

#: the unit kinds each evaluation scope ranks (a 开发区 is ranked with the counties)
SCOPE_KINDS: Final = {
    "county": frozenset({"county", "dev_zone"}),
    "township": frozenset({"township"}),
    "department": frozenset({"department"}),
}
#: the personal fields of a person (SPEC §4), sealed in the log and never kept in state
PERSONAL_NAMES: Final = frozenset(PERSONAL)
#: a walk up the administrative tree longer than this is a cycle (the tree is ~6 deep)
MAX_TREE_DEPTH: Final = 64
#: the attributes a unit is registered with, which ``unit.updated`` may change
UNIT_ATTRIBUTES: Final = ("name", "kind", "parent_id", "industry", "above_scale", "risk_level", "address")
PERSON_ATTRIBUTES: Final = ("name", "title", "unit_id")

#: one change in valid time: (valid_from, order of posting, the changed attributes)
Change = tuple[datetime, int, dict[str, Any]]


def _with_change(
    changes: tuple[Change, ...], changed: dict[str, Any], occurred_at: str, valid_from: str | None
) -> tuple[Change, ...]:
    """The changes with one more, kept in valid-time order (posting order breaks ties)."""
    entry = (to_datetime(valid_from or occurred_at), len(changes), dict(changed))
    return tuple(sorted((*changes, entry), key=lambda c: (c[0], c[1])))


def _folded(base: dict[str, Any], changes: tuple[Change, ...]) -> dict[str, Any]:
    """The attributes as of now: the registered ones with every change applied in valid time."""
    current = dict(base)
    for _, _, changed in changes:
        current.update(changed)
    return current


def _before(a: datetime | None, b: datetime | None) -> bool:
    """``a < b`` where None is the beginning of time as a start and the end of time as an end
    (``a`` is always a start, ``b`` always an end)."""
    return a is None or b is None or a < b


class Unit(Entity):
    @event("Registered")
    def __init__(
        self,
        stream: str,
        kind: str,
        name: str,
        parent_id: str | None = None,
        industry: str | None = None,
        above_scale: bool | None = None,
        risk_level: str | None = None,
        address: str | None = None,
    ) -> None:
        self.stream = stream
        self.kind = kind
        self.name = name
        self.parent_id = parent_id
        self.industry = industry
        self.above_scale = above_scale
        self.risk_level = risk_level
        self.address = address
        self.closed_at: datetime | None = None
        self.closed_reason: str | None = None
        # (period, scope, score, rank)
        self.evaluations: tuple[tuple[str, str, float, int | None], ...] = ()
        # the registered attributes (kept from the first update on) and the changes since
        self.registered: dict[str, Any] | None = None
        self.changes: tuple[Change, ...] = ()

    def check_not_closed(self) -> None:
        if self.closed_at is not None:
            raise DomainRefused(
                "unit.lifecycle",
                f"unit {self.entity_id} ({self.name}) was already closed on {self.closed_at.isoformat()}",
                field="unit_id",
            )

    def check_open_at(self, at: datetime, field: str) -> None:
        """A closed unit (关闭取缔) takes no new duty, hazard or inspection after its closure."""
        if self.closed_at is not None and at > self.closed_at:
            raise DomainRefused(
                "unit.closed",
                f"unit {self.entity_id} ({self.name}) was closed on {self.closed_at.isoformat()}"
                f" and takes nothing dated after that ({at.isoformat()})",
                field=field,
            )

    def check_scope(self, scope: str) -> None:
        if self.kind not in SCOPE_KINDS[scope]:
            raise DomainRefused(
                "evaluation.scope",
                f"a {scope} evaluation cannot score unit {self.entity_id}, which is a {self.kind}",
                field="scope",
            )

    def parent_timeline(self) -> list[tuple[datetime | None, str | None]]:
        """(valid from, parent) in valid-time order; the first starts at the beginning of time."""
        base = self.registered["parent_id"] if self.registered is not None else self.parent_id
        timeline: list[tuple[datetime | None, str | None]] = [(None, base)]
        for start, _, changed in self.changes:
            if "parent_id" in changed:
                if timeline[-1][0] == start:
                    timeline[-1] = (start, changed["parent_id"])
                else:
                    timeline.append((start, changed["parent_id"]))
        return timeline

    def parent_segments(
        self, start: datetime | None, end: datetime | None
    ) -> Iterator[tuple[datetime | None, datetime | None, str | None]]:
        """The parents in force during ``[start, end)`` (None: unbounded), with their intervals."""
        timeline = self.parent_timeline()
        for index, (since, parent) in enumerate(timeline):
            until = timeline[index + 1][0] if index + 1 < len(timeline) else None
            low = since if start is None or (since is not None and since > start) else start
            high = until if end is None or (until is not None and until < end) else end
            if _before(low, high):
                yield low, high, parent

    def next_parent_change(self, after: datetime) -> datetime | None:
        """When the parent next changes after ``after`` in valid time (None: never)."""
        return next((t for t, _, c in self.changes if "parent_id" in c and t > after), None)

    @event("Updated")
    def _updated(
        self, changes: dict[str, Any], occurred_at: str, reason: str | None = None, valid_from: str | None = None
    ) -> None:
        if self.registered is None:
            self.registered = {name: getattr(self, name) for name in UNIT_ATTRIBUTES}
        self.changes = _with_change(self.changes, changes, occurred_at, valid_from)
        for name, value in _folded(self.registered, self.changes).items():  # names are limited by the schema
            setattr(self, name, value)

    @event("Closed")
    def _closed(self, reason: str, occurred_at: str, note: str | None = None) -> None:
        self.closed_at = to_datetime(occurred_at)
        self.closed_reason = reason

    @event("Scored")
    def _scored(self, period: str, score: float, scope: str, rank: int | None = None) -> None:
        self.evaluations = (*self.evaluations, (period, scope, score, rank))


class Person(Entity):
    @event("Registered")
    def __init__(self, stream: str, name: str, title: str, unit_id: str) -> None:
        self.stream = stream
        self.name = name
        self.title = title
        self.unit_id = unit_id
        self.departed_at: datetime | None = None
        self.erased_at: datetime | None = None
        # (subject, score, passed, occurred_at)
        self.exams: tuple[tuple[str, float, bool, str], ...] = ()
        self.registered: dict[str, Any] | None = None
        self.changes: tuple[Change, ...] = ()

    def check_not_departed(self) -> None:
        if self.departed_at is not None:
            raise DomainRefused(
                "person.lifecycle",
                f"{self.name} ({self.entity_id}) already departed on {self.departed_at.isoformat()}",
                field="person_id",
            )

    def check_not_erased(self, what: str) -> None:
        """A person erased stays erased: no second erasure, no new personal data (SPEC §4)."""
        if self.erased_at is not None:
            raise DomainRefused(
                "person.erased",
                f"the personal data of {self.name} ({self.entity_id}) was erased on "
                f"{self.erased_at.isoformat()}: {what}",
                field="person_id",
            )

    @event("Updated")
    def _updated(
        self, changes: dict[str, Any], occurred_at: str, reason: str | None = None, valid_from: str | None = None
    ) -> None:
        if self.registered is None:
            self.registered = {name: getattr(self, name) for name in PERSON_ATTRIBUTES}
        # personal data stays sealed in the log, not in state
        kept = {name: value for name, value in changes.items() if name not in PERSONAL_NAMES}
        self.changes = _with_change(self.changes, kept, occurred_at, valid_from)
        for name, value in _folded(self.registered, self.changes).items():
            setattr(self, name, value)

    @event("Erased")
    def _erased(self, occurred_at: str, reason: str) -> None:
        self.erased_at = to_datetime(occurred_at)

    @event("Departed")
    def _departed(self, occurred_at: str, reason: str | None = None) -> None:
        self.departed_at = to_datetime(occurred_at)

    @event("ExamTaken")
    def _exam_taken(self, subject: str, score: float, passed: bool, occurred_at: str) -> None:
        self.exams = (*self.exams, (subject, score, passed, occurred_at))


def check_unit_open(view: View, unit_id: str, at: datetime, field: str) -> None:
    unit = view.get(f"unit:{unit_id}")
    if isinstance(unit, Unit):
        unit.check_open_at(at, field)


def _reaches(
    view: View, node_id: str, unit_id: str, start: datetime | None, end: datetime | None, depth: int = 0
) -> bool:
    """Does the tree lead from ``node_id`` up to ``unit_id`` at any time in ``[start, end)``?
    Each ancestor is followed for the part of the interval its parent is in force."""
    if node_id == unit_id or depth > MAX_TREE_DEPTH:
        return True
    node = view.get(f"unit:{node_id}")
    if not isinstance(node, Unit):
        return False
    return any(
        parent is not None and _reaches(view, parent, unit_id, low, high, depth + 1)
        for low, high, parent in node.parent_segments(start, end)
    )


def _check_no_cycle(view: View, unit: Unit, parent_id: str, start: datetime) -> None:
    """The new parent holds from ``start`` until the unit's next parent change in valid
    time; at no moment of that interval may the unit lie above its new parent."""
    end = unit.next_parent_change(start)
    if _reaches(view, parent_id, unit.entity_id, start, end):
        raise DomainRefused(
            "unit.parent",
            f"unit {parent_id} cannot be the parent of {unit.entity_id} from {start.isoformat()}: "
            f"it lies under {unit.entity_id} in the administrative tree then "
            "(a unit cannot be its own ancestor at any time)",
            field="changes/parent_id",
        )


@rule("unit.registered", Unit, "__init__")
def _unit_registered(view: View, fact: Fact, agg: Entity | None) -> None:
    return None  # the parent's existence is a reference check; duplicates are refused earlier


@rule("unit.updated", Unit, "_updated")
def _unit_updated(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Unit)
    parent_id = fact.data["changes"].get("parent_id")
    if parent_id is not None:
        valid_from = fact.data.get("valid_from")
        _check_no_cycle(view, agg, parent_id, to_datetime(valid_from) if valid_from else fact.at)


@rule("unit.closed", Unit, "_closed")
def _unit_closed(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Unit)
    agg.check_not_closed()


@rule("evaluation.scored", Unit, "_scored")
def _evaluation_scored(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Unit)
    agg.check_scope(fact.data["scope"])


@rule("person.registered", Person, "__init__")
def _person_registered(view: View, fact: Fact, agg: Entity | None) -> None:
    return None


@rule("person.updated", Person, "_updated")
def _person_updated(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Person)
    if PERSONAL_NAMES.intersection(fact.data["changes"]):
        agg.check_not_erased("no new personal data can be recorded")


@rule("person.erased", Person, "_erased")
def _person_erased(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Person)
    agg.check_not_erased("it cannot be erased twice")


@rule("person.departed", Person, "_departed")
def _person_departed(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Person)
    agg.check_not_departed()


@rule("exam.taken", Person, "_exam_taken")
def _exam_taken(view: View, fact: Fact, agg: Entity | None) -> None:
    return None
