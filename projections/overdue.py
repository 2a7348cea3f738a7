"""The overdue list (SPEC §7): every item past its deadline at valid time ``at`` as known at
a position, with who is responsible and the policy it was judged by.

Kinds:

- ``hazard``: the deadline (hazard.assigned / deadline_extended) passed and the hazard was
  not yet verified as passed (SPEC §6; states assigned, rectified, verification_failed);
- ``hazard_progress``: a hazard awaiting rectification (reported, assigned,
  verification_failed) with no progress report within ``hazard_progress_days`` of the last
  one (or of its reporting);
- ``accident_report``: a report stage not made within ``accident_report_minutes``;
- ``periodic_report``: a unit of ``monthly_report_kinds`` without its monthly report for the
  last month whose deadline (``monthly_report_day``, end of that day, China time) has passed;
- ``covering_visit``: a work group covering a county with no inspection in that county's
  subtree by the group or one of its members (leader, deputy, member assignments, or staff
  whose home unit is the group) within ``covering_visit_days`` (counted from the covering
  assignment's start when there was none);
- ``principal_inspection``: an enterprise whose principal has led no inspection there within
  ``principal_inspection_days`` (counted from the principal's assignment's start).

Policies are resolved in bulk for every unit concerned (the same rule as
``projections.units.policy_rules``: widest jurisdiction first, then ``valid_from``; known at
the position asked).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ledger.store.sql import SQL
from projections.asof import AsOf
from projections.hazards import (
    DEFAULT_SOURCE,
    OVERDUE_STATES,
    _hazard_events,
    cite,
    minutes_between,
    rules_for_units,
    stage_reports,
)
from projections.timekeys import FOREVER
from projections.units import subtree_sql

__all__ = ["KINDS", "overdue"]

KINDS = (
    "hazard",
    "hazard_progress",
    "accident_report",
    "periodic_report",
    "covering_visit",
    "principal_inspection",
)
PROGRESS_STATES = ("reported", "assigned", "verification_failed")
GROUP_ROLES = ("group_leader", "group_deputy", "group_member")
CHINA = timezone(timedelta(hours=8))
_FMT = "%Y-%m-%dT%H:%M:%S.%fZ"
_IN = 500


def _key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_FMT)


def _parse(key: str) -> datetime:
    return datetime.strptime(key, _FMT).replace(tzinfo=UTC)


def _plus_days(key: str, days: int) -> str:
    return _key(_parse(key) + timedelta(days=days))


def _late(deadline: str, at: str) -> dict[str, int]:
    minutes = minutes_between(deadline, at)
    return {"minutes": minutes, "days": minutes // 1440}


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _policy(rule: str, value: Any, sources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"rule": rule, "value": value, "sources": list(sources) if sources else [dict(DEFAULT_SOURCE)]}


async def _names(db: SQL, ids: Iterable[str], position: int) -> dict[str, str]:
    wanted = [i for i in dict.fromkeys(ids) if i]
    names: dict[str, str] = {}
    for start in range(0, len(wanted), _IN):
        chunk = wanted[start : start + _IN]
        for table, column in (("people", "person_id"), ("units", "unit_id")):
            rows = await db.fetch(
                f"SELECT {column}, name FROM {table} WHERE {column} IN ({_marks(chunk)}) AND position <= ?",
                *chunk,
                position,
            )
            names.update({r[0]: r[1] for r in rows})
    return names


async def _holders(
    db: SQL, unit_ids: Iterable[str], at: str, position: int, roles: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    from projections.responsibility import holders_of

    by_unit: dict[str, list[dict[str, Any]]] = {}
    for holding in await holders_of(db, list(unit_ids), at, position, roles):
        by_unit.setdefault(holding["target"], []).append(holding)
    return by_unit


def _who(holding: dict[str, Any]) -> dict[str, Any]:
    keys = ("role", "holder", "holder_kind", "holder_name", "holder_title", "assignment_id", "basis", "events")
    return {k: holding.get(k) for k in keys}


async def overdue(
    db: SQL,
    scope: str | None,
    asof: AsOf | tuple[str, int],
    kinds: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Every item past its deadline at ``asof.at`` as known at ``asof.position`` (see the module
    docstring), in the jurisdiction subtree of ``scope`` (everything when None).

    Each item: ``{kind, subject, unit_id, deadline, overdue_by: {minutes, days}, responsible:
    [{role, holder, holder_kind, holder_name, …, events}], policy: {rule, value, sources},
    events: [{position, hash}], …kind-specific details}``, most overdue first."""
    if isinstance(asof, AsOf):
        at, position = asof.at, asof.position
    else:
        at, position = asof[0], int(asof[1])
    wanted = set(KINDS if kinds is None else kinds)
    items: list[dict[str, Any]] = []
    if wanted & {"hazard", "hazard_progress"}:
        items += await _hazards(db, scope, at, position, wanted)
    if "accident_report" in wanted:
        items += await _accident_reports(db, scope, at, position)
    if "periodic_report" in wanted:
        items += await _periodic_reports(db, scope, at, position)
    if "covering_visit" in wanted:
        items += await _covering_visits(db, scope, at, position)
    if "principal_inspection" in wanted:
        items += await _principal_inspections(db, scope, at, position)
    items.sort(key=lambda i: (i["deadline"], i["kind"], i["subject"]))
    return items


