"""Asking about inspections and visits: who inspected a unit before a moment, which principals
led an inspection in a period, which groups visited a unit in a period."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from ledger.labels import label
from ledger.store.sql import SQL
from projections.base import cite
from projections.bitemporal import chunks
from projections.registry import names_at

__all__ = ["inspections_before", "last_visits", "led_inspections"]


async def inspections_before(db: SQL, unit_id: str, at: str, position: int, limit: int = 50) -> list[dict[str, Any]]:
    """Inspections of ``unit_id`` at or before valid time ``at`` as known at ``position``,
    newest first, with the inspectors' names as they were then."""
    rows = await db.fetch(
        "SELECT inspection_id, unit_id, kind, inspectors, led_by, result, hazard_ids, occurred_at, position, hash "
        "FROM inspections WHERE unit_id = ? AND occurred_at <= ? AND position <= ? "
        "ORDER BY occurred_at DESC, position DESC LIMIT ?",
        unit_id,
        at,
        position,
        int(limit),
    )
    found = [
        {
            "inspection_id": r[0],
            "unit_id": r[1],
            "kind": r[2],
            "kind_label": label("inspection_kind", r[2]),
            "inspectors": orjson.loads(r[3]),
            "led_by": r[4],
            "result": r[5],
            "hazard_ids": orjson.loads(r[6]),
            "occurred_at": r[7],
            "events": [cite(r[8], r[9], "inspection.conducted")],
        }
        for r in rows
    ]
    names = await names_at(db, {p for i in found for p in [*i["inspectors"], i["led_by"]] if p}, at, position)
    for inspection in found:
        inspection["inspector_names"] = [names.get(p, p) for p in inspection["inspectors"]]
        inspection["led_by_name"] = names.get(inspection["led_by"]) if inspection["led_by"] else None
    return found


async def led_inspections(
    db: SQL, unit_ids: Iterable[str], start: str, end: str, position: int
) -> dict[tuple[str, str], list[tuple[str, int, str]]]:
    """(unit, leader) → the inspections (occurred_at, position, hash) of the unit led by that
    person within ``[start, end)``, as known at ``position``."""
    out: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
    for chunk in chunks(list(dict.fromkeys(unit_ids))):
        rows = await db.fetch(
            "SELECT unit_id, led_by, occurred_at, position, hash FROM inspections "
            f"WHERE unit_id IN ({', '.join('?' * len(chunk))}) AND led_by IS NOT NULL "
            "AND occurred_at >= ? AND occurred_at < ? AND position <= ? ORDER BY occurred_at",
            *chunk,
            start,
            end,
            position,
        )
        for unit_id, led_by, occurred, pos, hash_ in rows:
            out.setdefault((unit_id, led_by), []).append((occurred, int(pos), hash_))
    return out


async def last_visits(
    db: SQL, holders: Iterable[str], start: str, end: str, position: int, purposes: Iterable[str] | None = None
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(holder, target) → the visits the holder made to the target within ``[start, end)``,
    as known at ``position``, oldest first."""
    wanted = list(purposes) if purposes is not None else None
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for chunk in chunks(list(dict.fromkeys(holders))):
        sql = (
            "SELECT visit_id, holder, target, purpose, occurred_at, position, hash FROM visits "
            f"WHERE holder IN ({', '.join('?' * len(chunk))}) AND occurred_at >= ? AND occurred_at < ? "
            "AND position <= ?"
        )
        args: list[Any] = [*chunk, start, end, position]
        if wanted is not None:
            sql += f" AND purpose IN ({', '.join('?' * len(wanted))})"
            args += wanted
        for visit_id, holder, target, purpose, occurred, pos, hash_ in await db.fetch(
            sql + " ORDER BY occurred_at", *args
        ):
            out.setdefault((holder, target), []).append(
                {
                    "visit_id": visit_id,
                    "purpose": purpose,
                    "occurred_at": occurred,
                    "events": [cite(pos, hash_, "visit.made")],
                }
            )
    return out
