"""Hazards (隐患) and inspections.

A hazard goes 入库 → 交办 → 整改 → 验收 → 销号 ("查、交、清、验"):

    reported ─assigned─▶ assigned ─rectified─▶ rectified ─verified(ok)─▶ verified ─closed─▶ closed
                                                    ▲   │
                                          rectified │   │ verified(failed)
                                                    │   ▼
                                             verification_failed

A failed verification sends the hazard back to rectification: it may be rectified again,
handed over again (a new responsible and deadline) or have its deadline extended. Listed
supervision (挂牌督办) and progress reports apply to any hazard not yet closed; nothing
applies to a closed one.

立查立改 (枣庄 2021 通知 五: 能立即整改的一律现场整改): a general hazard rectified on the spot,
on the day it was reported, goes ``reported → rectified`` with no hand-over; the
rectification says so (``on_the_spot: true``). An extension of the deadline must be granted
before the deadline passes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.rules import rule
from ledger.domain.state import View
from ledger.domain.units import check_unit_open
from ledger.errors import DomainRefused
from ledger.timeutil import BEIJING

__all__ = ["HAZARD_STATES", "Hazard", "Inspection"]

HAZARD_STATES: Final = (
    "reported",
    "assigned",
    "rectified",
    "verification_failed",
    "verified",
    "closed",
)
#: the states in which a hazard awaits rectification (整改中)
_IN_RECTIFICATION: Final = frozenset({"assigned", "verification_failed"})
#: what each event needs the hazard's state to be, and how a clerk would say so
_ALLOWED_FROM: Final[dict[str, tuple[frozenset[str], str]]] = {
    "hazard.assigned": (
        frozenset({"reported", "verification_failed"}),
        "it can be handed over (交办) only when newly reported or after a failed verification",
    ),
    "hazard.deadline_extended": (
        _IN_RECTIFICATION,
        "only a hazard handed over and awaiting rectification can have its deadline extended",
    ),
    "hazard.rectified": (
        _IN_RECTIFICATION,
        "it must be handed over with a deadline (交办) before it is rectified, "
        'unless it is rectified on the spot (立查立改: "on_the_spot": true)',
    ),
    "hazard.verified": (frozenset({"rectified"}), "only a rectified hazard can be verified (验收)"),
    "hazard.closed": (
        frozenset({"verified"}),
        "only a hazard that passed verification can be closed (销号)",
    ),
}


class Hazard(Entity):
    @event("Reported")
    def __init__(
        self,
        stream: str,
        unit_id: str,
        severity: str,
        description: str,
        source: str,
        occurred_at: str,
        inspection_id: str | None = None,
        found_by: str | None = None,
        category: str | None = None,
        location: str | None = None,
    ) -> None:
        self.stream = stream
        self.unit_id = unit_id
        self.severity = severity
        self.description = description
        self.source = source
        self.inspection_id = inspection_id
        self.found_by = found_by
        self.category = category
        self.location = location
        self.reported_at = occurred_at
        self.state = "reported"
        self.responsible: str | None = None
        self.deadline: str | None = None
        self.deadline_at: datetime | None = None
        self.extensions = 0
        self.supervision_levels: tuple[str, ...] = ()
        self.progress_reports = 0
        self.last_progress_at: str | None = None
        self.rectifications = 0
        self.rectified_on_the_spot = False
        self.verifications: tuple[tuple[str, bool, str], ...] = ()  # (verifier, passed, when)

    # closed (销号), nothing more can be recorded on it: a refusal reads its state, the scope
    # of a post its unit
    kept_when_retired = ("stream", "unit_id", "state")

    def retiring(self) -> bool:
        return self.state == "closed"

    # guards --------------------------------------------------------------------------
    def check_not_closed(self) -> None:
        if self.state == "closed":
            raise DomainRefused(
                "hazard.lifecycle",
                f"hazard {self.entity_id} is closed (销号); nothing more can be recorded on it",
                field="hazard_id",
            )

    def check_transition(self, event_type: str) -> None:
        self.check_not_closed()
        allowed, why = _ALLOWED_FROM[event_type]
        if self.state not in allowed:
            raise DomainRefused(
                "hazard.lifecycle",
                f"hazard {self.entity_id} is {self.state.replace('_', ' ')}: {why}",
                field="hazard_id",
            )

    def check_rectification(self, data: dict[str, Any], at: datetime) -> None:
        """From ``reported`` only on the spot (立查立改); on the spot only from ``reported``."""
        self.check_not_closed()
        if not data.get("on_the_spot"):
            self.check_transition("hazard.rectified")
            return
        problem = None
        if self.state != "reported":
            state = self.state.replace("_", " ")
            problem = f"it is {state}: it was handed over (交办), so it is not rectified on the spot"
        elif self.severity != "general":
            problem = "a major hazard (重大隐患) is rectified under a plan with a deadline, not on the spot"
        elif at.astimezone(BEIJING).date() != to_datetime(self.reported_at).astimezone(BEIJING).date():
            problem = f"it was reported on {self.reported_at}; on the spot (现场整改) means the day it was found"
        if problem:
            raise DomainRefused(
                "hazard.on_the_spot",
                f"hazard {self.entity_id} cannot be rectified on the spot (立查立改): {problem}",
                field="on_the_spot",
            )

    def check_before_deadline(self, at: datetime) -> None:
        if self.deadline_at is None:  # rectified on the spot, then failed verification
            raise DomainRefused(
                "hazard.lifecycle",
                f"hazard {self.entity_id} has no deadline to extend (it was rectified on the spot); "
                "hand it over (交办) with a deadline",
                field="hazard_id",
            )
        if at > self.deadline_at:
            raise DomainRefused(
                "hazard.extension",
                f"the deadline of hazard {self.entity_id} ({self.deadline}) had passed on {at.isoformat()}; "
                "an extension must be granted before the deadline passes (hand it over again instead)",
                field="deadline",
            )

    def check_later_deadline(self, deadline: str) -> None:
        assert self.deadline_at is not None  # every state that allows extension has one
        if to_datetime(deadline) <= self.deadline_at:
            raise DomainRefused(
                "hazard.deadline",
                f"an extension must move the deadline of hazard {self.entity_id} later than "
                f"the current {self.deadline}",
                field="deadline",
            )

    def check_not_listed_at(self, level: str) -> None:
        if level in self.supervision_levels:
            raise DomainRefused(
                "hazard.supervision",
                f"hazard {self.entity_id} is already under {level}-level listed supervision (挂牌督办)",
                field="level",
            )

    # mutators ------------------------------------------------------------------------
    @event("Assigned")
    def _assigned(
        self,
        responsible: str,
        deadline: str,
        assigned_by: str | None = None,
        basis: str | None = None,
    ) -> None:
        self.state = "assigned"
        self.responsible = responsible
        self.deadline = deadline
        self.deadline_at = to_datetime(deadline)

    @event("DeadlineExtended")
    def _deadline_extended(self, deadline: str, approved_by: str, reason: str) -> None:
        self.deadline = deadline
        self.deadline_at = to_datetime(deadline)
        self.extensions += 1

    @event("SupervisionListed")
    def _supervision_listed(self, level: str, supervisor: str, basis: str | None = None) -> None:
        self.supervision_levels = (*self.supervision_levels, level)

    @event("ProgressReported")
    def _progress_reported(self, note: str, occurred_at: str, by: str | None = None) -> None:
        self.progress_reports += 1
        self.last_progress_at = occurred_at

    @event("Rectified")
    def _rectified(
        self, by: str, measures: str, cost_cny: float | None = None, on_the_spot: bool | None = None
    ) -> None:
        self.state = "rectified"
        self.rectifications += 1
        self.rectified_on_the_spot = bool(on_the_spot)

    @event("Verified")
    def _verified(self, verifier: str, passed: bool, note: str, occurred_at: str) -> None:
        self.state = "verified" if passed else "verification_failed"
        self.verifications = (*self.verifications, (verifier, passed, occurred_at))

    @event("Closed")
    def _closed(self, by: str | None = None, note: str | None = None) -> None:
        self.state = "closed"


class Inspection(Entity):
    @event("Conducted")
    def __init__(
        self,
        stream: str,
        unit_id: str,
        kind: str,
        inspectors: list[str],
        result: str,
        occurred_at: str,
        hazard_ids: list[str] | None = None,
        led_by: str | None = None,
    ) -> None:
        self.stream = stream
        self.unit_id = unit_id
        self.kind = kind
        self.inspectors = tuple(inspectors)
        self.result = result
        self.conducted_at = occurred_at
        self.hazard_ids = tuple(hazard_ids or ())
        self.led_by = led_by

    # nothing follows an inspection: a hazard cites it by id, the scope of a post reads its unit
    kept_when_retired = ("stream", "unit_id")

    def retiring(self) -> bool:
        return True


def _hazard(agg: Entity | None) -> Hazard:
    assert isinstance(agg, Hazard)
    return agg


@rule("hazard.reported", Hazard, "__init__")
def _reported(view: View, fact: Fact, agg: Entity | None) -> None:
    check_unit_open(view, fact.data["unit_id"], fact.at, "unit_id")


@rule("hazard.assigned", Hazard, "_assigned")
def _assigned(view: View, fact: Fact, agg: Entity | None) -> None:
    _hazard(agg).check_transition(fact.type)


@rule("hazard.deadline_extended", Hazard, "_deadline_extended")
def _extended(view: View, fact: Fact, agg: Entity | None) -> None:
    hazard = _hazard(agg)
    hazard.check_transition(fact.type)
    hazard.check_before_deadline(fact.at)
    hazard.check_later_deadline(fact.data["deadline"])


@rule("hazard.supervision_listed", Hazard, "_supervision_listed")
def _listed(view: View, fact: Fact, agg: Entity | None) -> None:
    hazard = _hazard(agg)
    hazard.check_not_closed()
    hazard.check_not_listed_at(fact.data["level"])


@rule("hazard.progress_reported", Hazard, "_progress_reported")
def _progress(view: View, fact: Fact, agg: Entity | None) -> None:
    _hazard(agg).check_not_closed()


@rule("hazard.rectified", Hazard, "_rectified")
def _rectified(view: View, fact: Fact, agg: Entity | None) -> None:
    _hazard(agg).check_rectification(fact.data, fact.at)


@rule("hazard.verified", Hazard, "_verified")
def _verified(view: View, fact: Fact, agg: Entity | None) -> None:
    _hazard(agg).check_transition(fact.type)


@rule("hazard.closed", Hazard, "_closed")
def _closed(view: View, fact: Fact, agg: Entity | None) -> None:
    _hazard(agg).check_transition(fact.type)


@rule("inspection.conducted", Inspection, "__init__")
def _inspected(view: View, fact: Fact, agg: Entity | None) -> None:
    check_unit_open(view, fact.data["unit_id"], fact.at, "unit_id")
