"""Asking the hazard ledger: a hazard's state at valid time ``at`` as known at position P is
its transition with the greatest position among those with ``position <= P`` and
``occurred_at <= at``; ``latest_sql`` writes that once for every query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.errors import LedgerError
from ledger.labels import label
from ledger.store.sql import SQL
from projections.base import cite
from projections.bitemporal import chunks
from projections.registry import Within, names_at, units_at

__all__ = [
    "AWAITING_RECTIFICATION",
    "OVERDUE_STATES",
    "UnknownHazard",
    "hazard",
    "hazard_events",
    "hazard_ledger",
    "hazards_at",
    "latest_sql",
]

#: the states in which a hazard awaits rectification (整改中)
AWAITING_RECTIFICATION = ("assigned", "verification_failed")
#: SPEC §6: overdue once its deadline passed and not yet verified as passed
OVERDUE_STATES = ("assigned", "verification_failed", "rectified")

_ITEM = (
    "t.hazard_id, t.unit_id, t.severity, t.state, t.deadline, t.responsible, t.supervision_level, t.supervisor, "
    "t.reported_at, t.last_progress_at, t.rectified_at, t.on_the_spot, t.verifier, t.position, t.hash, "
    "h.description, h.category, h.source, h.location"
)


class UnknownHazard(LedgerError):
    code = "not-found"

    def __init__(self, hazard_id: str, position: int) -> None:
        self.hazard_id = hazard_id
        super().__init__(f"no hazard {hazard_id!r} is recorded as known at position {position}")


def latest_sql(columns: str, where: str = "", outer: str = "") -> str:
    """``SELECT columns`` of each hazard's latest transition (alias ``t``, with its hazard as
    ``h``) among those with ``position <= ?`` and ``occurred_at <= ?`` (the first two
    arguments) and ``where`` (more conditions on the transitions); ``outer`` filters the
    latest states."""
    inner = "position <= ? AND occurred_at <= ?" + (f" AND {where}" if where else "")
    return (
        f"SELECT {columns} FROM hazard_transitions t JOIN (SELECT hazard_id, MAX(position) AS p "
        f"FROM hazard_transitions WHERE {inner} GROUP BY hazard_id) last "
        "ON last.hazard_id = t.hazard_id AND last.p = t.position JOIN hazards h ON h.hazard_id = t.hazard_id"
        + (f" WHERE {outer}" if outer else "")
    )


def _item(row: Sequence[Any], at: str | None) -> dict[str, Any]:
    (hazard_id, unit_id, severity, state, deadline, responsible, level, supervisor, reported_at, progress_at) = row[:10]
    rectified_at, on_the_spot, verifier, position, hash_, description, category, source, location = row[10:]
    overdue = bool(deadline is not None and at is not None and state in OVERDUE_STATES and deadline < at)
    return {
        "hazard_id": hazard_id,
        "unit_id": unit_id,
        "description": description,
        "category": category,
        "location": location,
        "source": source,
        "source_label": label("hazard_source", source),
        "severity": severity,
        "severity_label": label("hazard_severity", severity),
        "state": state,
        "state_label": label("hazard_state", state),
        "deadline": deadline,
        "overdue": overdue,
        "responsible": responsible,
        "supervision_level": level,
        "supervision_level_label": label("supervision_level", level),
        "supervisor": supervisor,
        "reported_at": reported_at,
        "last_progress_at": progress_at,
        "rectified_at": rectified_at,
        "on_the_spot": bool(on_the_spot),
        "verifier": verifier,
        "last_event": cite(position, hash_),
    }


async def _name(db: SQL, items: list[dict[str, Any]], at: str, position: int) -> None:
    """Names beside ids: the unit, the responsible, the supervisor and the verifier, at ``at``."""
    ids = {i[k] for i in items for k in ("responsible", "supervisor", "verifier") if i[k]}
    names = await names_at(db, ids, at, position)
    units = await units_at(db, {i["unit_id"] for i in items}, at, position)
    for item in items:
        unit = units.get(item["unit_id"])
        item["unit_name"] = unit["name"] if unit else None
        for key in ("responsible", "supervisor", "verifier"):
            item[f"{key}_name"] = names.get(item[key]) if item[key] else None


async def hazard_events(db: SQL, ids: Sequence[str], at: str, position: int) -> dict[str, list[dict[str, Any]]]:
    """Each hazard's events (position, hash, type) up to valid time ``at`` as known at ``position``."""
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for chunk in chunks(list(ids)):
        rows = await db.fetch(
            f"SELECT hazard_id, position, hash, type FROM hazard_transitions WHERE hazard_id IN "
            f"({', '.join('?' * len(chunk))}) AND position <= ? AND occurred_at <= ? ORDER BY position",
            *chunk,
            position,
            at,
        )
        for hazard_id, pos, hash_, kind in rows:
            found[hazard_id].append(cite(pos, hash_, kind))
    return found


