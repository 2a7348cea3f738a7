"""Units (单位: divisions, enterprises, departments, work groups) and people.

A unit's ``evaluation.scored`` (季度考评) and a person's ``exam.taken`` (大考试) live on their
streams (SPEC §3), so they are events of these aggregates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.rules import rule
from ledger.domain.schema import PERSONAL
from ledger.domain.state import View
from ledger.errors import DomainRefused

__all__ = ["Person", "Unit", "check_unit_open"]

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

    @event("Updated")
    def _updated(self, changes: dict[str, Any], reason: str | None = None) -> None:
        for name, value in changes.items():  # names are limited by the schema
            setattr(self, name, value)

    @event("Closed")
    def _closed(self, reason: str, occurred_at: str) -> None:
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
    def _updated(self, changes: dict[str, Any], reason: str | None = None) -> None:
        for name, value in changes.items():
            if name not in PERSONAL_NAMES:  # personal data stays sealed in the log, not in state
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


def _check_no_cycle(view: View, unit_id: str, parent_id: str) -> None:
    current: str | None = parent_id
    for _ in range(MAX_TREE_DEPTH):
        if current is None:
            return
        if current == unit_id:
            break
        parent = view.get(f"unit:{current}")
        current = parent.parent_id if isinstance(parent, Unit) else None
    raise DomainRefused(
        "unit.parent",
        f"unit {parent_id} cannot be the parent of {unit_id}: it lies under {unit_id} "
        "in the administrative tree (a unit cannot be its own ancestor)",
        field="changes/parent_id",
    )


@rule("unit.registered", Unit, "__init__")
def _unit_registered(view: View, fact: Fact, agg: Entity | None) -> None:
    return None  # the parent's existence is a reference check; duplicates are refused earlier


@rule("unit.updated", Unit, "_updated")
def _unit_updated(view: View, fact: Fact, agg: Entity | None) -> None:
    parent_id = fact.data["changes"].get("parent_id")
    if parent_id is not None:
        _check_no_cycle(view, fact.entity_id, parent_id)


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
