"""The duty read model: assignments in valid and transaction time, and who held what."""

from __future__ import annotations

from projections.duty.fold import DutyProjector
from projections.duty.queries import (
    EXCLUSIVE_ROLES,
    GROUP_ROLES,
    REQUIRED_ROLES,
    held_by,
    holders_at,
    holders_of,
    responsibility,
    timeline,
)

__all__ = [
    "EXCLUSIVE_ROLES",
    "GROUP_ROLES",
    "REQUIRED_ROLES",
    "DutyProjector",
    "held_by",
    "holders_at",
    "holders_of",
    "responsibility",
    "timeline",
]
