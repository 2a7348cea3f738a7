"""Accidents: the derived grade (条例 第3条), staged reports, 补报, investigations.

The grade is never posted: it follows from deaths, serious injuries and direct economic
loss, each threshold including its lower bound; the worst of the three decides.

``accident.corrected`` (补报, 条例 第13条) changes the figures from its ``occurred_at`` on, and
the grade is derived again: the aggregate keeps every set of figures with the valid time
it holds from (``figures``), so ``grade_at(t)`` is the grade as the accident stood at ``t``.
``accident.investigation_extended`` (条例 第29条) moves the report's due date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact, to_datetime
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
#: 条例 第13条: 自事故发生之日起30日内，事故造成的伤亡人数发生变化的，应当及时补报
CASUALTY_CORRECTION_DAYS: Final = 30
#: 条例 第29条: the report is due 60 days after the accident; 延长的期限最长不超过60日
REPORT_DAYS: Final = 60
MAX_EXTENSION_DAYS: Final = 60
#: (valid from, deaths, serious injuries, direct loss, grade)
Figures = tuple[str, int, int, float, str]


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
        # the figures and grade in valid time: the first from the accident, one per 补报
        self.figures: tuple[Figures, ...] = ((occurred_at, deaths, serious_injuries, direct_loss_cny, self.grade),)
        self.stages: tuple[tuple[str, str], ...] = ()  # (stage, reported at)
        self.investigation_level: str | None = None
        self.investigation_elevated = False
        self.investigation_concluded = False
        self.extension_days = 0
        self.findings: str | None = None
        self.responsible: tuple[dict[str, Any], ...] = ()

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]

    def grade_at(self, at: datetime) -> str:
        """The grade as the accident stood at ``at`` (the first grade before any 补报)."""
        grade = self.figures[0][4]
        for since, *_, later in self.figures[1:]:
            if to_datetime(since) <= at:
                grade = later
        return grade

    def report_due(self) -> datetime:
        """When the investigation report is due: 60 days after the accident, plus extensions."""
        return to_datetime(self.occurred_at) + timedelta(days=REPORT_DAYS + self.extension_days)

    def check_correction(self, data: dict[str, Any], at: datetime) -> None:
        occurred = to_datetime(self.occurred_at)
        last = to_datetime(self.figures[-1][0])
        if at < last:
            when = "the accident" if len(self.figures) == 1 else "the last correction"
            raise DomainRefused(
                "accident.correction",
                f"a correction of accident {self.entity_id} is dated {at.isoformat()}, before {when} "
                f"({last.isoformat()}); corrections follow one another in valid time",
                field="accident_id",
            )
        _, deaths, injuries, loss, _ = self.figures[-1]
        new = (data.get("deaths", deaths), data.get("serious_injuries", injuries), data.get("direct_loss_cny", loss))
        if new == (deaths, injuries, loss):
            raise DomainRefused(
                "accident.correction",
                f"this correction changes none of the figures of accident {self.entity_id} "
                f"({deaths} deaths, {injuries} serious injuries, {loss} CNY)",
                field="reason",
            )
        late = at > occurred + timedelta(days=CASUALTY_CORRECTION_DAYS)
        if late and (new[0], new[1]) != (deaths, injuries):
            raise DomainRefused(
                "accident.correction",
                f"casualties of accident {self.entity_id} can be corrected (补报) only for changes within "
                f"{CASUALTY_CORRECTION_DAYS} days of it (条例 第13条), not on {at.isoformat()}",
                field="deaths" if new[0] != deaths else "serious_injuries",
            )

    def check_can_extend(self, days: int, at: datetime) -> None:
        self.check_can_conclude()
        if self.extension_days + days > MAX_EXTENSION_DAYS:
            raise DomainRefused(
                "accident.investigation_extension",
                f"the investigation report of accident {self.entity_id} may be extended by at most "
                f"{MAX_EXTENSION_DAYS} days in all (条例 第29条); {self.extension_days} already granted",
                field="days",
            )
        due = self.report_due()
        if at > due:
            raise DomainRefused(
                "accident.investigation_extension",
                f"the investigation report of accident {self.entity_id} was due on {due.isoformat()}; "
                "an extension must be approved before the report is due",
                field="accident_id",
            )

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

    @event("Corrected")
    def _corrected(
        self,
        reason: str,
        occurred_at: str,
        deaths: int | None = None,
        serious_injuries: int | None = None,
        direct_loss_cny: float | None = None,
    ) -> None:
        if deaths is not None:
            self.deaths = deaths
        if serious_injuries is not None:
            self.serious_injuries = serious_injuries
        if direct_loss_cny is not None:
            self.direct_loss_cny = direct_loss_cny
        self.grade = accident_grade(self.deaths, self.serious_injuries, self.direct_loss_cny)
        figures = (occurred_at, self.deaths, self.serious_injuries, self.direct_loss_cny, self.grade)
        self.figures = (*self.figures, figures)

    @event("InvestigationExtended")
    def _investigation_extended(self, days: int, approved_by: str, reason: str | None = None) -> None:
        self.extension_days += days

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


@rule("accident.corrected", Accident, "_corrected")
def _corrected(view: View, fact: Fact, agg: Entity | None) -> None:
    _accident(agg).check_correction(fact.data, fact.at)


@rule("accident.investigation_extended", Accident, "_investigation_extended")
def _extended(view: View, fact: Fact, agg: Entity | None) -> None:
    _accident(agg).check_can_extend(fact.data["days"], fact.at)


@rule("accident.investigation_opened", Accident, "_investigation_opened")
def _opened(view: View, fact: Fact, agg: Entity | None) -> None:
    _accident(agg).check_can_open()


@rule("accident.investigation_concluded", Accident, "_investigation_concluded")
def _concluded(view: View, fact: Fact, agg: Entity | None) -> None:
    _accident(agg).check_can_conclude()
