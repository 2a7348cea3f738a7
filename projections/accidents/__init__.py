"""Accidents: figures and grade in valid time, reports and their escalation, investigations."""

from __future__ import annotations

from projections.accidents.fold import AccidentsProjector
from projections.accidents.queries import (
    ESCALATION_TOP,
    LEVELS,
    REQUIRED_LEVEL,
    STAGES,
    accident,
    accident_rows,
    accident_steps,
    escalation,
    investigation,
    report_moments,
    report_stages,
    unit_levels,
)

__all__ = [
    "ESCALATION_TOP",
    "LEVELS",
    "REQUIRED_LEVEL",
    "STAGES",
    "AccidentsProjector",
    "accident",
    "accident_rows",
    "accident_steps",
    "escalation",
    "investigation",
    "report_moments",
    "report_stages",
    "unit_levels",
]