# -- hazards ------------------------------------------------------------------------------


async def _hazards(db: SQL, scope: str | None, at: str, position: int, wanted: set[str]) -> list[dict[str, Any]]:
    where = ["position <= ?", "occurred_at <= ?"]
    args: list[Any] = [position, at]
    if scope is not None:
        where.append(subtree_sql("unit_id"))
        args.append(scope)
    rows = await db.fetch(
        "SELECT t.hazard_id, t.unit_id, t.severity, t.state, t.deadline, t.deadline_position, t.responsible, "
        "t.assigned_position, t.supervision_level, t.supervisor, t.reported_at, t.last_progress_at "
        "FROM hazard_transitions t JOIN ("
        f"SELECT hazard_id, MAX(position) AS p FROM hazard_transitions WHERE {' AND '.join(where)} "
        "GROUP BY hazard_id) last ON last.hazard_id = t.hazard_id AND last.p = t.position "
        "WHERE t.state <> 'closed' AND t.state <> 'verified'",
        *args,
    )
    if not rows:
        return []
    rules = await rules_for_units(db, {r[1] for r in rows}, at, position)
    found: list[tuple[str, tuple[Any, ...], str, dict[str, Any]]] = []
    for r in rows:
        hazard_id, unit_id, _sev, state, deadline, deadline_pos = r[:6]
        if "hazard" in wanted and state in OVERDUE_STATES and deadline is not None and deadline < at:
            policy = _policy("hazard_deadline", deadline, [])
            policy["deadline_set_by"] = deadline_pos
            found.append(("hazard", r, deadline, policy))
        if "hazard_progress" in wanted and state in PROGRESS_STATES:
            unit_rules, sources = rules[unit_id]
            days = int(unit_rules["hazard_progress_days"])
            since = r[11] or r[10]
            due = _plus_days(since, days)
            if due < at:
                found.append(("hazard_progress", r, due, _policy("hazard_progress_days", days, sources)))
    if not found:
        return []
    ids = list(dict.fromkeys(f[1][0] for f in found))
    events = await _hazard_events(db, ids, at, position)
    units = {f[1][1] for f in found}
    holders = await _holders(db, units, at, position, ("territorial", "covers"))
    names = await _names(db, (f[1][6] for f in found), position)
    out = []
    for kind, r, deadline, policy in found:
        hazard_id, unit_id, severity, state = r[:4]
        hazard_events = events[hazard_id]
        responsible = []
        if r[6] is not None:
            assigned = [e for e in hazard_events if e["position"] == r[7]]
            responsible.append(
                {
                    "role": "hazard_responsible",
                    "holder": r[6],
                    "holder_name": names.get(r[6]),
                    "events": assigned,
                }
            )
        responsible += [_who(h) for h in holders.get(unit_id, [])]
        if kind == "hazard":
            policy["deadline_set_by"] = next(
                ({"position": e["position"], "hash": e["hash"]} for e in hazard_events if e["position"] == r[5]), None
            )
        out.append(
            {
                "kind": kind,
                "subject": f"hazard:{hazard_id}",
                "hazard_id": hazard_id,
                "unit_id": unit_id,
                "severity": severity,
                "state": state,
                "supervision_level": r[8],
                "supervisor": r[9],
                "last_progress_at": r[11],
                "deadline": deadline,
                "overdue_by": _late(deadline, at),
                "responsible": responsible,
                "policy": policy,
                "events": hazard_events,
            }
        )
    return out


