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

from projections.accidents import accident_rows, accident_steps, escalation, report_stages
from projections.overdue.common import Ask, item, responsible

__all__ = ["accident_reports"]


async def accident_reports(ask: Ask, kinds: set[str]) -> list[dict[str, Any]]:
    accidents = await accident_rows(ask.db, ask.position, within=ask.within, end=ask.at, figures_at=ask.at)
    if not accidents:
        return []
    steps = await accident_steps(ask.db, [a["accident_id"] for a in accidents], ask.position)
    out: list[dict[str, Any]] = []
    holders: dict[str, list[dict[str, Any]]] = {}
    pending: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    for found in accidents:
        rules = (await ask.rules([found["unit_id"]], found["occurred_at"]))[found["unit_id"]]
        mine = steps[found["accident_id"]]
        if "accident_report" in kinds:
            for stage in report_stages(found, mine, rules, ask.at):
                if stage["reported_at"] is None and stage["due_at"] is not None and stage["due_at"] < ask.at:
                    pending.append((found, stage, "accident_report"))
        if "accident_escalation" in kinds:
            for level in await escalation(ask.db, found, mine, rules, ask.at, ask.position):
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
