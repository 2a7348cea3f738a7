"""Overdue accident reports (SPEC §6).

- ``accident_report``: a report stage with a deadline (the national 60 minutes for the
  initial report, 条例 第9条; a stricter local deadline for 重大突发事件和敏感事件 where a
  policy sets one) not made when it fell due — charged to the unit's principal and its
  territorial and covering officials;
- ``accident_escalation``: a level above the county the report had to reach (up to the level
  the grade requires) that it did not reach within ``escalation_minutes`` of the level below
  getting it (条例 第10、11条) — charged to the unit that had it and did not pass it up.
"""

from __future__ import annotations

from typing import Any

from projections.accidents import accident_rows, accident_steps, escalation, report_moments, report_stages, unit_levels
from projections.overdue.common import Ask, item, responsible
from projections.registry import rules_at_moments

__all__ = ["accident_reports"]


async def accident_reports(ask: Ask, kinds: set[str]) -> list[dict[str, Any]]:
    accidents = await accident_rows(ask.db, ask.position, within=ask.within, end=ask.at, figures_at=ask.at)
    if not accidents:
        return []
    steps = await accident_steps(ask.db, [a["accident_id"] for a in accidents], ask.position)
    # each accident judged by the rules where and when it happened, and each report by the
    # level of the unit it went to when it went: every accident of a city's years asked at
    # once (one query each for them all: a city's three years took 1,200 queries, 420 ms)
    by_moment = await rules_at_moments(ask.db, [(a["unit_id"], a["occurred_at"]) for a in accidents], ask.position)
    rules = [by_moment[(a["unit_id"], a["occurred_at"])] for a in accidents]
    levels: list[list[dict[str, Any]]] = [[] for _ in accidents]
    if "accident_escalation" in kinds:
        reached = await unit_levels(
            ask.db, [m for a in accidents for m in report_moments(steps[a["accident_id"]], ask.at)], ask.position
        )
        levels = [
            await escalation(ask.db, a, steps[a["accident_id"]], r, ask.at, ask.position, reached)
            for a, r in zip(accidents, rules, strict=True)
        ]
    out: list[dict[str, Any]] = []
    pending: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    for found, found_rules, found_levels in zip(accidents, rules, levels, strict=True):
        if "accident_report" in kinds:
            for stage in report_stages(found, steps[found["accident_id"]], found_rules, ask.at):
                if stage["reported_at"] is None and stage["due_at"] is not None and stage["due_at"] < ask.at:
                    pending.append((found, stage, "accident_report"))
        for level in found_levels:
            if level["reported_at"] is None and level["due_at"] is not None and level["due_at"] < ask.at:
                pending.append((found, level, "accident_escalation"))
    units = {f["unit_id"] for f, _, _ in pending}
    holders = await ask.charged(units, ("principal", "territorial", "covers"))
    passers = {d["received_below_by"] for _, d, k in pending if k == "accident_escalation" and d["received_below_by"]}
    heads = await ask.charged(passers, ("principal",))
    for found, due, kind in pending:
        common = {
            "accident_id": found["accident_id"],
            "grade": found["grade"],
            "grade_label": found["grade_label"],
            "occurred_at": found["occurred_at"],
        }
        if kind == "accident_report":
            out.append(
                item(
                    kind,
                    f"accident:{found['accident_id']}",
                    found["unit_id"],
                    due["due_at"],
                    ask.at,
                    [responsible(h) for h in holders.get(found["unit_id"], [])],
                    due["policy"],
                    due["events"],
                    **common,
                    stage=due["stage"],
                    stage_label=due["stage_label"],
                )
            )
        else:
            passer = due["received_below_by"]
            out.append(
                item(
                    kind,
                    f"accident:{found['accident_id']}:{due['level']}",
                    found["unit_id"],
                    due["due_at"],
                    ask.at,
                    [responsible(h) for h in heads.get(passer, [])] if passer else [],
                    due["policy"],
                    due["events"],
                    **common,
                    level=due["level"],
                    level_label=due["level_label"],
                    received_below_at=due["received_below_at"],
                    received_below_by=passer,
                )
            )
    return out
