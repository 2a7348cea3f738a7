"""Every projector the ledger runs, in one list (the service, `ledger project`, `ledger rebuild`).

Each owns its tables and folds the event types it declares; none reads another's tables
while folding, so they could fold in parallel.
"""

from __future__ import annotations

from projections.accidents import AccidentsProjector
from projections.activity import ActivityProjector
from projections.base import Projector
from projections.duty import DutyProjector
from projections.enforcement import EnforcementProjector
from projections.hazards import HazardsProjector
from projections.registry import RegistryProjector

__all__ = ["all_projectors"]


def all_projectors() -> list[Projector]:
    return [
        RegistryProjector(),
        DutyProjector(),
        HazardsProjector(),
        ActivityProjector(),
        AccidentsProjector(),
        EnforcementProjector(),
    ]
