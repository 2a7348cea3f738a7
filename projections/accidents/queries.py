"""Asking about accidents: figures and grade as known at a position (with 补报 in valid time),
the report stages and their escalation judged by the rules in force where and when the
accident happened, and the investigation.

The national baseline (SPEC §6): the unit reports within 60 minutes (条例 第9条); each level
passes the report up within 2 hours (第10、11条), up to the level the grade requires (一般 →
设区的市, 较大 → 省, 重大/特别重大 → 国务院); investigated at the level of the grade (第19条),
one level up where a policy elevates 一般 accidents; the report due 60 days after the
accident, extendable once by at most 60 (第29条). A stricter local deadline for the stages
(枣庄 十六) covers 重大突发事件和敏感事件 only: accidents graded 重大 or worse, or flagged
sensitive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from ledger.domain.policy import RuleSet
from ledger.labels import label
from ledger.store.sql import SQL
from projections.base import cite
from projections.bitemporal import chunks
from projections.registry import (
    Within,
    chains_at_moments,
    names_at,
    national_citation,
    rule_citation,
    rules_at,
    unit_at,
)
from projections.timekeys import FOREVER, add_days, add_minutes, minutes_between

__all__ = [
    "ESCALATION_TOP",
    "LEVELS",
    "REQUIRED_LEVEL",
    "STAGES",
    "accident",
    "accident_rows",
    "accident_steps",
    "escalation",
    "investigation",
    "report_moments",
    "report_stages",
    "unit_levels",
]

STAGES = ("initial", "written", "detailed")
LEVELS = ("county", "city", "province", "state")
#: 条例 第19条: who investigates an accident of each grade
REQUIRED_LEVEL = {"general": "county", "larger": "city", "major": "province", "especially_major": "state"}
#: 条例 第10条: how far up a report of each grade must go
ESCALATION_TOP = {"general": "city", "larger": "province", "major": "state", "especially_major": "state"}
#: the level of a unit of each kind (a department or section answers at its parent's level)
_KIND_LEVEL = {"county": "county", "dev_zone": "county", "city": "city", "province": "province"}
_FIGURES = "f.deaths, f.serious_injuries, f.direct_loss_cny, f.grade"


async def accident_rows(
    db: SQL,
    position: int,
    *,
    ids: Sequence[str] | None = None,
    within: Within | None = None,
    start: str | None = None,
    end: str | None = None,
    figures_at: str = FOREVER,
) -> list[dict[str, Any]]:
    """Accidents known at ``position`` (by id, or in a subtree and occurred in ``[start, end)``),
    with their figures and grade as they stood at valid time ``figures_at`` (default: every
    补报 known)."""
    where = ["a.position <= ?"]
    args: list[Any] = [figures_at, position, position]
    if within is not None:
        where.append(within.sql("a.unit_id"))
        args += within.args
    if start is not None:
        where.append("a.occurred_at >= ?")
        args.append(start)
    if end is not None:
        where.append("a.occurred_at < ?")
        args.append(end)
    sql = (
        "SELECT a.accident_id, a.unit_id, a.occurred_at, a.occurred_at_text, a.description, a.illegal_operation, "
        f"a.sensitive, a.location, a.position, a.hash, {_FIGURES}, f.position, f.hash FROM accidents a "
        "JOIN accident_figures f ON f.accident_id = a.accident_id AND f.position = (SELECT MAX(x.position) "
        "FROM accident_figures x WHERE x.accident_id = a.accident_id AND x.valid_from <= ? AND x.position <= ?) "
        f"WHERE {' AND '.join(where)}"
    )
    rows: list[tuple[Any, ...]] = []
    if ids is None:
        rows = await db.fetch(sql + " ORDER BY a.occurred_at, a.accident_id", *args)
    else:
        for chunk in chunks(list(ids)):
            rows += await db.fetch(
                sql + f" AND a.accident_id IN ({', '.join('?' * len(chunk))}) ORDER BY a.occurred_at", *args, *chunk
            )
    return [_row(r) for r in rows]


def _row(r: Sequence[Any]) -> dict[str, Any]:
    grade = r[13]
    events = [cite(r[8], r[9], "accident.occurred")]
    if int(r[14]) != int(r[8]):
        events.append(cite(r[14], r[15], "accident.corrected"))
    return {
        "accident_id": r[0],
        "unit_id": r[1],
        "occurred_at": r[2],
        "occurred_at_text": r[3],
        "description": r[4],
        "illegal_operation": None if r[5] is None else bool(r[5]),
        "sensitive": None if r[6] is None else bool(r[6]),
        "location": r[7],
        "deaths": int(r[10]),
        "serious_injuries": int(r[11]),
        "direct_loss_cny": float(r[12]),
        "grade": grade,
        "grade_label": label("accident_grade", grade),
        "corrected": int(r[14]) != int(r[8]),
        "events": events,
    }


async def accident_steps(db: SQL, ids: Iterable[str], position: int) -> dict[str, list[dict[str, Any]]]:
    """Each accident's reports and investigation steps known at ``position``, in log order."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in wanted}
    for chunk in chunks(wanted):
        rows = await db.fetch(
            "SELECT position, hash, accident_id, type, occurred_at, stage, to_unit, by_holder, level, elevated, "
            f"led_by, days, findings, responsible FROM accident_events WHERE accident_id IN "
            f"({', '.join('?' * len(chunk))}) AND position <= ? ORDER BY position",
            *chunk,
            position,
        )
        for r in rows:
            out[r[2]].append(
                {
                    "type": r[3],
                    "occurred_at": r[4],
                    "stage": r[5],
                    "to_unit": r[6],
                    "by": r[7],
                    "level": r[8],
                    "elevated": None if r[9] is None else bool(r[9]),
                    "led_by": r[10],
                    "days": r[11],
                    "findings": r[12],
                    "responsible": orjson.loads(r[13]) if r[13] else [],
                    "event": cite(r[0], r[1], r[3]),
                }
            )
    return out


