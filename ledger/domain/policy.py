"""Policies: the deadlines and thresholds of SPEC §6 as data, adopted per jurisdiction.

The value types of ``rules`` are declared in ``schema.POLICY_RULES`` (errors there carry
the ``policy.rules`` slug); this module adds what a schema cannot say.
"""

from __future__ import annotations

from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.rules import rule
from ledger.domain.state import View
from ledger.errors import DomainRefused

__all__ = ["DEFAULT_RULES", "Policy"]

#: SPEC §6's defaults, for the projections
DEFAULT_RULES: Final[dict[str, Any]] = {
    "accident_report_minutes": {"initial": 20, "written": 60, "detailed": 120},
    "hazard_progress_days": 15,
    "monthly_report_day": 1,
    "monthly_report_kinds": ["township", "department"],
    "covering_visit_days": 7,
    "principal_inspection_days": 31,
    "illegal_sites_dismissal": {"township": 1, "county": 2},
    "ranking": {"county_warning": 1, "county_statement": 2, "township_interview": 10},
    "elevate_general_accidents": False,
    "major_hazard_requires_suspension": False,
    "veto_grades": ["larger", "major", "especially_major"],
    "repeat_penalties": {"in_180_days": 3, "in_365_days": 4},
    "investigation_report_days": 60,
}


class Policy(Entity):
    @event("Adopted")
    def __init__(
        self,
        stream: str,
        jurisdiction: str,
        rules: dict[str, Any],
        basis: str,
        valid_from: str,
        valid_to: str | None = None,
        name: str | None = None,
    ) -> None:
        self.stream = stream
        self.jurisdiction = jurisdiction
        self.rules = rules
        self.basis = basis
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.name = name


def _check_interval(data: dict[str, Any]) -> None:
    valid_to = data.get("valid_to")
    if valid_to is not None and to_datetime(valid_to) <= to_datetime(data["valid_from"]):
        raise DomainRefused(
            "policy.interval",
            f"a policy must end after it starts: valid_to {valid_to} is not after valid_from {data['valid_from']}",
            field="valid_to",
        )


def _check_minutes(rules: dict[str, Any]) -> None:
    minutes = rules.get("accident_report_minutes")
    if not minutes:
        return
    given = [minutes[s] for s in ("initial", "written", "detailed") if s in minutes]
    if given != sorted(given):
        raise DomainRefused(
            "policy.rules",
            "rules/accident_report_minutes: the initial, written and detailed reports must be due in that order",
            field="rules/accident_report_minutes",
        )


def _check_repeat_penalties(rules: dict[str, Any]) -> None:
    counts = rules.get("repeat_penalties") or {}
    half, year = counts.get("in_180_days"), counts.get("in_365_days")
    if half is not None and year is not None and year < half:
        raise DomainRefused(
            "policy.rules",
            "rules/repeat_penalties: a year cannot need fewer penalties than 180 days",
            field="rules/repeat_penalties",
        )


@rule("policy.adopted", Policy, "__init__")
def _adopted(view: View, fact: Fact, agg: Entity | None) -> None:
    _check_interval(fact.data)
    _check_minutes(fact.data["rules"])
    _check_repeat_penalties(fact.data["rules"])
