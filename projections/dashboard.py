"""What the dashboard's 总览 needs that no other read gives (SPEC §11): the drill-down
(a unit, the path down to it, its territorial children with their figures) and the
enterprises by risk colour (红橙黄蓝, as 双重预防 systems show them).

Queries only, over the registry (``units``, ``unit_ancestors``) and the hazard ledger
(``hazard_transitions``): kept apart so that the read side can fold them into its own
layout (per-jurisdiction counters would replace the hazard scan here).
"""

from __future__ import annotations

from typing import Any

from ledger.store.sql import SQL
from projections.hazards import OVERDUE_STATES, hazard_ledger
from projections.timekeys import FOREVER

__all__ = [
    "RISK_COLOURS",
    "TERRITORIAL_KINDS",
    "children",
    "hazards_in_period",
    "names",
    "path_down",
    "risk_distribution",
    "root_unit",
    "unit_card",
]

#: the units a drill-down walks through (departments, committees, work groups are not places)
TERRITORIAL_KINDS = ("province", "city", "county", "dev_zone", "township", "village", "enterprise")
RISK_COLOURS = ("red", "orange", "yellow", "blue")
#: the largest page ``hazard_ledger`` gives
PAGE = 1000
_KINDS_SQL = ", ".join(f"'{k}'" for k in TERRITORIAL_KINDS)


async def unit_card(db: SQL, unit_id: str) -> dict[str, Any] | None:
    rows = await db.fetch("SELECT unit_id, name, kind, parent_id, risk_level FROM units WHERE unit_id = ?", unit_id)
    if not rows:
        return None
    return dict(zip(("unit_id", "name", "kind", "parent_id", "risk_level"), rows[0], strict=True))


async def root_unit(db: SQL) -> dict[str, Any] | None:
    """The top of the territorial tree (where an unscoped account's drill-down starts)."""
    rows = await db.fetch(
        f"SELECT unit_id FROM units WHERE parent_id IS NULL AND kind IN ({_KINDS_SQL}) ORDER BY unit_id LIMIT 1"
    )
    return await unit_card(db, rows[0][0]) if rows else None


async def path_down(db: SQL, unit_id: str, top: str | None) -> list[dict[str, Any]]:
    """The units from ``top`` (None: the root) down to ``unit_id``, both included: breadcrumbs
    that never climb above the caller's jurisdiction."""
    rows = await db.fetch(
        "SELECT u.unit_id, u.name, u.kind, a.depth FROM unit_ancestors a JOIN units u ON u.unit_id = a.ancestor_id "
        "WHERE a.unit_id = ? ORDER BY a.depth DESC",
        unit_id,
    )
    crumbs = [{"unit_id": r[0], "name": r[1], "kind": r[2]} for r in rows]
    if top is not None:
        ids = [c["unit_id"] for c in crumbs]
        crumbs = crumbs[ids.index(top) :] if top in ids else crumbs[-1:]
    return crumbs


async def risk_distribution(db: SQL, unit_id: str) -> dict[str, int]:
    """Enterprises open now in the subtree of ``unit_id``, by risk colour (``none``: not assessed)."""
    rows = await db.fetch(
        "SELECT u.risk_level, COUNT(*) FROM unit_ancestors a JOIN units u ON u.unit_id = a.unit_id "
        "WHERE a.ancestor_id = ? AND u.kind = 'enterprise' AND u.closed_at IS NULL GROUP BY u.risk_level",
        unit_id,
    )
    found = {colour or "none": int(count) for colour, count in rows}
    return {colour: found.get(colour, 0) for colour in (*RISK_COLOURS, "none")}


