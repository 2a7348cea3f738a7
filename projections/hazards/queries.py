"""Asking the hazard ledger: a hazard's state at valid time ``at`` as known at position P is
its transition with the greatest position among those with ``position <= P`` and
``occurred_at <= at``; ``latest`` writes that once for every query."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import LedgerError
from ledger.labels import label
from ledger.store.sql import SQL
from projections.base import cite
from projections.bitemporal import chunks
from projections.registry import Within, names_at, units_at

__all__ = [
    "AWAITING_RECTIFICATION",
    "OVERDUE_SQL",
    "OVERDUE_STATES",
    "UnknownHazard",
    "Which",
    "hazard",
    "hazard_events",
    "hazard_ledger",
    "hazards_at",
    "latest",
]

#: the states in which a hazard awaits rectification (整改中)
AWAITING_RECTIFICATION = ("assigned", "verification_failed")
#: SPEC §6: overdue once its deadline passed and not yet verified as passed
OVERDUE_STATES = ("assigned", "verification_failed", "rectified")
#: the same, as a list for SQL's ``IN (…)``
OVERDUE_SQL = ", ".join(f"'{s}'" for s in OVERDUE_STATES)

#: a column or condition of the hazard itself (alias ``h``)
_NAMES_H = re.compile(r"\bh\.")

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


@dataclass(frozen=True)
class Which:
    """Which hazards a question is about — by what never changes in a hazard's life: its unit
    (or a subtree), its id, its severity, when it was reported."""

    within: Within | None = None
    unit_ids: Sequence[str] | None = None
    hazard_ids: Sequence[str] | None = None
    severity: str | None = None
    reported_from: str | None = None
    reported_to: str | None = None
    after: str | None = None  # paging: ids after this one

    def sql(self, alias: str) -> tuple[str, list[Any]]:
        """`` AND …`` conditions on the table aliased ``alias``, and their arguments."""
        parts: list[str] = []
        args: list[Any] = []
        if self.within is not None:
            parts.append(self.within.sql(f"{alias}.unit_id"))
            args += self.within.args
        for column, values in (("unit_id", self.unit_ids), ("hazard_id", self.hazard_ids)):
            if values is not None:
                parts.append(f"{alias}.{column} IN ({', '.join('?' * len(values)) or 'NULL'})")
                args += list(values)
        for condition, value in (
            ("severity = ?", self.severity),
            ("reported_at >= ?", self.reported_from),
            ("reported_at < ?", self.reported_to),
            ("hazard_id > ?", self.after),
        ):
            if value is not None:
                parts.append(f"{alias}.{condition}")
                args.append(value)
        return "".join(f" AND {p}" for p in parts), args


def latest(
    columns: str,
    position: int,
    at: str,
    which: Which = Which(),
    outer: str = "",
    outer_args: Sequence[Any] = (),
    order: str = "",
    limit: int | None = None,
) -> tuple[str, list[Any]]:
    """``SELECT columns`` of each hazard's state at valid time ``at`` as known at ``position``
    (alias ``t``, with its hazard as ``h``): its transition with the greatest position among
    those with ``position <= P`` and ``occurred_at <= at``; ``outer`` filters those states
    (arguments ``outer_args``); ``order`` names result columns (without alias).

    Two parts, one per kind of hazard: one whose latest transition is at or before P and all
    of whose transitions happened by ``at`` is in the state of ``hazard_current`` (one row
    read); the others — changed after P, or with a transition after ``at`` — have their
    history searched, but for those whose every transition happened after ``at``
    (``min_occurred_at``): they had no state then (on a ledger of several years, a past
    period's question would otherwise search the history of every later hazard). The two
    never overlap. ``hazards`` is joined only when ``columns`` or ``outer`` name it
    (``h.``): a jurisdiction's counts then read one index of ``hazard_current`` and nothing
    else."""
    fast, fast_args = which.sql("t")
    slow, slow_args = which.sql("c")
    where_outer = f" AND {outer}" if outer else ""
    join_h = " JOIN hazards h ON h.hazard_id = t.hazard_id" if _NAMES_H.search(f"{columns} {outer}") else ""
    sql = (
        f"SELECT {columns} FROM hazard_current t{join_h} "
        f"WHERE t.position <= ? AND t.max_occurred_at <= ?{fast}{where_outer} "
        "UNION ALL "
    )
    if which.unit_ids is not None or which.hazard_ids is not None:
        # a few hazards: each one's transition found through the primary key (hazard_id,
        # position) — PostgreSQL would otherwise scan the whole history to serve them
        sql += (
            f"SELECT {columns} FROM hazard_current c JOIN hazard_transitions t ON t.hazard_id = c.hazard_id "
            "AND t.position = (SELECT MAX(x.position) FROM hazard_transitions x WHERE x.hazard_id = c.hazard_id "
            f"AND x.position <= ? AND x.occurred_at <= ?){join_h} "
            f"WHERE (c.position > ? OR c.max_occurred_at > ?) AND c.min_occurred_at <= ?{slow}{where_outer}"
        )
    else:  # a jurisdiction's: one pass over the history, grouped
        sql += (
            f"SELECT {columns} FROM hazard_transitions t JOIN (SELECT x.hazard_id, MAX(x.position) AS p "
            "FROM hazard_transitions x WHERE x.position <= ? AND x.occurred_at <= ? AND x.hazard_id IN "
            "(SELECT c.hazard_id FROM hazard_current c WHERE (c.position > ? OR c.max_occurred_at > ?) "
            f"AND c.min_occurred_at <= ?{slow}) "
            f"GROUP BY x.hazard_id) last ON last.hazard_id = t.hazard_id AND last.p = t.position{join_h}"
            f"{' WHERE ' + outer if outer else ''}"
        )
    args = [position, at, *fast_args, *outer_args, position, at, position, at, at, *slow_args, *outer_args]
    if order or limit is not None:
        sql = f"SELECT * FROM ({sql}) latest"
        if order:
            sql += f" ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
    return sql, args


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
        sql, args = latest(
            _ITEM, position, at, Which(unit_ids=chunk), "t.state <> 'closed'", order="reported_at, hazard_id"
        )
        items.extend(_item(r, at) for r in await db.fetch(sql, *args))
    events = await hazard_events(db, [i["hazard_id"] for i in items], at, position)
    for item in items:
        item["events"] = events[item["hazard_id"]]
    await _name(db, items, at, position)
    return items


async def hazard(db: SQL, hazard_id: str, at: str, position: int) -> dict[str, Any]:
    """One hazard as it stood at ``at`` as known at ``position`` (``UnknownHazard`` if not reported by then)."""
    sql, args = latest(_ITEM, position, at, Which(hazard_ids=[hazard_id]))
    rows = await db.fetch(sql, *args)
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
    outer, outer_args = "", []
    if state == "open":
        outer = "t.state <> 'closed'"
    elif state == "overdue":
        outer = f"t.state IN ({', '.join(repr(s) for s in OVERDUE_STATES)}) AND t.deadline < ?"
        outer_args = [at]
    elif state is not None:
        outer, outer_args = "t.state = ?", [state]
    which = Which(
        within=within,
        unit_ids=None if unit_id is None else [unit_id],
        severity=severity,
        reported_from=reported_from,
        reported_to=reported_to,
        after=after,
    )
    limit = max(1, min(int(limit), 1000))
    sql, args = latest(_ITEM, position, at, which, outer, outer_args, order="hazard_id", limit=limit + 1)
    rows = await db.fetch(sql, *args)
    more = len(rows) > limit
    items = [_item(r, at) for r in rows[:limit]]
    events = await hazard_events(db, [i["hazard_id"] for i in items], at, position)
    for item in items:
        item["events"] = events[item["hazard_id"]]
    await _name(db, items, at, position)
    return {"items": items, "next": items[-1]["hazard_id"] if more and items else None}