async def hazards_at(db: SQL, unit_ids: Sequence[str], at: str, position: int) -> list[dict[str, Any]]:
    """Hazards of ``unit_ids`` open (reported and not closed) at valid time ``at`` as known at
    ``position``, each with ``overdue`` and its events up to then."""
    items: list[dict[str, Any]] = []
    for chunk in chunks(list(dict.fromkeys(unit_ids))):
        sql = latest_sql(_ITEM, f"unit_id IN ({', '.join('?' * len(chunk))})", "t.state <> 'closed'")
        rows = await db.fetch(sql + " ORDER BY t.reported_at, t.hazard_id", position, at, *chunk)
        items.extend(_item(r, at) for r in rows)
    events = await hazard_events(db, [i["hazard_id"] for i in items], at, position)
    for item in items:
        item["events"] = events[item["hazard_id"]]
    await _name(db, items, at, position)
    return items


async def hazard(db: SQL, hazard_id: str, at: str, position: int) -> dict[str, Any]:
    """One hazard as it stood at ``at`` as known at ``position`` (``UnknownHazard`` if not reported by then)."""
    rows = await db.fetch(latest_sql(_ITEM, "hazard_id = ?"), position, at, hazard_id)
    if not rows:
        raise UnknownHazard(hazard_id, position)
    item = _item(rows[0], at)
    item["events"] = (await hazard_events(db, [hazard_id], at, position))[hazard_id]
    await _name(db, [item], at, position)
    return item


async def hazard_ledger(
    db: SQL,
    within: Within | None,
    position: int,
    at: str,
    *,
    state: str | None = None,
    severity: str | None = None,
    unit_id: str | None = None,
    reported_from: str | None = None,
    reported_to: str | None = None,
    limit: int = 100,
    after: str | None = None,
) -> dict[str, Any]:
    """The 隐患台账: each hazard's state at ``at`` as known at ``position``, in the subtree of
    ``within`` (of the tree in force at ``at``), filtered by state (a state, ``open`` or
    ``overdue``), severity, unit and the period it was reported in; paged by ``hazard_id``
    (``after`` = the ``next`` of the previous page)."""
    inner: list[str] = []
    args: list[Any] = [position, at]
    if within is not None:
        inner.append(within.sql("unit_id"))
        args += within.args
    if unit_id is not None:
        inner.append("unit_id = ?")
        args.append(unit_id)
    if after is not None:
        inner.append("hazard_id > ?")
        args.append(after)
    outer: list[str] = []
    if state == "open":
        outer.append("t.state <> 'closed'")
    elif state == "overdue":
        outer.append(f"t.state IN ({', '.join(repr(s) for s in OVERDUE_STATES)}) AND t.deadline < ?")
        args.append(at)
    elif state is not None:
        outer.append("t.state = ?")
        args.append(state)
    for condition, value in (
        ("t.severity = ?", severity),
        ("t.reported_at >= ?", reported_from),
        ("t.reported_at < ?", reported_to),
    ):
        if value is not None:
            outer.append(condition)
            args.append(value)
    limit = max(1, min(int(limit), 1000))
    sql = latest_sql(_ITEM, " AND ".join(inner), " AND ".join(outer)) + " ORDER BY t.hazard_id LIMIT ?"
    rows = await db.fetch(sql, *args, limit + 1)
    more = len(rows) > limit
    items = [_item(r, at) for r in rows[:limit]]
    events = await hazard_events(db, [i["hazard_id"] for i in items], at, position)
    for item in items:
        item["events"] = events[item["hazard_id"]]
    await _name(db, items, at, position)
    return {"items": items, "next": items[-1]["hazard_id"] if more and items else None}
