"""Dashboard figures for a jurisdiction (SPEC §7, §11)."""

from __future__ import annotations

from projections.stats.queries import stats

__all__ = ["stats"]
