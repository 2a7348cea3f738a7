"""Overdue hazards (SPEC §6).

- ``hazard`` (national baseline, 限期整改): a hazard handed over with a deadline, not yet
  rectified when the deadline passed — charged to the one it was handed to (and the
  territorial and covering officials of its unit);
- ``hazard_verification``: a hazard rectified but not yet verified as passed when its
  deadline passed — charged to whoever must verify it (谁验收、谁签字、谁负责: the one who
  handed it over, the supervisor where it is listed), not to the one who rectified it;
- ``hazard_progress`` (local, 枣庄 五): each 街道 and each department reports the progress of
  all its open hazards to the 区安委办 once per half month (1st–15th, 16th–end); a half
  month ended without that report.

A hazard rectified on the spot (立查立改) has no deadline and is never overdue.
"""

from __future__ import annotations

from typing import Any

from ledger.labels import label
from projections.calendar import cadence, last_ended
from projections.hazards import AWAITING_RECTIFICATION, OVERDUE_SQL, Which, hazard_events, latest
from projections.overdue.common import Ask, item, responsible
from projections.registry import Within, names_at, national_citation, rule_citation

__all__ = ["hazard_progress", "hazards"]

_COLUMNS = (
    "t.hazard_id, t.unit_id, t.severity, t.state, t.deadline, t.deadline_position, t.responsible, "
    "t.assigned_by, t.assigned_position, t.supervision_level, t.supervisor, t.rectified_at, t.rectified_by, "
    "h.description"
)
#: what a brief question needs: the first five of ``_COLUMNS``, all in one index
_BRIEF = "t.hazard_id, t.unit_id, t.severity, t.state, t.deadline"


def _kind(state: str) -> str:
    return "hazard" if state in AWAITING_RECTIFICATION else "hazard_verification"


async def hazards(ask: Ask, kinds: set[str]) -> list[dict[str, Any]]:
    sql, args = latest(
        _BRIEF if ask.brief else _COLUMNS,
        ask.position,
        ask.at,
        Which(within=ask.within),
        f"t.state IN ({OVERDUE_SQL}) AND t.deadline < ?",
        [ask.at],
    )
    rows = [r for r in await ask.db.fetch(sql, *args) if _kind(r[3]) in kinds]
    if ask.brief:
        return [item(_kind(r[3]), f"hazard:{r[0]}", r[1], r[4], ask.at, [], {}, []) for r in rows]
    if not rows:
        return []
    events = await hazard_events(ask.db, [r[0] for r in rows], ask.at, ask.position)
    holders = await ask.charged({r[1] for r in rows}, ("territorial", "covers"))
    names = await names_at(ask.db, {x for r in rows for x in (r[6], r[7], r[10]) if x}, ask.at, ask.position)
    out = []
    for (
        hazard_id,
        unit_id,
        severity,
        state,
        deadline,
        deadline_pos,
        resp,
        assigned_by,
        assigned_pos,
        level,
        sup,
        rectified_at,
        rectified_by,
        description,
    ) in rows:
        cited = events[hazard_id]
        by_position = {e["position"]: e for e in cited}
        local = [responsible(h) for h in holders.get(unit_id, [])]
        policy = national_citation("hazard_deadline", deadline)
        policy["deadline_set_by"] = by_position.get(deadline_pos)
        common = {
            "hazard_id": hazard_id,
            "description": description,
            "severity": severity,
            "state": state,
            "supervision_level": level,
            "supervisor": sup,
        }
        if state in AWAITING_RECTIFICATION:
            charged = [_person("hazard_responsible", resp, names, by_position.get(assigned_pos)), *local]
            out.append(
                item("hazard", f"hazard:{hazard_id}", unit_id, deadline, ask.at, charged, policy, cited, **common)
            )
            continue
        verifiers = [v for v in dict.fromkeys([assigned_by, sup]) if v]
        charged = [_person("hazard_verifier", v, names, by_position.get(assigned_pos)) for v in verifiers] + local
        late = None if rectified_at is None or rectified_at <= deadline else rectified_at
        out.append(
            item(
                "hazard_verification",
                f"hazard:{hazard_id}",
                unit_id,
                deadline,
                ask.at,
                charged,
                policy,
                cited,
                **common,
                rectified_at=rectified_at,
                rectified_by=rectified_by,
                rectified_by_name=names.get(rectified_by) if rectified_by else None,
                rectified_late=late is not None,
            )
        )
    return out


def _person(role: str, holder: str | None, names: dict[str, str], event: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "role": role,
        "role_label": label("role", role),
        "holder": holder,
        "holder_name": names.get(holder) if holder else None,
        "events": [event] if event else [],
    }


async def hazard_progress(ask: Ask) -> list[dict[str, Any]]:
    """Townships and departments without their half-monthly progress report (枣庄 五)."""
    if not await ask.may_apply("hazard_progress_days"):
        return []
    scope, scope_args = ask.scope_sql("v.unit_id")
    owers = await ask.db.fetch(
        "SELECT v.unit_id, v.kind FROM unit_versions v WHERE v.kind IN ('township', 'department') "
        "AND v.valid_from <= ? AND ? < v.valid_to AND v.recorded_from <= ? AND ? < v.recorded_to "
        "AND v.closed_at IS NULL" + scope,
        ask.at,
        ask.at,
        ask.position,
        ask.position,
        *scope_args,
    )
    if not owers:
        return []
    rules = await ask.rules([u for u, _ in owers])
    due: list[tuple[str, str, Any, dict[str, Any]]] = []
    for unit_id, kind in owers:
        days = rules[unit_id].get("hazard_progress_days")
        if days is None:
            continue
        period = last_ended(ask.at, cadence(int(days)))
        ends = await ask.rules([unit_id], period.last_instant)
        starts = await ask.rules([unit_id], period.start)
        if ends[unit_id].get("hazard_progress_days") is None or starts[unit_id].get("hazard_progress_days") is None:
            continue  # the rule was not in force for the whole half month
        due.append((unit_id, kind, period, rule_citation(rules[unit_id], "hazard_progress_days")))
    out = []
    for unit_id, kind, period, policy in due:
        if not await _had_open_hazards(ask, unit_id, kind, period.start, period.end):
            continue
        submitted = await ask.db.fetch(
            "SELECT 1 FROM reports WHERE unit_id = ? AND kind = 'half_month_hazard' AND period = ? "
            "AND position <= ? AND occurred_at <= ?",
            unit_id,
            period.label,
            ask.position,
            ask.at,
        )
        if submitted:
            continue
        holders = await ask.charged([unit_id], ("principal",))
        out.append(
            item(
                "hazard_progress",
                f"report:{unit_id}:half_month_hazard:{period.label}",
                unit_id,
                period.end,
                ask.at,
                [responsible(h) for h in holders.get(unit_id, [])],
                policy,
                [],  # an absence rests on no event; the policy says what was owed
                report_kind="half_month_hazard",
                period=period.label,
            )
        )
    return out


async def _had_open_hazards(ask: Ask, unit_id: str, kind: str, start: str, end: str) -> bool:
    """A township with a hazard open in its subtree during [start, end); a department with
    one handed to it (or by it)."""
    if kind == "township":
        which = Which(within=Within(unit_id, start, ask.position))
        outer, outer_args = "t.state <> 'closed'", []
    else:
        which = Which()
        outer, outer_args = "t.state <> 'closed' AND (t.responsible = ? OR t.assigned_by = ?)", [unit_id, unit_id]
    sql, args = latest("t.hazard_id", ask.position, end, which, outer, outer_args, limit=1)
    rows = await ask.db.fetch(sql, *args)
    return bool(rows)
