"""The hazard ledger (隐患台账), inspections, accidents and reports: facts resting on events.

Every row carries the ``position`` (and ``hash``) of the event it rests on, so "as known at
P" is ``position <= P``; valid-time columns hold UTC keys (``utc_key``). A hazard keeps one
row per event in ``hazard_transitions`` holding its state right after that event (folded in
log order), so the state of a hazard at valid time ``at`` as known at ``P`` is the row with
the greatest position among those with ``position <= P`` and ``occurred_at <= at``.

The projector keeps the latest state of the hazards it has seen in memory (closed ones are
dropped: nothing follows a closure), loads missing ones in bulk, and writes each page with
a handful of ``executemany`` calls, so a rebuild of a large log makes few round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import orjson

from ledger.domain import accident_grade, grade_label
from ledger.envelope import StoredEvent
from ledger.store.sql import SQL, SQLTx
from projections.base import Projector, cite
from projections.timekeys import FOREVER, utc_key
from projections.units import DEFAULT_RULES, subtree_sql

__all__ = [
    "ACCIDENT_STAGES",
    "DEFAULT_SOURCE",
    "OVERDUE_STATES",
    "HazardsProjector",
    "accident",
    "accident_reports",
    "cite",
    "hazard_ledger",
    "hazards_at",
    "inspections_before",
    "minutes_between",
    "policy_source",
    "rules_for_units",
]

#: the citation of a rule nobody adopted a policy for
DEFAULT_SOURCE: dict[str, str | None] = {"policy_id": None, "basis": "default (SPEC §6)"}
ACCIDENT_STAGES = ("initial", "written", "detailed")
_LEVEL_RANK = {"county": 1, "city": 2, "province": 3}
#: the states in which a hazard's deadline can still be missed ("not yet verified as passed")
AWAITING_RECTIFICATION = ("assigned", "verification_failed")
#: SPEC §6: a hazard is overdue once its deadline passed and it is not yet verified as passed
OVERDUE_STATES = ("assigned", "verification_failed", "rectified")
_IN = 500  # ids per IN (…) list

_T_COLUMNS = (
    "hazard_id, position, hash, occurred_at, type, unit_id, severity, state, deadline, "
    "deadline_position, responsible, assigned_position, supervision_level, supervisor, "
    "reported_at, last_progress_at"
)
_STATE_KEYS = (
    "unit_id",
    "severity",
    "state",
    "deadline",
    "deadline_position",
    "responsible",
    "assigned_position",
    "supervision_level",
    "supervisor",
    "reported_at",
    "last_progress_at",
)


def policy_source(sources: list[dict[str, str]]) -> list[dict[str, Any]]:
    return list(sources) if sources else [dict(DEFAULT_SOURCE)]


def minutes_between(earlier: str, later: str) -> int:
    """Whole minutes from one UTC key to another (negative when ``later`` is earlier)."""
    from datetime import datetime

    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    delta = datetime.strptime(later, fmt) - datetime.strptime(earlier, fmt)
    return int(delta.total_seconds() // 60)


class HazardsProjector(Projector):
    name = "hazards"
    tables = (
        "hazard_transitions",
        "inspection_inspectors",
        "inspections",
        "accident_events",
        "accidents",
        "reports",
    )
    types: ClassVar[frozenset[str]] = frozenset(
        {
            "hazard.reported",
            "hazard.assigned",
            "hazard.deadline_extended",
            "hazard.supervision_listed",
            "hazard.progress_reported",
            "hazard.rectified",
            "hazard.verified",
            "hazard.closed",
            "inspection.conducted",
            "accident.occurred",
            "accident.reported",
            "accident.investigation_opened",
            "accident.investigation_concluded",
            "report.submitted",
        }
    )

    def __init__(self) -> None:
        self._hazards: dict[str, dict[str, Any]] = {}
        self._seen = 0  # the last position folded into the cache

    async def reset(self, tx: SQLTx) -> None:
        self._hazards.clear()
        self._seen = 0
        await super().reset(tx)

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        if events and events[0].position <= self._seen:
            # a page applied again (its transaction failed after the cache saw it)
            self._hazards.clear()
        try:
            await self._apply(tx, events)
        except BaseException:
            self._hazards.clear()
            self._seen = 0
            raise
        if events:
            self._seen = events[-1].position

    async def _apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        # hazards first reported in this page have no earlier state to load
        fresh = {e.data["hazard_id"] for e in events if e.type == "hazard.reported"}
        await self._load(tx, {e.data["hazard_id"] for e in events if e.type.startswith("hazard.")} - fresh)
        transitions: list[tuple[Any, ...]] = []
        inspections: list[tuple[Any, ...]] = []
        inspectors: list[tuple[Any, ...]] = []
        accidents: list[tuple[Any, ...]] = []
        accident_events: list[tuple[Any, ...]] = []
        reports: list[tuple[Any, ...]] = []
        closed: list[str] = []
        for e in events:
            d = e.data
            at = utc_key(e.occurred_at)
            kind = e.type
            if kind.startswith("hazard."):
                state = self._fold(e, at)
                if state is None:
                    continue
                transitions.append((d["hazard_id"], e.position, e.hash, at, kind, *(state[k] for k in _STATE_KEYS)))
                if state["state"] == "closed":
                    closed.append(d["hazard_id"])
            elif kind == "inspection.conducted":
                inspections.append(
                    (
                        d["inspection_id"],
                        d["unit_id"],
                        d["kind"],
                        orjson.dumps(d["inspectors"]).decode(),
                        d.get("led_by"),
                        d["result"],
                        orjson.dumps(d.get("hazard_ids") or []).decode(),
                        at,
                        e.position,
                        e.hash,
                    )
                )
                people = list(dict.fromkeys(d["inspectors"] + ([d["led_by"]] if d.get("led_by") else [])))
                inspectors.extend((d["inspection_id"], p, d["unit_id"], at, e.position) for p in people)
            elif kind == "accident.occurred":
                illegal = d.get("illegal_operation")
                accidents.append(
                    (
                        d["accident_id"],
                        d["unit_id"],
                        at,
                        int(d["deaths"]),
                        int(d["serious_injuries"]),
                        float(d["direct_loss_cny"]),
                        accident_grade(d["deaths"], d["serious_injuries"], d["direct_loss_cny"]),
                        None if illegal is None else int(illegal),
                        d["description"],
                        e.position,
                        e.hash,
                    )
                )
            elif kind.startswith("accident."):
                elevated = d.get("elevated")
                accident_events.append(
                    (
                        e.position,
                        e.hash,
                        d["accident_id"],
                        kind,
                        at,
                        d.get("stage"),
                        d.get("to_unit"),
                        d.get("by"),
                        d.get("level"),
                        None if elevated is None else int(elevated),
                        d.get("led_by"),
                        d.get("findings"),
                        orjson.dumps(d["responsible"]).decode() if "responsible" in d else None,
                    )
                )
            elif kind == "report.submitted":
                reports.append(
                    (d["report_id"], d["kind"], d["unit_id"], d["period"], d.get("title"), at, e.position, e.hash)
                )
        if transitions:
            await tx.executemany(
                f"INSERT INTO hazard_transitions ({_T_COLUMNS}) VALUES ({', '.join('?' * 16)})", transitions
            )
        if inspections:
            await tx.executemany(
                "INSERT INTO inspections (inspection_id, unit_id, kind, inspectors, led_by, result, hazard_ids, "
                "occurred_at, position, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                inspections,
            )
            await tx.executemany(
                "INSERT INTO inspection_inspectors (inspection_id, inspector, unit_id, occurred_at, position) "
                "VALUES (?, ?, ?, ?, ?)",
                inspectors,
            )
        if accidents:
            await tx.executemany(
                "INSERT INTO accidents (accident_id, unit_id, occurred_at, deaths, serious_injuries, "
                "direct_loss_cny, grade, illegal_operation, description, position, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                accidents,
            )
        if accident_events:
            await tx.executemany(
                "INSERT INTO accident_events (position, hash, accident_id, type, occurred_at, stage, to_unit, "
                "by_holder, level, elevated, led_by, findings, responsible) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                accident_events,
            )
        if reports:
            await tx.executemany(
                "INSERT INTO reports (report_id, kind, unit_id, period, title, occurred_at, position, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                reports,
            )
        for hazard_id in closed:  # nothing follows a closure
            self._hazards.pop(hazard_id, None)

    async def _load(self, tx: SQLTx, ids: set[str]) -> None:
        """The latest state of hazards not in the cache, from their latest transition."""
        missing = sorted(i for i in ids if i not in self._hazards)
        for start in range(0, len(missing), _IN):
            chunk = missing[start : start + _IN]
            marks = ", ".join("?" * len(chunk))
            rows = await tx.fetch(
                f"SELECT t.hazard_id, {', '.join('t.' + k for k in _STATE_KEYS)} FROM hazard_transitions t "
                f"JOIN (SELECT hazard_id, MAX(position) AS p FROM hazard_transitions WHERE hazard_id IN ({marks}) "
                "GROUP BY hazard_id) last ON last.hazard_id = t.hazard_id AND last.p = t.position",
                *chunk,
            )
            for row in rows:
                self._hazards[row[0]] = dict(zip(_STATE_KEYS, row[1:], strict=True))

    def _fold(self, e: StoredEvent, at: str) -> dict[str, Any] | None:
        d = e.data
        hazard_id = d["hazard_id"]
        if e.type == "hazard.reported":
            state: dict[str, Any] = {
                "unit_id": d["unit_id"],
                "severity": d["severity"],
                "state": "reported",
                "deadline": None,
                "deadline_position": None,
                "responsible": None,
                "assigned_position": None,
                "supervision_level": None,
                "supervisor": None,
                "reported_at": at,
                "last_progress_at": None,
            }
            self._hazards[hazard_id] = state
            return state
        previous = self._hazards.get(hazard_id)
        if previous is None:  # an event about a hazard never reported (the domain refuses these)
            return None
        state = dict(previous)
        if e.type == "hazard.assigned":
            state.update(
                state="assigned",
                responsible=d["responsible"],
                deadline=utc_key(d["deadline"]),
                deadline_position=e.position,
                assigned_position=e.position,
            )
        elif e.type == "hazard.deadline_extended":
            state.update(deadline=utc_key(d["deadline"]), deadline_position=e.position)
        elif e.type == "hazard.supervision_listed":
            if _LEVEL_RANK.get(d["level"], 0) >= _LEVEL_RANK.get(state["supervision_level"] or "", 0):
                state.update(supervision_level=d["level"], supervisor=d["supervisor"])
        elif e.type == "hazard.progress_reported":
            if state["last_progress_at"] is None or at > state["last_progress_at"]:
                state["last_progress_at"] = at
        elif e.type == "hazard.rectified":
            state["state"] = "rectified"
        elif e.type == "hazard.verified":
            state["state"] = "verified" if d["passed"] else "verification_failed"
        elif e.type == "hazard.closed":
            state["state"] = "closed"
        self._hazards[hazard_id] = state
        return state


# -- queries ------------------------------------------------------------------------------


async def rules_for_units(
    db: SQL, unit_ids: Iterable[str], at: str, position: int
) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``policy_rules`` for many units at once: unit → (rules, sources), as known at ``position``."""
    units = list(dict.fromkeys(unit_ids))
    found: dict[str, list[tuple[Any, ...]]] = {u: [] for u in units}
    for start in range(0, len(units), _IN):
        chunk = units[start : start + _IN]
        rows = await db.fetch(
            "SELECT a.unit_id, p.policy_id, p.rules, p.basis, a.depth, p.valid_from, p.position FROM policies p "
            "JOIN unit_ancestors a ON a.ancestor_id = p.jurisdiction "
            f"WHERE a.unit_id IN ({', '.join('?' * len(chunk))}) "
            "AND p.valid_from <= ? AND ? < p.valid_to AND p.position <= ?",
            *chunk,
            at,
            at,
            position,
        )
        for row in rows:
            found[row[0]].append(row)
    out = {}
    for unit, rows in found.items():
        rules = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_RULES.items()}
        sources: list[dict[str, Any]] = []
        for _unit, policy_id, text, basis, _depth, _from, _pos in sorted(rows, key=lambda r: (-r[4], r[5], r[6])):
            for key, value in orjson.loads(text).items():
                merge = isinstance(value, dict) and isinstance(rules.get(key), dict)
                rules[key] = {**rules[key], **value} if merge else value
            sources.append({"policy_id": policy_id, "basis": basis})
        out[unit] = (rules, sources)
    return out