# -- accidents ----------------------------------------------------------------------------


async def _accident_reports(db: SQL, scope: str | None, at: str, position: int) -> list[dict[str, Any]]:
    where = ["a.position <= ?", "a.occurred_at <= ?"]
    args: list[Any] = [position, at]
    if scope is not None:
        where.append(subtree_sql("a.unit_id"))
        args.append(scope)
    accidents = await db.fetch(
        "SELECT a.accident_id, a.unit_id, a.occurred_at, a.deaths, a.serious_injuries, a.direct_loss_cny, a.grade, "
        "a.illegal_operation, a.description, a.position, a.hash FROM accidents a "
        f"WHERE {' AND '.join(where)} AND (SELECT COUNT(*) FROM accident_events e WHERE e.accident_id = a.accident_id "
        "AND e.type = 'accident.reported' AND e.position <= ? AND e.occurred_at <= ?) < 3",
        *args,
        position,
        at,
    )
    if not accidents:
        return []
    rules = {}
    for accident_row in accidents:  # each accident judged by the policy in force when it occurred
        rules[accident_row[0]] = (await rules_for_units(db, [accident_row[1]], accident_row[2], position))[
            accident_row[1]
        ]
    holders = await _holders(db, {a[1] for a in accidents}, at, position, ("principal", "territorial", "covers"))
    out = []
    for accident_row in accidents:
        accident_id, unit_id = accident_row[0], accident_row[1]
        events = await db.fetch(
            "SELECT position, hash, type, occurred_at, stage, to_unit, by_holder, level, elevated, led_by, findings, "
            "responsible FROM accident_events WHERE accident_id = ? AND position <= ? ORDER BY position",
            accident_id,
            position,
        )
        unit_rules, sources = rules[accident_id]
        for stage in stage_reports(accident_row, events, unit_rules, sources, at):
            if stage["reported_at"] is not None or stage["due_at"] >= at:
                continue
            out.append(
                {
                    "kind": "accident_report",
                    "subject": f"accident:{accident_id}",
                    "accident_id": accident_id,
                    "stage": stage["stage"],
                    "grade": accident_row[6],
                    "unit_id": unit_id,
                    "deadline": stage["due_at"],
                    "overdue_by": _late(stage["due_at"], at),
                    "responsible": [_who(h) for h in holders.get(unit_id, [])],
                    "policy": stage["policy"],
                    "events": stage["events"],
                }
            )
    return out


# -- periodic reports ---------------------------------------------------------------------


def _month_due(at: str, day: int) -> tuple[str, str]:
    """The last month whose report deadline (end of ``day`` of the next month, China time)
    has passed at ``at``: (period "YYYY-MM", deadline key)."""
    local = _parse(at).astimezone(CHINA)
    year, month = local.year, local.month
    for _ in range(2):
        deadline = datetime(year, month, 1, tzinfo=CHINA) + timedelta(days=day)
        previous = (year, month - 1) if month > 1 else (year - 1, 12)
        if _key(deadline) < at:
            return f"{previous[0]:04d}-{previous[1]:02d}", _key(deadline)
        year, month = previous
    return f"{year:04d}-{month:02d}", _key(datetime(year, month, 1, tzinfo=CHINA) + timedelta(days=day))


