"""Inspections of units and visits of work groups (现场办公), as they happened."""

from __future__ import annotations

from projections.activity.fold import ActivityProjector
from projections.activity.queries import inspections_before, last_visits, led_inspections

__all__ = ["ActivityProjector", "inspections_before", "last_visits", "led_inspections"]