def _hazard_item(row: Sequence[Any], at: str | None) -> dict[str, Any]:
    (
        hazard_id,
        unit_id,
        severity,
        state,
        deadline,
        responsible,
        level,
        supervisor,
        reported_at,
        last_progress_at,
        position,
        hash_,
    ) = row
    overdue = bool(deadline is not None and at is not None and state in OVERDUE_STATES and deadline < at)
    return {
        "hazard_id": hazard_id,
        "unit_id": unit_id,
        "severity": severity,
        "state": state,
        "deadline": deadline,
        "overdue": overdue,
        "responsible": responsible,
        "supervision_level": level,
        "supervisor": supervisor,
        "reported_at": reported_at,
        "last_progress_at": last_progress_at,
        "last_event": cite(position, hash_),
    }


_ITEM_COLUMNS = (
    "t.hazard_id, t.unit_id, t.severity, t.state, t.deadline, t.responsible, t.supervision_level, "
    "t.supervisor, t.reported_at, t.last_progress_at, t.position, t.hash"
)


async def _hazard_events(db: SQL, ids: Sequence[str], at: str, position: int) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for start in range(0, len(ids), _IN):
        chunk = list(ids[start : start + _IN])
        rows = await db.fetch(
            f"SELECT hazard_id, position, hash, type FROM hazard_transitions WHERE hazard_id IN "
            f"({', '.join('?' * len(chunk))}) AND position <= ? AND occurred_at <= ? ORDER BY position",
            *chunk,
            position,
            at,
        )
        for hazard_id, pos, hash_, kind in rows:
            found[hazard_id].append({**cite(pos, hash_), "type": kind})
    return found


