"""Enforcement: sanctions, illegal sites, exams, evaluations and periodic reports."""

from __future__ import annotations

from projections.enforcement.fold import EnforcementProjector
from projections.enforcement.queries import SANCTION_COLUMNS, sanction_item, sanctions_before, sanctions_of

__all__ = ["SANCTION_COLUMNS", "EnforcementProjector", "sanction_item", "sanctions_before", "sanctions_of"]
