"""Overdue recurring duties, all local rules judged by calendar periods (SPEC §6):

- ``periodic_report`` (枣庄: 请各街道、区各部门于每月1日前，将上月工作完成情况书面报区安委会办公室):
  a unit of ``monthly_report_kinds`` without its report of last month by ``monthly_report_day``;
- ``covering_visit`` (临沂 2019 方案 二(三)1, 每周到所包县区开展一次现场办公): a work group
  covering a county with no ``visit.made`` there (by the group or one of its members) in the
  last calendar week;
- ``principal_inspection`` (蓝山 2019 方案, 十个一次: 每个月至少带队检查一次安全生产工作): an
  enterprise whose principal, in post all of last calendar month, led no inspection there.

A period counts only when the rule was in force for the unit at its start and at its end.
"""

from __future__ import annotations

from typing import Any

from projections.activity import last_visits, led_inspections
from projections.calendar import CHINA, Period, cadence, day_end, last_ended, parse_period
from projections.duty import GROUP_ROLES
from projections.overdue.common import Ask, item, responsible
from projections.registry import rule_citation, subtree_at
from projections.timekeys import from_key

__all__ = ["covering_visits", "periodic_reports", "principal_inspections"]


async def _in_force(ask: Ask, unit_id: str, key: str, period: Period) -> bool:
    for moment in (period.start, period.last_instant):
        if (await ask.rules([unit_id], moment))[unit_id].get(key) is None:
            return False
    return True


async def _units(ask: Ask, kinds: tuple[str, ...]) -> list[str]:
    scope, scope_args = ask.scope_sql("v.unit_id")
    rows = await ask.db.fetch(
        f"SELECT v.unit_id FROM unit_versions v WHERE v.kind IN ({', '.join('?' * len(kinds))}) "
        "AND v.valid_from <= ? AND ? < v.valid_to AND v.recorded_from <= ? AND ? < v.recorded_to "
        "AND v.closed_at IS NULL" + scope,
        *kinds,
        ask.at,
        ask.at,
        ask.position,
        ask.position,
        *scope_args,
    )
    return sorted(r[0] for r in rows)


def _report_due(at: str, day: int) -> tuple[Period, str]:
    """The last month whose report (due by the end of ``day`` of the next month, China time)
    fell due at or before ``at``: (that month, the deadline)."""
    local = from_key(at).astimezone(CHINA)
    year, month = local.year, local.month
    for _ in range(3):
        previous = (year, month - 1) if month > 1 else (year - 1, 12)
        deadline = day_end(year, month, day)
        if deadline <= at:
            return parse_period(f"{previous[0]:04d}-{previous[1]:02d}"), deadline
        year, month = previous
    raise AssertionError("unreachable: a deadline within three months always passed")


async def periodic_reports(ask: Ask) -> list[dict[str, Any]]:
    if not await ask.may_apply("monthly_report_day"):
        return []
    units = await _units(ask, ("township", "department", "county", "dev_zone", "village", "enterprise"))
    rules = await ask.rules(units)
    out = []
    for unit_id in units:
        day = rules[unit_id].get("monthly_report_day")
        if day is None:
            continue
        kinds = rules[unit_id].get("monthly_report_kinds") or []
        kind = await _kind(ask, unit_id)
        if kind not in kinds:
            continue
        month, deadline = _report_due(ask.at, int(day))
        if not await _in_force(ask, unit_id, "monthly_report_day", month):
            continue
        sent = await ask.db.fetch(
            "SELECT 1 FROM reports WHERE unit_id = ? AND kind = 'monthly' AND period = ? AND position <= ? "
            "AND occurred_at <= ?",
            unit_id,
            month.label,
            ask.position,
            ask.at,
        )
        if sent:
            continue
        policy = rule_citation(rules[unit_id], "monthly_report_day")
        policy["monthly_report_kinds"] = list(kinds)
        holders = await ask.charged([unit_id], ("principal",))
        out.append(
            item(
                "periodic_report",
                f"report:{unit_id}:monthly:{month.label}",
                unit_id,
                deadline,
                ask.at,
                [responsible(h) for h in holders.get(unit_id, [])],
                policy,
                [],  # an absence rests on no event; the policy says what was owed
                report_kind="monthly",
                period=month.label,
            )
        )
    return out