async def hazards_at(db: SQL, unit_ids: Sequence[str], at: str, position: int) -> list[dict[str, Any]]:
    """Hazards of ``unit_ids`` open (reported and not closed) at valid time ``at`` (a UTC key)
    as known at ``position``. ``overdue``: the deadline passed at ``at`` and the hazard was not
    yet verified as passed. ``events``: the hazard's events up to then."""
    units = list(dict.fromkeys(unit_ids))
    if not units:
        return []
    items: list[dict[str, Any]] = []
    for start in range(0, len(units), _IN):
        chunk = units[start : start + _IN]
        marks = ", ".join("?" * len(chunk))
        rows = await db.fetch(
            f"SELECT {_ITEM_COLUMNS} FROM hazard_transitions t JOIN ("
            "SELECT hazard_id, MAX(position) AS p FROM hazard_transitions "
            f"WHERE unit_id IN ({marks}) AND position <= ? AND occurred_at <= ? GROUP BY hazard_id"
            ") last ON last.hazard_id = t.hazard_id AND last.p = t.position "
            "WHERE t.state <> 'closed' ORDER BY t.reported_at, t.hazard_id",
            *chunk,
            position,
            at,
        )
        items.extend(_hazard_item(r, at) for r in rows)
    events = await _hazard_events(db, [i["hazard_id"] for i in items], at, position)
    for item in items:
        item["events"] = events[item["hazard_id"]]
    return items