def _minutes_for(accident: dict[str, Any], rules: RuleSet) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stage deadlines that bind this accident, and what set them."""
    minutes = rules.get("accident_report_minutes")
    local = rules.set_by.get("accident_report_minutes") is not None
    major_or_sensitive = accident["grade"] in ("major", "especially_major") or bool(accident.get("sensitive"))
    if local and not major_or_sensitive:  # the stricter local rule is for 重大突发事件和敏感事件 only
        return {"initial": 60}, national_citation("accident_report_minutes", {"initial": 60})
    return dict(minutes), rule_citation(rules, "accident_report_minutes")


def report_stages(
    accident: dict[str, Any], steps: list[dict[str, Any]], rules: RuleSet, at: str | None
) -> list[dict[str, Any]]:
    """The report stages of an accident. A stage with a deadline: ``due_at``, and once made
    ``on_time`` / ``late_by_minutes``, or while missing ``late_by_minutes`` overdue at ``at``
    (0 while not yet due). A stage no rule gives a number has no deadline (``due_at`` None)."""
    occurred = accident["occurred_at"]
    minutes, policy = _minutes_for(accident, rules)
    made: dict[str, dict[str, Any]] = {}
    for step in steps:
        if step["type"] == "accident.reported" and (at is None or step["occurred_at"] <= at):
            made.setdefault(step["stage"], step)
    out = []
    for stage in STAGES:
        due = add_minutes(occurred, int(minutes[stage])) if stage in minutes else None
        made_step = made.get(stage)
        item: dict[str, Any] = {
            "stage": stage,
            "stage_label": label("report_stage", stage),
            "due_minutes": int(minutes[stage]) if stage in minutes else None,
            "due_at": due,
            "reported_at": made_step["occurred_at"] if made_step else None,
            "to_unit": made_step["to_unit"] if made_step else None,
            "by": made_step["by"] if made_step else None,
            "policy": policy,
            "events": [accident["events"][0], *([made_step["event"]] if made_step else [])],
        }
        if made_step is not None:
            item["minutes_after_occurrence"] = minutes_between(occurred, made_step["occurred_at"])
            item["on_time"] = None if due is None else made_step["occurred_at"] <= due
            item["late_by_minutes"] = None if due is None else max(0, minutes_between(due, made_step["occurred_at"]))
        else:
            item["minutes_after_occurrence"] = None
            item["on_time"] = None
            item["late_by_minutes"] = None if due is None or at is None else max(0, minutes_between(due, at))
        out.append(item)
    return out


async def unit_levels(db: SQL, asked: Iterable[tuple[str, str]], position: int) -> dict[tuple[str, str], str | None]:
    """The administrative level each unit answered at, at each moment (a bureau at its
    county's, city's …): of (unit, moment) pairs, in one read a few hundred."""
    chains = await chains_at_moments(db, asked, position)
    return {
        pair: next((_KIND_LEVEL[u["kind"]] for u in chain if u["kind"] in _KIND_LEVEL), None)
        for pair, chain in chains.items()
    }


def _reports(steps: list[dict[str, Any]], at: str | None) -> list[dict[str, Any]]:
    return [s for s in steps if s["type"] == "accident.reported" and (at is None or s["occurred_at"] <= at)]


def report_moments(steps: list[dict[str, Any]], at: str | None) -> list[tuple[str, str]]:
    """Where and when each report of an accident went (by ``at``): what ``escalation`` asks
    ``unit_levels`` about — for many accidents at once, ask it once for them all."""
    return [(s["to_unit"], s["occurred_at"]) for s in _reports(steps, at)]


async def escalation(
    db: SQL,
    accident: dict[str, Any],
    steps: list[dict[str, Any]],
    rules: RuleSet,
    at: str | None,
    position: int,
    levels: dict[tuple[str, str], str | None] | None = None,
) -> list[dict[str, Any]]:
    """Each level the report must reach above the county, up to the level the grade requires:
    when the level below got it, when it was due here (``escalation_minutes`` later), when it
    came (the first report to a unit at that level), and how late. ``levels``: the
    ``unit_levels`` of its ``report_moments``, when asked already."""
    reports = _reports(steps, at)
    if levels is None:
        levels = await unit_levels(db, report_moments(steps, at), position)
    reached: dict[str, dict[str, Any]] = {}
    for step in reports:
        level = levels[(step["to_unit"], step["occurred_at"])]
        if level is not None and level not in reached:
            reached[level] = step
    minutes = int(rules.get("escalation_minutes"))
    policy = rule_citation(rules, "escalation_minutes")
    top = LEVELS.index(ESCALATION_TOP[accident["grade"]])
    out = []
    for index in range(1, top + 1):
        level, below = LEVELS[index], LEVELS[index - 1]
        came_below = reached.get(below)
        came = reached.get(level)
        due = add_minutes(came_below["occurred_at"], minutes) if came_below else None
        item: dict[str, Any] = {
            "level": level,
            "level_label": label("investigation_level", level),
            "from_level": below,
            "received_below_at": came_below["occurred_at"] if came_below else None,
            "received_below_by": came_below["to_unit"] if came_below else None,
            "due_at": due,
            "reported_at": came["occurred_at"] if came else None,
            "to_unit": came["to_unit"] if came else None,
            "by": came["by"] if came else None,
            "on_time": None if came is None or due is None else came["occurred_at"] <= due,
            "late_by_minutes": None,
            "policy": policy,
            "events": [s["event"] for s in (came_below, came) if s],
        }
        if due is not None:
            moment = came["occurred_at"] if came else at
            item["late_by_minutes"] = None if moment is None else max(0, minutes_between(due, moment))
        out.append(item)
    return out


def investigation(accident: dict[str, Any], steps: list[dict[str, Any]], rules: RuleSet) -> dict[str, Any]:
    """The investigation: the level the grade requires (one up for a 一般 accident where a policy
    elevates them), the level opened, extensions, the report due and whether it came in time."""
    opened = next((s for s in steps if s["type"] == "accident.investigation_opened"), None)
    concluded = next((s for s in steps if s["type"] == "accident.investigation_concluded"), None)
    extended = [s for s in steps if s["type"] == "accident.investigation_extended"]
    required = REQUIRED_LEVEL[accident["grade"]]
    level_policy = national_citation("investigation_level", required)
    if accident["grade"] == "general" and rules.get("elevate_general_accidents"):
        required = "city"
        level_policy = rule_citation(rules, "elevate_general_accidents")
    days = int(rules.get("investigation_report_days"))
    extra = min(60, sum(int(s["days"] or 0) for s in extended))
    due = add_days(accident["occurred_at"], days + extra)
    return {
        "required_level": required,
        "required_level_label": label("investigation_level", required),
        "level_policy": level_policy,
        "level": opened["level"] if opened else None,
        "level_label": label("investigation_level", opened["level"]) if opened else None,
        "elevated": opened["elevated"] if opened else None,
        "led_by": opened["led_by"] if opened else None,
        "opened_at": opened["occurred_at"] if opened else None,
        "extended_days": extra,
        "concluded_at": concluded["occurred_at"] if concluded else None,
        "findings": concluded["findings"] if concluded else None,
        "responsible": [
            {**r, "responsibility_label": label("responsibility", r.get("responsibility"))}
            for r in (concluded["responsible"] if concluded else [])
        ],
        "report_due": due,
        "report_on_time": None if concluded is None else concluded["occurred_at"] <= due,
        "policy": rule_citation(rules, "investigation_report_days"),
        "events": [s["event"] for s in (opened, *extended, concluded) if s is not None],
    }


async def accident(db: SQL, accident_id: str, position: int, at: str | None = None) -> dict[str, Any] | None:
    """The accident as known at ``position``: its figures and grade (every 补报 known, or as at
    ``at``), its unit's name then, the report stages and their escalation (judged at ``at``
    when given), the investigation — each judged by the rules in force where and when it
    happened. None when not recorded by then."""
    rows = await accident_rows(db, position, ids=[accident_id], figures_at=at or FOREVER)
    if not rows:
        return None
    found = rows[0]
    rules = (await rules_at(db, [found["unit_id"]], found["occurred_at"], position))[found["unit_id"]]
    steps = (await accident_steps(db, [accident_id], position))[accident_id]
    unit = await unit_at(db, found["unit_id"], found["occurred_at"], position)
    found["unit_name"] = unit["name"]
    found["reports"] = report_stages(found, steps, rules, at)
    found["escalation"] = await escalation(db, found, steps, rules, at, position)
    found["investigation"] = investigation(found, steps, rules)
    names = await names_at(
        db,
        [
            *(r["by"] for r in found["reports"] if r["by"]),
            *(r["to_unit"] for r in found["reports"] if r["to_unit"]),
            *(r["holder"] for r in found["investigation"]["responsible"]),
        ],
        found["occurred_at"],
        position,
    )
    for report in found["reports"]:
        report["by_name"] = names.get(report["by"]) if report["by"] else None
        report["to_unit_name"] = names.get(report["to_unit"]) if report["to_unit"] else None
    for person in found["investigation"]["responsible"]:
        person["holder_name"] = names.get(person["holder"])
    return found
