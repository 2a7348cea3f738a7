"""The hazard ledger (隐患台账): hazards and their transitions, and the questions asked of them."""

from __future__ import annotations

from projections.hazards.fold import HazardsProjector
from projections.hazards.queries import (
    AWAITING_RECTIFICATION,
    OVERDUE_SQL,
    OVERDUE_STATES,
    UnknownHazard,
    Which,
    hazard,
    hazard_events,
    hazard_ledger,
    hazards_at,
    latest,
)

__all__ = [
    "AWAITING_RECTIFICATION",
    "OVERDUE_SQL",
    "OVERDUE_STATES",
    "HazardsProjector",
    "UnknownHazard",
    "Which",
    "hazard",
    "hazard_events",
    "hazard_ledger",
    "hazards_at",
    "latest",
]