async def children(db: SQL, unit_id: str, position: int, to: str | None, now: str) -> list[dict[str, Any]]:
    """The territorial children of ``unit_id``, each with its enterprises by risk colour and its
    hazards (every hazard reported before ``to``, in the state it was in then, as known at
    ``position``; ``overdue`` judged at ``now``)."""
    units = await db.fetch(
        f"SELECT unit_id, name, kind, risk_level FROM units WHERE parent_id = ? AND kind IN ({_KINDS_SQL}) "
        "ORDER BY unit_id",
        unit_id,
    )
    figures = {
        r[0]: {
            "unit_id": r[0],
            "name": r[1],
            "kind": r[2],
            "risk_level": r[3],
            "enterprises": 0,
            "risk": dict.fromkeys((*RISK_COLOURS, "none"), 0),
            "hazards": {"total": 0, "open": 0, "overdue": 0, "major_open": 0},
        }
        for r in units
    }
    if not figures:
        return []
    risk = await db.fetch(
        "SELECT c.unit_id, u.risk_level, COUNT(*) FROM units c "
        "JOIN unit_ancestors a ON a.ancestor_id = c.unit_id JOIN units u ON u.unit_id = a.unit_id "
        "WHERE c.parent_id = ? AND u.kind = 'enterprise' AND u.closed_at IS NULL GROUP BY c.unit_id, u.risk_level",
        unit_id,
    )
    for child, colour, count in risk:
        if child in figures:
            figures[child]["risk"][colour or "none"] += int(count)
            figures[child]["enterprises"] += int(count)
    hazards = await db.fetch(
        "SELECT a.ancestor_id, t.state, t.severity, t.deadline FROM hazard_transitions t JOIN ("
        "SELECT hazard_id, MAX(position) AS p FROM hazard_transitions WHERE position <= ? AND occurred_at < ? "
        "AND unit_id IN (SELECT unit_id FROM unit_ancestors WHERE ancestor_id = ?) GROUP BY hazard_id"
        ") last ON last.hazard_id = t.hazard_id AND last.p = t.position "
        "JOIN unit_ancestors a ON a.unit_id = t.unit_id JOIN units c ON c.unit_id = a.ancestor_id AND c.parent_id = ?",
        position,
        to or FOREVER,
        unit_id,
        unit_id,
    )
    for child, state, severity, deadline in hazards:
        if child not in figures:
            continue
        counts = figures[child]["hazards"]
        counts["total"] += 1
        if state != "closed":
            counts["open"] += 1
            counts["major_open"] += severity == "major"
        if state in OVERDUE_STATES and deadline is not None and deadline < now:
            counts["overdue"] += 1
    return list(figures.values())


async def hazards_in_period(
    db: SQL,
    scope: str | None,
    state: str | None,
    severity: str | None,
    position: int,
    limit: int,
    after: str | None,
    from_: str | None,
    to: str | None,
) -> dict[str, Any]:
    """The 隐患台账 of ``hazard_ledger`` for a period: hazards reported in ``[from_, to)``, each
    in its state at ``to``. Without a period, and no more than a page, it is exactly one page
    of ``hazard_ledger``; else its pages are read in turn (an export: up to ``limit`` rows)."""
    if from_ is None and to is None and limit <= PAGE:
        return await hazard_ledger(db, scope, state, severity, position, limit, after)
    start = from_ or ""
    items: list[dict[str, Any]] = []
    while True:
        page = await hazard_ledger(db, scope, state, severity, position, PAGE, after, to)
        for item in page["items"]:
            if item["reported_at"] >= start and (to is None or item["reported_at"] < to):
                items.append(item)
                if len(items) > limit:
                    return {"items": items[:limit], "next": items[limit - 1]["hazard_id"], "position": position}
        after = page["next"]
        if after is None:
            return {"items": items, "next": None, "position": position}


async def names(db: SQL, unit_ids: set[str], person_ids: set[str]) -> dict[str, str]:
    """The current name of each unit and person asked about (ids not found are left out)."""
    found: dict[str, str] = {}
    for table, key, ids in (("units", "unit_id", sorted(unit_ids)), ("people", "person_id", sorted(person_ids))):
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = await db.fetch(
                f"SELECT {key}, name FROM {table} WHERE {key} IN ({', '.join('?' * len(chunk))})", *chunk
            )
            found.update({r[0]: r[1] for r in rows})
    return found
