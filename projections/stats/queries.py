"""Dashboard figures for a jurisdiction: hazards by state and severity, the rectification rate,
major hazards under listed supervision, accidents by grade, inspections by kind — as known
at a position, in the subtree of the tree in force at the end of the period.

Hazards are counted in the state they were in at the end of the period (``to``, default: now)
— every hazard reported by then, as 台账 totals are; ``reported_in_period`` counts those
reported within ``[from, to)``. The rectification rate follows the seeds' count (临沂 2020
总结: 39,646 handed over, 35,486 rectified): rectified = rectified, verified or closed;
handed over = every hazard past 入库 (one rectified on the spot counts as both).
"""

from __future__ import annotations

from typing import Any

from ledger.labels import label
from ledger.store.sql import SQL
from projections.hazards import OVERDUE_SQL, Which, latest
from projections.registry import Within

__all__ = ["stats"]

GRADES = ("general", "larger", "major", "especially_major")
STATES = ("reported", "assigned", "rectified", "verification_failed", "verified", "closed")
RECTIFIED = ("rectified", "verified", "closed")


async def stats(db: SQL, scope: str | None, from_: str | None, to: str, position: int) -> dict[str, Any]:
    """``from_`` / ``to``: UTC keys bounding the period ``[from_, to)`` (``from_`` None: open)."""
    start = from_ or ""
    within = Within(scope, to, position) if scope is not None else None
    scope_sql = f" AND {within.sql('unit_id')}" if within else ""
    accident_scope = f" AND {within.sql('a.unit_id')}" if within else ""
    scope_args = within.args if within else []
    # counted by the database: one row per combination, never one per hazard
    states, args = latest(
        "t.state, t.severity, t.supervision_level, t.deadline, t.reported_at", position, to, Which(within=within)
    )
    rows = await db.fetch(
        "SELECT state, severity, supervision_level, "
        f"CASE WHEN state IN ({OVERDUE_SQL}) AND deadline < ? THEN 1 ELSE 0 END, "
        "CASE WHEN reported_at >= ? AND reported_at < ? THEN 1 ELSE 0 END, COUNT(*) "
        f"FROM ({states}) h GROUP BY state, severity, supervision_level, 4, 5",
        to,
        start,
        to,
        *args,
    )
    by_state = dict.fromkeys(STATES, 0)
    by_severity: dict[str, dict[str, int]] = {}
    listed: dict[str, int] = {}
    listed_open: dict[str, int] = {}
    total = overdue = reported_in_period = handed_over = rectified = 0
    for state, severity, level, late, in_period, counted in rows:
        n = int(counted)
        total += n
        by_state[state] = by_state.get(state, 0) + n
        sev = by_severity.setdefault(severity, {"total": 0, "open": 0, "closed": 0})
        sev["total"] += n
        sev["closed" if state == "closed" else "open"] += n
        if state != "reported":
            handed_over += n
        if state in RECTIFIED:
            rectified += n
        overdue += n * int(late)
        reported_in_period += n * int(in_period)
        if level is not None and severity == "major":
            listed[level] = listed.get(level, 0) + n
            if state != "closed":
                listed_open[level] = listed_open.get(level, 0) + n
    accident_rows = await db.fetch(
        "SELECT f.grade, COUNT(*), SUM(f.deaths), SUM(f.serious_injuries), SUM(f.direct_loss_cny) FROM accidents a "
        "JOIN accident_figures f ON f.accident_id = a.accident_id AND f.position = (SELECT MAX(x.position) FROM "
        "accident_figures x WHERE x.accident_id = a.accident_id AND x.position <= ?) "
        f"WHERE a.position <= ? AND a.occurred_at >= ? AND a.occurred_at < ?{accident_scope} "
        "GROUP BY f.grade",
        position,
        position,
        start,
        to,
        *scope_args,
    )
    accidents = {r[0]: r for r in accident_rows}
    inspection_rows = await db.fetch(
        "SELECT kind, COUNT(*), COUNT(DISTINCT unit_id) FROM inspections "
        f"WHERE position <= ? AND occurred_at >= ? AND occurred_at < ?{scope_sql} GROUP BY kind ORDER BY kind",
        position,
        start,
        to,
        *scope_args,
    )
    units_inspected = await db.fetch(
        "SELECT COUNT(DISTINCT unit_id) FROM inspections "
        f"WHERE position <= ? AND occurred_at >= ? AND occurred_at < ?{scope_sql}",
        position,
        start,
        to,
        *scope_args,
    )
    return {
        "scope": scope,
        "from": from_,
        "to": to,
        "hazards": {
            "total": total,
            "open": total - by_state.get("closed", 0),
            "overdue": overdue,
            "reported_in_period": reported_in_period,
            "by_state": by_state,
            "by_state_labels": {s: label("hazard_state", s) for s in STATES},
            "by_severity": by_severity,
            "handed_over": handed_over,
            "rectified": rectified,
            "rectification_rate": round(rectified / handed_over, 4) if handed_over else None,
        },
        "major_hazards_listed": {
            "total": sum(listed.values()),
            "open": sum(listed_open.values()),
            "by_level": listed,
            "open_by_level": listed_open,
        },
        "accidents": {
            "total": sum(int(r[1]) for r in accident_rows),
            "deaths": sum(int(r[2] or 0) for r in accident_rows),
            "serious_injuries": sum(int(r[3] or 0) for r in accident_rows),
            "direct_loss_cny": float(sum(float(r[4] or 0) for r in accident_rows)),
            "by_grade": [
                {
                    "grade": grade,
                    "label": label("accident_grade", grade),
                    "count": int(accidents[grade][1]) if grade in accidents else 0,
                    "deaths": int(accidents[grade][2] or 0) if grade in accidents else 0,
                }
                for grade in GRADES
            ],
        },
        "inspections": {
            "total": sum(int(r[1]) for r in inspection_rows),
            "units_inspected": int(units_inspected[0][0]) if units_inspected else 0,
            "by_kind": {r[0]: int(r[1]) for r in inspection_rows},
            "by_kind_labels": {r[0]: label("inspection_kind", r[0]) for r in inspection_rows},
        },
    }