async def _kind(ask: Ask, unit_id: str) -> str | None:
    rows = await ask.db.fetch(
        "SELECT kind FROM unit_versions WHERE unit_id = ? AND valid_from <= ? AND ? < valid_to "
        "AND recorded_from <= ? AND ? < recorded_to",
        unit_id,
        ask.at,
        ask.at,
        ask.position,
        ask.position,
    )
    return str(rows[0][0]) if rows else None


async def covering_visits(ask: Ask) -> list[dict[str, Any]]:
    if not await ask.may_apply("covering_visit_days"):
        return []
    counties = await _units(ask, ("county", "dev_zone"))
    covered = await ask.holders(counties, ("covers",))
    pairs = [(c, h) for c in counties for h in covered.get(c, []) if h["holder_kind"] == "unit"]
    if not pairs:
        return []
    rules = await ask.rules(counties)
    groups = list(dict.fromkeys(h["holder"] for _, h in pairs))
    members = await ask.holders(groups, GROUP_ROLES)
    out = []
    for county, covering in pairs:
        days = rules[county].get("covering_visit_days")
        if days is None:
            continue
        week = last_ended(ask.at, cadence(int(days)))
        if covering["valid_from"] > week.start or (covering["valid_to"] and covering["valid_to"] < week.end):
            continue  # not covering for the whole week
        if not await _in_force(ask, county, "covering_visit_days", week):
            continue
        group = covering["holder"]
        crew = members.get(group, [])
        visits = await last_visits(
            ask.db, [group, *(m["holder"] for m in crew)], week.start, week.end, ask.position, ("on_site_office",)
        )
        inside = await subtree_at(ask.db, county, week.start, ask.position)
        made = [v for (_holder, target), found in visits.items() if target in inside for v in found]
        if made:
            continue
        out.append(
            item(
                "covering_visit",
                f"covers:{group}:{county}:{week.label}",
                county,
                week.end,
                ask.at,
                [responsible(covering), *(responsible(m) for m in crew)],
                rule_citation(rules[county], "covering_visit_days"),
                [{k: e[k] for k in ("position", "hash", "type")} for e in covering["events"]],
                group=group,
                group_name=covering["holder_name"],
                period=week.label,
            )
        )
    return out


async def principal_inspections(ask: Ask) -> list[dict[str, Any]]:
    if not await ask.may_apply("principal_inspection_days"):
        return []
    enterprises = await _units(ask, ("enterprise",))
    rules = await ask.rules(enterprises)
    bound = [e for e in enterprises if rules[e].get("principal_inspection_days") is not None]
    if not bound:
        return []
    kinds = {cadence(int(rules[e].get("principal_inspection_days"))) for e in bound}
    out = []
    for kind in sorted(kinds):
        period = last_ended(ask.at, kind)
        units = [e for e in bound if cadence(int(rules[e].get("principal_inspection_days"))) == kind]
        principals = await ask.holders(units, at=period.last_instant, roles=("principal",))
        led = await led_inspections(ask.db, list(principals), period.start, period.end, ask.position)
        for unit_id in units:
            for principal in principals.get(unit_id, []):
                if principal["valid_from"] > period.start or principal["holder_kind"] != "person":
                    continue  # not in post for the whole month
                if led.get((unit_id, principal["holder"])):
                    continue
                if not await _in_force(ask, unit_id, "principal_inspection_days", period):
                    continue
                out.append(
                    item(
                        "principal_inspection",
                        f"principal:{principal['holder']}:{unit_id}:{period.label}",
                        unit_id,
                        period.end,
                        ask.at,
                        [responsible(principal)],
                        rule_citation(rules[unit_id], "principal_inspection_days"),
                        [{k: e[k] for k in ("position", "hash", "type")} for e in principal["events"]],
                        period=period.label,
                    )
                )
    return out