async def hazard_ledger(
    db: SQL,
    scope: str | None,
    state: str | None,
    severity: str | None,
    position: int,
    limit: int = 100,
    after: str | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    """The 隐患台账: every hazard's latest state as known at ``position`` (at valid time ``at``,
    default: whatever has happened), filtered by jurisdiction subtree, state and severity,
    paged by ``hazard_id`` (``after`` = the ``next`` of the previous page)."""
    valid = at or FOREVER
    inner = ["position <= ?", "occurred_at <= ?"]
    args: list[Any] = [position, valid]
    if scope is not None:
        inner.append(subtree_sql("unit_id"))
        args.append(scope)
    if after is not None:
        inner.append("hazard_id > ?")
        args.append(after)
    outer = []
    if state is not None:
        if state == "open":
            outer.append("t.state <> 'closed'")
        elif state == "overdue":
            outer.append("t.state IN ('assigned', 'verification_failed', 'rectified') AND t.deadline < ?")
            args.append(at or _now_key())
        else:
            outer.append("t.state = ?")
            args.append(state)
    if severity is not None:
        outer.append("t.severity = ?")
        args.append(severity)
    where = (" WHERE " + " AND ".join(outer)) if outer else ""
    limit = max(1, min(int(limit), 1000))
    rows = await db.fetch(
        f"SELECT {_ITEM_COLUMNS} FROM hazard_transitions t JOIN ("
        f"SELECT hazard_id, MAX(position) AS p FROM hazard_transitions WHERE {' AND '.join(inner)} "
        "GROUP BY hazard_id) last ON last.hazard_id = t.hazard_id AND last.p = t.position"
        f"{where} ORDER BY t.hazard_id LIMIT ?",
        *args,
        limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    judged = at or _now_key()
    items = [_hazard_item(r, judged) for r in rows]
    events = await _hazard_events(db, [i["hazard_id"] for i in items], valid, position)
    for item in items:
        item["events"] = events[item["hazard_id"]]
    return {
        "items": items,
        "next": items[-1]["hazard_id"] if more and items else None,
        "position": position,
    }


def _now_key() -> str:
    from ledger.timeutil import utc_now

    return utc_key(utc_now().isoformat())


async def inspections_before(db: SQL, unit_id: str, at: str, position: int, limit: int = 50) -> list[dict[str, Any]]:
    """Inspections of ``unit_id`` at or before valid time ``at`` as known at ``position``,
    newest first."""
    rows = await db.fetch(
        "SELECT inspection_id, unit_id, kind, inspectors, led_by, result, hazard_ids, occurred_at, position, hash "
        "FROM inspections WHERE unit_id = ? AND occurred_at <= ? AND position <= ? "
        "ORDER BY occurred_at DESC, position DESC LIMIT ?",
        unit_id,
        at,
        position,
        int(limit),
    )
    return [
        {
            "inspection_id": r[0],
            "unit_id": r[1],
            "kind": r[2],
            "inspectors": orjson.loads(r[3]),
            "led_by": r[4],
            "result": r[5],
            "hazard_ids": orjson.loads(r[6]),
            "occurred_at": r[7],
            "events": [cite(r[8], r[9])],
        }
        for r in rows
    ]


async def _accident_row(db: SQL, accident_id: str, position: int) -> Sequence[Any] | None:
    rows = await db.fetch(
        "SELECT accident_id, unit_id, occurred_at, deaths, serious_injuries, direct_loss_cny, grade, "
        "illegal_operation, description, position, hash FROM accidents WHERE accident_id = ? AND position <= ?",
        accident_id,
        position,
    )
    return rows[0] if rows else None


async def _accident_events(db: SQL, accident_id: str, position: int) -> list[tuple[Any, ...]]:
    return await db.fetch(
        "SELECT position, hash, type, occurred_at, stage, to_unit, by_holder, level, elevated, led_by, findings, "
        "responsible FROM accident_events WHERE accident_id = ? AND position <= ? ORDER BY position",
        accident_id,
        position,
    )


def _add_minutes(key: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(key, fmt) + timedelta(minutes=minutes)).strftime(fmt)


def stage_reports(
    accident_row: Sequence[Any],
    events: list[tuple[Any, ...]],
    rules: dict[str, Any],
    sources: list[dict[str, str]],
    at: str | None,
) -> list[dict[str, Any]]:
    """The three report stages of an accident, judged against ``accident_report_minutes``.

    ``late_by_minutes``: for a stage reported, minutes after its due time (0 if on time);
    for a stage not reported, the minutes it is overdue at ``at`` (0 while not yet due; None
    when no ``at`` is given). ``on_time``: True/False once reported, None while missing."""
    occurred = accident_row[2]
    minutes = rules["accident_report_minutes"]
    reported = {r[4]: r for r in events if r[2] == "accident.reported" and (at is None or r[3] <= at)}
    stages = []
    for stage in ACCIDENT_STAGES:
        due = _add_minutes(occurred, int(minutes[stage]))
        row = reported.get(stage)
        if row is not None:
            late = max(0, minutes_between(due, row[3]))
            item = {
                "stage": stage,
                "due_minutes": int(minutes[stage]),
                "due_at": due,
                "reported_at": row[3],
                "minutes_after_occurrence": minutes_between(occurred, row[3]),
                "late_by_minutes": late,
                "on_time": row[3] <= due,
                "to_unit": row[5],
                "by": row[6],
                "events": [cite(accident_row[9], accident_row[10]), cite(row[0], row[1])],
            }
        else:
            item = {
                "stage": stage,
                "due_minutes": int(minutes[stage]),
                "due_at": due,
                "reported_at": None,
                "minutes_after_occurrence": None,
                "late_by_minutes": None if at is None else max(0, minutes_between(due, at)),
                "on_time": None,
                "to_unit": None,
                "by": None,
                "events": [cite(accident_row[9], accident_row[10])],
            }
        item["policy"] = {
            "rule": "accident_report_minutes",
            "value": int(minutes[stage]),
            "sources": policy_source(sources),
        }
        stages.append(item)
    return stages


async def accident_reports(db: SQL, accident_id: str, position: int, at: str | None = None) -> list[dict[str, Any]]:
    """Each report stage of the accident as known at ``position`` (see ``stage_reports``),
    judged by the policy in force for its unit when it occurred."""
    row = await _accident_row(db, accident_id, position)
    if row is None:
        return []
    rules, sources = (await rules_for_units(db, [row[1]], row[2], position))[row[1]]
    return stage_reports(row, await _accident_events(db, accident_id, position), rules, sources, at)


async def accident(db: SQL, accident_id: str, position: int) -> dict[str, Any] | None:
    """The accident as known at ``position``: its figures, derived grade (code and 中文),
    investigation (level, opened, concluded, report due by ``investigation_report_days``)."""
    row = await _accident_row(db, accident_id, position)
    if row is None:
        return None
    rules, sources = (await rules_for_units(db, [row[1]], row[2], position))[row[1]]
    events = await _accident_events(db, accident_id, position)
    opened = next((e for e in events if e[2] == "accident.investigation_opened"), None)
    concluded = next((e for e in events if e[2] == "accident.investigation_concluded"), None)
    days = int(rules["investigation_report_days"])
    due = _add_minutes(row[2], days * 24 * 60)
    investigation = {
        "level": opened[7] if opened else None,
        "elevated": None if opened is None or opened[8] is None else bool(opened[8]),
        "led_by": opened[9] if opened else None,
        "opened_at": opened[3] if opened else None,
        "concluded_at": concluded[3] if concluded else None,
        "findings": concluded[10] if concluded else None,
        "responsible": orjson.loads(concluded[11]) if concluded and concluded[11] else [],
        "report_due": due,
        "report_on_time": None if concluded is None else concluded[3] <= due,
        "policy": {"rule": "investigation_report_days", "value": days, "sources": policy_source(sources)},
        "events": [cite(e[0], e[1]) for e in (opened, concluded) if e is not None],
    }
    return {
        "accident_id": row[0],
        "unit_id": row[1],
        "occurred_at": row[2],
        "deaths": row[3],
        "serious_injuries": row[4],
        "direct_loss_cny": row[5],
        "grade": row[6],
        "grade_label": grade_label(row[6]),
        "illegal_operation": None if row[7] is None else bool(row[7]),
        "description": row[8],
        "investigation": investigation,
        "reports": stage_reports(row, events, rules, sources, None),
        "events": [cite(row[9], row[10])] + [cite(e[0], e[1]) for e in events],
    }
