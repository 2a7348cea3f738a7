"""Assignments: who held which duty on which unit, when (the heart of the ledger).

An assignment's valid interval is half-open, ``[valid_from, valid_to)``; no ``valid_to``
means "until further notice". The exclusive roles — 主要负责人 ``principal``, 属地管理责任人
``territorial``, 行业监管责任人 ``industry_supervisor`` — have one holder per target at any
valid time (industry supervisors one per industry; one posted without an industry answers
for every industry of the target and so clashes with all of them).

A hand-over is posted in one of two ways: ``assignment.ended`` for the earlier holder
(in the same batch, if you like) and ``assignment.made`` for the new one; or
``assignment.made`` with ``supersedes: <earlier assignment_id>``, which ends the earlier
assignment at the new one's ``valid_from``. The supersession is kept in the domain's
index (and read by projections from the ``supersedes`` field), not as an event of the
earlier stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace as _replace
from datetime import datetime
from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.enums import EXCLUSIVE_ROLES
from ledger.domain.rules import rule
from ledger.domain.state import View
from ledger.domain.units import Person, Unit
from ledger.errors import DomainRefused

__all__ = ["UNCHANGED", "Assignment", "Tenure"]

#: a correction's default for a field it leaves as it was (``valid_to: null`` means "no end")
UNCHANGED: Final = "(unchanged)"


class Assignment(Entity):
    @event("Made")
    def __init__(
        self,
        stream: str,
        role: str,
        holder: str,
        target: str,
        valid_from: str,
        valid_to: str | None = None,
        basis: str | None = None,
        industry: str | None = None,
        supersedes: str | None = None,
        note: str | None = None,
    ) -> None:
        self.stream = stream
        self.role = role
        self.holder = holder
        self.target = target
        self.industry = industry
        self.basis = basis
        self.supersedes = supersedes
        self.valid_from = valid_from
        self.from_at = to_datetime(valid_from)
        self.valid_to = valid_to
        self.to_at = to_datetime(valid_to) if valid_to is not None else None
        self.ended = False
        self.corrections = 0

    def check_not_ended(self, view: View) -> None:
        superseded = view.superseded(self.entity_id)
        if superseded is not None:
            raise DomainRefused(
                "assignment.lifecycle",
                f"assignment {self.entity_id} was already ended: assignment {superseded[0]} "
                f"superseded it from {superseded[1].isoformat()}",
                field="assignment_id",
            )
        if self.ended:
            raise DomainRefused(
                "assignment.lifecycle",
                f"assignment {self.entity_id} was already ended on {self.valid_to}",
                field="assignment_id",
            )

    @event("Ended")
    def _ended(self, valid_to: str, reason: str | None = None) -> None:
        self.valid_to = valid_to
        self.to_at = to_datetime(valid_to)
        self.ended = True

    @event("Corrected")
    def _corrected(
        self,
        reason: str,
        valid_from: str = UNCHANGED,
        valid_to: str | None = UNCHANGED,
        holder: str = UNCHANGED,
    ) -> None:
        if valid_from != UNCHANGED:
            self.valid_from = valid_from
            self.from_at = to_datetime(valid_from)
        if valid_to != UNCHANGED:
            self.valid_to = valid_to
            self.to_at = to_datetime(valid_to) if valid_to is not None else None
            self.ended = self.ended and valid_to is not None
        if holder != UNCHANGED:
            self.holder = holder
        self.corrections += 1


@dataclass(frozen=True, slots=True)
class Tenure:
    """An assignment's holder and interval as a post would leave them."""

    assignment_id: str
    role: str
    target: str
    industry: str | None
    holder: str
    start: datetime
    end: datetime | None

    @classmethod
    def of(cls, view: View, agg: Assignment) -> Tenure:
        end = agg.to_at
        superseded = view.superseded(agg.entity_id)
        if superseded is not None and (end is None or superseded[1] < end):
            end = superseded[1]
        return cls(agg.entity_id, agg.role, agg.target, agg.industry, agg.holder, agg.from_at, end)

    def overlaps(self, other: Tenure) -> bool:
        return (other.end is None or self.start < other.end) and (self.end is None or other.start < self.end)

    def same_duty(self, other: Tenure) -> bool:
        """Both answer for the same exclusive duty (for industry supervision, the same industry)."""
        if self.role != other.role or self.target != other.target:
            return False
        if self.role != "industry_supervisor":
            return True
        return self.industry is None or other.industry is None or self.industry == other.industry