async def _periodic_reports(db: SQL, scope: str | None, at: str, position: int) -> list[dict[str, Any]]:
    where = ["position <= ?", "kind <> 'enterprise'", "(closed_at IS NULL OR closed_at > ?)"]
    args: list[Any] = [position, at]
    if scope is not None:
        where.append(subtree_sql("unit_id"))
        args.append(scope)
    units = await db.fetch(f"SELECT unit_id, kind, name, position FROM units WHERE {' AND '.join(where)}", *args)
    if not units:
        return []
    rules = await rules_for_units(db, [u[0] for u in units], at, position)
    owed: list[tuple[Sequence[Any], str, str, dict[str, Any]]] = []
    for unit in units:
        unit_rules, sources = rules[unit[0]]
        if unit[1] not in unit_rules["monthly_report_kinds"]:
            continue
        day = int(unit_rules["monthly_report_day"])
        period, deadline = _month_due(at, day)
        policy = _policy("monthly_report_day", day, sources)
        policy["monthly_report_kinds"] = list(unit_rules["monthly_report_kinds"])
        owed.append((unit, period, deadline, policy))
    if not owed:
        return []
    submitted: set[tuple[str, str]] = set()
    ids = [o[0][0] for o in owed]
    for start in range(0, len(ids), _IN):
        chunk = ids[start : start + _IN]
        rows = await db.fetch(
            f"SELECT unit_id, period FROM reports WHERE unit_id IN ({_marks(chunk)}) AND kind = 'monthly' "
            "AND position <= ? AND occurred_at <= ?",
            *chunk,
            position,
            at,
        )
        submitted.update((r[0], r[1]) for r in rows)
    missing = [o for o in owed if (o[0][0], o[1]) not in submitted]
    holders = await _holders(db, (m[0][0] for m in missing), at, position, ("principal",))
    return [
        {
            "kind": "periodic_report",
            "subject": f"report:{unit[0]}:monthly:{period}",
            "report_kind": "monthly",
            "period": period,
            "unit_id": unit[0],
            "unit_name": unit[2],
            "deadline": deadline,
            "overdue_by": _late(deadline, at),
            "responsible": [_who(h) for h in holders.get(unit[0], [])],
            "policy": policy,
            "events": [],  # an absence rests on no event; the policy says what was owed
        }
        for unit, period, deadline, policy in missing
    ]


# -- covering visits ----------------------------------------------------------------------


async def _covering_visits(db: SQL, scope: str | None, at: str, position: int) -> list[dict[str, Any]]:
    where = ["position <= ?", "kind IN ('county', 'dev_zone')"]
    args: list[Any] = [position]
    if scope is not None:
        where.append(subtree_sql("unit_id"))
        args.append(scope)
    counties = [r[0] for r in await db.fetch(f"SELECT unit_id FROM units WHERE {' AND '.join(where)}", *args)]
    if not counties:
        return []
    covered = await _holders(db, counties, at, position, ("covers",))
    pairs = [(c, h) for c in counties for h in covered.get(c, []) if h["holder_kind"] == "unit"]
    if not pairs:
        return []
    groups = list(dict.fromkeys(h["holder"] for _, h in pairs))
    members = await _holders(db, groups, at, position, GROUP_ROLES)
    staff: dict[str, list[str]] = {}
    for start in range(0, len(groups), _IN):
        chunk = groups[start : start + _IN]
        for person, unit in await db.fetch(
            f"SELECT person_id, unit_id FROM people WHERE unit_id IN ({_marks(chunk)}) AND position <= ?",
            *chunk,
            position,
        ):
            staff.setdefault(unit, []).append(person)
    rules = await rules_for_units(db, counties, at, position)
    out = []
    for county, covering in pairs:
        group = covering["holder"]
        visitors = list(dict.fromkeys([group, *(m["holder"] for m in members.get(group, [])), *staff.get(group, [])]))
        last = await db.fetch(
            "SELECT i.inspection_id, i.unit_id, i.occurred_at, i.position, i.hash FROM inspections i "
            "WHERE i.inspection_id IN (SELECT ii.inspection_id FROM inspection_inspectors ii "
            f"WHERE ii.inspector IN ({_marks(visitors)}) AND ii.occurred_at <= ? AND ii.position <= ?) "
            f"AND {subtree_sql('i.unit_id')} ORDER BY i.occurred_at DESC, i.position DESC LIMIT 1",
            *visitors,
            at,
            position,
            county,
        )
        unit_rules, sources = rules[county]
        days = int(unit_rules["covering_visit_days"])
        since = max(covering["valid_from"], last[0][2]) if last else covering["valid_from"]
        deadline = _plus_days(since, days)
        if deadline >= at:
            continue
        events = [{k: e[k] for k in ("position", "hash")} for e in covering["events"]]
        if last:
            events.append(cite(last[0][3], last[0][4]))
        out.append(
            {
                "kind": "covering_visit",
                "subject": f"covers:{group}:{county}",
                "unit_id": county,
                "group": group,
                "group_name": covering["holder_name"],
                "last_visit": None
                if not last
                else {
                    "inspection_id": last[0][0],
                    "unit_id": last[0][1],
                    "occurred_at": last[0][2],
                    "events": [cite(last[0][3], last[0][4])],
                },
                "deadline": deadline,
                "overdue_by": _late(deadline, at),
                "responsible": [_who(covering), *(_who(m) for m in members.get(group, []))],
                "policy": _policy("covering_visit_days", days, sources),
                "events": events,
            }
        )
    return out


