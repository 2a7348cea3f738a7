"""Accidents: the derived grade (条例 第3条), staged reports, investigations.

The grade is never posted: it follows from deaths, serious injuries and direct economic
loss, each threshold including its lower bound; the worst of the three decides.
"""

from __future__ import annotations

from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact
from ledger.domain.enums import ACCIDENT_REPORT_STAGES
from ledger.domain.rules import rule
from ledger.domain.state import View
from ledger.errors import DomainRefused

__all__ = ["GRADES", "GRADE_LABELS", "Accident", "accident_grade", "grade_label"]

#: from the worst: (grade, deaths ≥, serious injuries ≥, direct loss in CNY ≥)
_THRESHOLDS: Final = (
    ("especially_major", 30, 100, 100_000_000),
    ("major", 10, 50, 50_000_000),
    ("larger", 3, 10, 10_000_000),
)
GRADES: Final = ("general", "larger", "major", "especially_major")
GRADE_LABELS: Final[dict[str, str]] = {
    "especially_major": "特别重大",
    "major": "重大",
    "larger": "较大",
    "general": "一般",
}


def accident_grade(deaths: int, serious_injuries: int, direct_loss_cny: float) -> str:
    """The grade code (``general`` … ``especially_major``) of 条例 (国务院令第493号) 第3条."""
    for grade, min_deaths, min_injuries, min_loss in _THRESHOLDS:
        if deaths >= min_deaths or serious_injuries >= min_injuries or direct_loss_cny >= min_loss:
            return grade
    return "general"


def grade_label(grade: str) -> str:
    """The Chinese label of a grade code (``larger`` → 较大)."""
    return GRADE_LABELS[grade]


class Accident(Entity):
    @event("Occurred")
    def __init__(
        self,
        stream: str,
        unit_id: str,
        deaths: int,
        serious_injuries: int,
        direct_loss_cny: float,
        description: str,
        occurred_at: str,
        illegal_operation: bool | None = None,
        location: str | None = None,
    ) -> None:
        self.stream = stream
        self.unit_id = unit_id
        self.deaths = deaths
        self.serious_injuries = serious_injuries
        self.direct_loss_cny = direct_loss_cny
        self.description = description
        self.occurred_at = occurred_at
        self.illegal_operation = illegal_operation
        self.location = location
        self.grade = accident_grade(deaths, serious_injuries, direct_loss_cny)
        self.stages: tuple[tuple[str, str], ...] = ()  # (stage, reported at)
        self.investigation_level: str | None = None
        self.investigation_elevated = False
        self.investigation_concluded = False
        self.findings: str | None = None
        self.responsible: tuple[dict[str, Any], ...] = ()

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]

    def check_next_stage(self, stage: str) -> None:
        done = [s for s, _ in self.stages]
        if stage in done:
            raise DomainRefused(
                "accident.report_stage",
                f"the {stage} report of accident {self.entity_id} was already made",
                field="stage",
            )
        expected = ACCIDENT_REPORT_STAGES[len(done)]
        if stage != expected:
            raise DomainRefused(
                "accident.report_stage",
                f"reports on accident {self.entity_id} go initial → written → detailed; "
                f"the next one due is the {expected} report, not the {stage} report",
                field="stage",
            )

    def check_can_open(self) -> None:
        if self.investigation_level is not None:
            raise DomainRefused(
                "accident.investigation",
                f"an investigation of accident {self.entity_id} was already opened ({self.investigation_level} level)",
                field="accident_id",
            )

    def check_can_conclude(self) -> None:
        if self.investigation_level is None:
            raise DomainRefused(
                "accident.investigation",
                f"no investigation of accident {self.entity_id} has been opened; open it first",
                field="accident_id",
            )
        if self.investigation_concluded:
            raise DomainRefused(
                "accident.investigation",
                f"the investigation of accident {self.entity_id} was already concluded",
                field="accident_id",
            )

    @event("Reported")
    def _reported(self, stage: str, to_unit: str, by: str, occurred_at: str) -> None:
        self.stages = (*self.stages, (stage, occurred_at))

    @event("InvestigationOpened")
    def _investigation_opened(self, level: str, elevated: bool | None = None, led_by: str | None = None) -> None:
        self.investigation_level = level
        self.investigation_elevated = bool(elevated)

    @event("InvestigationConcluded")
    def _investigation_concluded(self, findings: str, responsible: list[dict[str, Any]]) -> None:
        self.investigation_concluded = True
        self.findings = findings
        self.responsible = tuple(dict(item) for item in responsible)


def _accident(agg: Entity | None) -> Accident:
    assert isinstance(agg, Accident)
    return agg


@rule("accident.occurred", Accident, "__init__")
def _occurred(view: View, fact: Fact, agg: Entity | None) -> None:
    return None  # an accident at a closed unit (illegal production) must still be recorded


@rule("accident.reported", Accident, "_reported")
def _reported(view: View, fact: Fact, agg: Entity | None) -> None:
    _accident(agg).check_next_stage(fact.data["stage"])


@rule("accident.investigation_opened", Accident, "_investigation_opened")
def _opened(view: View, fact: Fact, agg: Entity | None) -> None:
    _accident(agg).check_can_open()


@rule("accident.investigation_concluded", Accident, "_investigation_concluded")
def _concluded(view: View, fact: Fact, agg: Entity | None) -> None:
    _accident(agg).check_can_conclude()
