"""What the dashboard's 总览 shows of a unit and of each unit below it: its enterprises by
risk colour (红橙黄蓝, as 双重预防 systems show them) and its hazards open, overdue and major
open — each figure over the unit's subtree in the tree in force at valid time ``at``, as
known at ``position``; each enterprise with its risk colour at ``at``, each hazard in its
state at ``at`` (``projections.hazards.latest``). And the breadcrumbs of a drill-down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.domain.enums import RISK_LEVELS
from ledger.labels import label
from ledger.store.sql import SQL
from projections.hazards import OVERDUE_SQL, Which, latest
from projections.registry import Within
from projections.registry.queries import VERSION_AT

__all__ = ["breadcrumbs", "figures", "root_at"]

#: the kinds of unit that are places: a drill-down walks through them (departments,
#: committees and work groups carry duty but hold no enterprises)
PLACES = ("province", "city", "county", "dev_zone", "township", "village", "enterprise")

#: "this branch of the tree was in force at ? and believed at ?" (alias ct)
_TREE_AT = "ct.valid_from <= ? AND ? < ct.valid_to AND ct.recorded_from <= ? AND ? < ct.recorded_to"
_PLACES = ", ".join(f"'{k}'" for k in PLACES)


def _empty() -> dict[str, Any]:
    return {
        "enterprises": {"total": 0, "by_risk": dict.fromkeys((*RISK_LEVELS, "none"), 0)},
        "hazards": {"open": 0, "overdue": 0, "major_open": 0},
    }


async def figures(db: SQL, top: str, unit_ids: Sequence[str], at: str, position: int) -> dict[str, dict[str, Any]]:
    """The figures of each of ``unit_ids`` — ``top`` and units below it — over its subtree:
    ``{enterprises: {total, by_risk: {red, orange, yellow, blue, none}}, hazards: {open,
    overdue, major_open}}``. An enterprise closed by ``at`` is not counted; ``none`` counts
    those not yet assessed. A hazard is overdue when past its deadline at ``at`` and not
    verified as rectified (SPEC §6)."""
    out = {u: _empty() for u in unit_ids}
    if not unit_ids:
        return out
    marks = ", ".join("?" * len(unit_ids))
    at_args = [at, at, position, position]
    enterprises = await db.fetch(
        "SELECT ct.ancestor_id, v.risk_level, COUNT(*) FROM unit_tree ct JOIN unit_versions v "
        f"ON v.unit_id = ct.unit_id AND {VERSION_AT} WHERE ct.ancestor_id IN ({marks}) AND {_TREE_AT} "
        "AND v.kind = 'enterprise' AND v.closed_at IS NULL GROUP BY ct.ancestor_id, v.risk_level",
        *at_args,
        *unit_ids,
        *at_args,
    )
    for unit_id, colour, count in enterprises:
        counts = out[unit_id]["enterprises"]
        counts["by_risk"][colour or "none"] += int(count)
        counts["total"] += int(count)
    states, states_args = latest(
        "t.unit_id, t.severity, t.state, t.deadline",
        position,
        at,
        Which(within=Within(top, at, position)),
        "t.state <> 'closed'",
    )
    hazards = await db.fetch(
        "SELECT ct.ancestor_id, COUNT(*), "
        f"SUM(CASE WHEN h.state IN ({OVERDUE_SQL}) AND h.deadline < ? THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN h.severity = 'major' THEN 1 ELSE 0 END) "
        f"FROM ({states}) h JOIN unit_tree ct ON ct.unit_id = h.unit_id AND ct.ancestor_id IN ({marks}) "
        f"AND {_TREE_AT} GROUP BY ct.ancestor_id",
        at,
        *states_args,
        *unit_ids,
        *at_args,
    )
    for unit_id, open_, overdue, major in hazards:
        out[unit_id]["hazards"] = {"open": int(open_), "overdue": int(overdue or 0), "major_open": int(major or 0)}
    return out


def breadcrumbs(chain: Sequence[dict[str, Any]], top: str | None) -> list[dict[str, Any]]:
    """The way down to a unit, from ``top`` (the caller's jurisdiction; None: the root) to
    the unit itself, given its chain (``registry.chain_at``: the unit first, then the units
    above it). When ``top`` is not above the unit in that tree (the unit came under the
    jurisdiction later), the unit alone: breadcrumbs never lead out of a jurisdiction."""
    down = [
        {"unit_id": u["unit_id"], "name": u["name"], "kind": u["kind"], "kind_label": label("unit_kind", u["kind"])}
        for u in reversed(chain)
    ]
    if top is None:
        return down
    ids = [c["unit_id"] for c in down]
    return down[ids.index(top) :] if top in ids else down[-1:]


async def root_at(db: SQL, at: str, position: int) -> str | None:
    """The top of the tree of places at ``at`` as known at ``position`` (where a drill-down
    without a jurisdiction starts); None while the registry is empty."""
    rows = await db.fetch(
        f"SELECT v.unit_id FROM unit_versions v WHERE v.parent_id IS NULL AND v.kind IN ({_PLACES}) "
        f"AND {VERSION_AT} ORDER BY v.unit_id LIMIT 1",
        at,
        at,
        position,
        position,
    )
    return str(rows[0][0]) if rows else None