# -- principal's monthly inspection -------------------------------------------------------


async def _principal_inspections(db: SQL, scope: str | None, at: str, position: int) -> list[dict[str, Any]]:
    where = ["position <= ?", "kind = 'enterprise'", "(closed_at IS NULL OR closed_at > ?)"]
    args: list[Any] = [position, at]
    if scope is not None:
        where.append(subtree_sql("unit_id"))
        args.append(scope)
    enterprises = [r[0] for r in await db.fetch(f"SELECT unit_id FROM units WHERE {' AND '.join(where)}", *args)]
    if not enterprises:
        return []
    principals = await _holders(db, enterprises, at, position, ("principal",))
    led: dict[tuple[str, str], tuple[str, int, str]] = {}
    for start in range(0, len(enterprises), _IN):
        chunk = enterprises[start : start + _IN]
        rows = await db.fetch(
            "SELECT unit_id, led_by, occurred_at, position, hash FROM inspections "
            f"WHERE unit_id IN ({_marks(chunk)}) AND led_by IS NOT NULL AND occurred_at <= ? AND position <= ?",
            *chunk,
            at,
            position,
        )
        for unit_id, led_by, occurred, pos, hash_ in rows:
            key = (unit_id, led_by)
            if key not in led or occurred > led[key][0]:
                led[key] = (occurred, int(pos), hash_)
    rules = await rules_for_units(db, [e for e in enterprises if e in principals], at, position)
    out = []
    for unit_id in enterprises:
        for principal in principals.get(unit_id, []):
            unit_rules, sources = rules[unit_id]
            days = int(unit_rules["principal_inspection_days"])
            last = led.get((unit_id, principal["holder"]))
            since = max(principal["valid_from"], last[0]) if last else principal["valid_from"]
            deadline = _plus_days(since, days)
            if deadline >= at or principal["valid_from"] == FOREVER:
                continue
            events = [{k: e[k] for k in ("position", "hash")} for e in principal["events"]]
            if last:
                events.append(cite(last[1], last[2]))
            out.append(
                {
                    "kind": "principal_inspection",
                    "subject": f"principal:{principal['holder']}:{unit_id}",
                    "unit_id": unit_id,
                    "last_led_inspection_at": last[0] if last else None,
                    "deadline": deadline,
                    "overdue_by": _late(deadline, at),
                    "responsible": [_who(principal)],
                    "policy": _policy("principal_inspection_days", days, sources),
                    "events": events,
                }
            )
    return out
