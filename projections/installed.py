"""Every projector the ledger runs, in one list (the service, `ledger project`, `ledger rebuild`)."""

from __future__ import annotations

from projections.base import Projector
from projections.enforcement import EnforcementProjector
from projections.hazards import HazardsProjector
from projections.responsibility import ResponsibilityProjector
from projections.units import UnitsProjector

__all__ = ["all_projectors"]


def all_projectors() -> list[Projector]:
    return [UnitsProjector(), EnforcementProjector(), ResponsibilityProjector(), HazardsProjector()]
