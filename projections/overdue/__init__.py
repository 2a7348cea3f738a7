"""The overdue list (SPEC §7): every item past its deadline at valid time ``at`` as known at a
position, in a jurisdiction's subtree (in the tree in force at ``at``), each with who answers
for it and the policy — or the national text — it was judged by. Local rules give nothing
where no policy in force sets their key."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ledger.store.sql import SQL
from projections.overdue.accidents import accident_reports
from projections.overdue.common import Ask, name_units
from projections.overdue.duties import covering_visits, periodic_reports, principal_inspections
from projections.overdue.hazards import hazard_progress, hazards
from projections.registry import Within

__all__ = ["KINDS", "overdue"]

KINDS = (
    "hazard",
    "hazard_verification",
    "hazard_progress",
    "accident_report",
    "accident_escalation",
    "periodic_report",
    "covering_visit",
    "principal_inspection",
)


async def overdue(
    db: SQL,
    scope: str | None,
    at: str,
    position: int,
    kinds: Collection[str] | None = None,
    *,
    brief: bool = False,
) -> list[dict[str, Any]]:
    """Every item past its deadline at ``at`` as known at ``position`` in the subtree of
    ``scope`` (everything when None), most overdue first. ``brief``: the same items, to be
    counted — without the parts a count does not need (``Ask``)."""
    wanted = set(KINDS if kinds is None else kinds)
    ask = Ask(db, Within(scope, at, position) if scope is not None else None, at, position, brief)
    items: list[dict[str, Any]] = []
    if wanted & {"hazard", "hazard_verification"}:
        items += await hazards(ask, wanted)
    if "hazard_progress" in wanted:
        items += await hazard_progress(ask)
    if wanted & {"accident_report", "accident_escalation"}:
        items += await accident_reports(ask, wanted)
    if "periodic_report" in wanted:
        items += await periodic_reports(ask)
    if "covering_visit" in wanted:
        items += await covering_visits(ask)
    if "principal_inspection" in wanted:
        items += await principal_inspections(ask)
    items.sort(key=lambda i: (i["deadline"], i["kind"], i["subject"]))
    if not brief:
        await name_units(db, items, at, position)
    return items