def _text(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else "no end"


def _check_interval(tenure: Tenure, field: str) -> None:
    if tenure.end is not None and tenure.end <= tenure.start:
        raise DomainRefused(
            "assignment.interval",
            f"assignment {tenure.assignment_id} must end after it starts: valid_to "
            f"{_text(tenure.end)} is not after valid_from {tenure.start.isoformat()}",
            field=field,
        )


def _check_exclusive(view: View, tenure: Tenure, field: str, skip: str | None = None) -> None:
    if tenure.role not in EXCLUSIVE_ROLES:
        return
    for other_id in view.exclusive((tenure.role, tenure.target)):
        if other_id in (tenure.assignment_id, skip):
            continue
        other = view.get(f"assignment:{other_id}")
        assert isinstance(other, Assignment)
        theirs = Tenure.of(view, other)
        if tenure.same_duty(theirs) and tenure.overlaps(theirs):
            raise DomainRefused(
                "assignment.exclusive",
                f"only one {tenure.role} of unit {tenure.target} at a time: this overlaps "
                f"assignment {other_id} held by {theirs.holder} from {theirs.start.isoformat()} "
                f"to {_text(theirs.end)}. End it first (assignment.ended) or post "
                f'"supersedes": "{other_id}"',
                field=field,
            )


def _check_holder(view: View, holder: str, start: datetime, field: str) -> None:
    person = view.get(f"person:{holder}")
    departed = person.departed_at if isinstance(person, Person) else None
    if departed is not None and departed <= start:
        raise DomainRefused(
            "assignment.holder",
            f"{holder} departed on {departed.isoformat()} and cannot take a duty from {start.isoformat()}",
            field=field,
        )


def _check_target_open(view: View, fact: Fact, start: datetime) -> None:
    target = view.get(f"unit:{fact.data['target']}")
    if isinstance(target, Unit):
        target.check_open_at(fact.at, "target")
        target.check_open_at(start, "valid_from")


def _check_supersedes(view: View, tenure: Tenure, earlier_id: str) -> None:
    earlier = view.get(f"assignment:{earlier_id}")
    assert isinstance(earlier, Assignment)  # its existence is a reference check
    theirs = Tenure.of(view, earlier)
    problem = None
    if theirs.role != tenure.role or theirs.target != tenure.target:
        problem = f"it is the {theirs.role} of {theirs.target}, not the {tenure.role} of {tenure.target}"
    elif not tenure.same_duty(theirs):
        problem = f"it covers industry {theirs.industry}, not {tenure.industry}"
    elif view.superseded(earlier_id) is not None:
        problem = "it was already superseded"
    elif theirs.start >= tenure.start:
        problem = f"it starts ({theirs.start.isoformat()}) no earlier than this one"
    elif theirs.end is not None and theirs.end <= tenure.start:
        problem = f"it already ended on {theirs.end.isoformat()}"
    if problem:
        raise DomainRefused(
            "assignment.supersedes",
            f"this assignment cannot supersede assignment {earlier_id}: {problem}",
            field="supersedes",
        )


def _new_tenure(fact: Fact) -> Tenure:
    data = fact.data
    valid_to = data.get("valid_to")
    return Tenure(
        fact.entity_id,
        data["role"],
        data["target"],
        data.get("industry"),
        data["holder"],
        to_datetime(data["valid_from"]),
        to_datetime(valid_to) if valid_to is not None else None,
    )


def _after_made(view: View, fact: Fact) -> None:
    data = fact.data
    if data["role"] in EXCLUSIVE_ROLES:
        view.add_exclusive((data["role"], data["target"]), fact.entity_id)
    earlier = data.get("supersedes")
    if earlier is not None:
        view.set_superseded(earlier, (fact.entity_id, to_datetime(data["valid_from"])))


@rule("assignment.made", Assignment, "__init__", after=_after_made)
def _made(view: View, fact: Fact, agg: Entity | None) -> None:
    tenure = _new_tenure(fact)
    _check_interval(tenure, "valid_to")
    _check_target_open(view, fact, tenure.start)
    _check_holder(view, tenure.holder, tenure.start, "holder")
    earlier = fact.data.get("supersedes")
    if earlier is not None:
        _check_supersedes(view, tenure, earlier)
    _check_exclusive(view, tenure, "valid_from", skip=earlier)


@rule("assignment.ended", Assignment, "_ended")
def _ended(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Assignment)
    agg.check_not_ended(view)
    current = Tenure.of(view, agg)
    tenure = _replace(current, end=to_datetime(fact.data["valid_to"]))
    _check_interval(tenure, "valid_to")
    _check_exclusive(view, tenure, "valid_to")


@rule("assignment.corrected", Assignment, "_corrected")
def _corrected(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Assignment)
    data = fact.data
    if not {"valid_from", "valid_to", "holder"} & data.keys():
        raise DomainRefused(
            "assignment.correction",
            "a correction must change at least one of valid_from, valid_to or holder",
            field="reason",
        )
    tenure = _corrected_tenure(view, agg, data)
    field = next(f for f in ("valid_from", "valid_to", "holder") if f in data)
    _check_interval(tenure, field)
    if "holder" in data:
        _check_holder(view, tenure.holder, tenure.start, "holder")
    if agg.supersedes is not None:
        _check_supersedes_kept(view, agg.supersedes, tenure)
    _check_exclusive(view, tenure, field)


def _corrected_tenure(view: View, agg: Assignment, data: dict[str, Any]) -> Tenure:
    current = Tenure.of(view, agg)
    start = to_datetime(data["valid_from"]) if "valid_from" in data else current.start
    end = current.end
    if "valid_to" in data:
        end = to_datetime(data["valid_to"]) if data["valid_to"] is not None else None
        superseded = view.superseded(agg.entity_id)
        if superseded is not None and (end is None or superseded[1] < end):
            end = superseded[1]  # a supersession still ends it
    holder = data.get("holder", current.holder)
    return _replace(current, start=start, end=end, holder=holder)


def _check_supersedes_kept(view: View, earlier_id: str, tenure: Tenure) -> None:
    earlier = view.get(f"assignment:{earlier_id}")
    assert isinstance(earlier, Assignment)
    if tenure.start <= earlier.from_at:
        raise DomainRefused(
            "assignment.supersedes",
            f"assignment {tenure.assignment_id} superseded assignment {earlier_id}, which starts "
            f"{earlier.from_at.isoformat()}; it cannot be corrected to start no later than that",
            field="valid_from",
        )
