"""Accident investigations, the national baseline (条例 第19、29条): investigated at the level
the grade requires (one level up for a 一般 accident where a policy elevates them, 蓝山 2019
方案 四(七)), and the report in within ``investigation_report_days`` of the accident plus any
extension (at most 60 days). The grade is the one last corrected (补报, 条例 第13条). A finding
belongs to the period in which the accident occurred."""

from __future__ import annotations

from typing import Any

from projections.accidents import LEVELS, accident_rows, accident_steps, investigation
from projections.findings.context import Context

__all__ = ["investigations"]


async def investigations(ctx: Context) -> list[dict[str, Any]]:
    accidents = [
        a
        for a in await accident_rows(ctx.db, ctx.position, start=ctx.period.start, end=ctx.period.end)
        if ctx.covers(a["unit_id"])
    ]
    steps = await accident_steps(ctx.db, [a["accident_id"] for a in accidents], ctx.position)
    # each accident judged by the rules where and when it happened, asked at once for them all
    asked = [(a["unit_id"], a["occurred_at"]) for a in accidents]
    by_moment = await ctx.rules_at_moments(asked)
    out = []
    for found, rules in zip(accidents, (by_moment[p] for p in asked), strict=True):
        probe = investigation(found, steps[found["accident_id"]], rules)
        subject = {"kind": "accident", "id": found["accident_id"], "name": found["description"]}
        detail = {
            "accident_id": found["accident_id"],
            "grade": found["grade"],
            "grade_label": found["grade_label"],
            "occurred_at": found["occurred_at"],
            "required_level": probe["required_level"],
            "required_level_label": probe["required_level_label"],
        }
        if probe["level"] is not None and LEVELS.index(probe["level"]) < LEVELS.index(probe["required_level"]):
            out.append(
                ctx.finding(
                    "accident_investigation.level",
                    subject,
                    found["unit_id"],
                    probe["level_policy"],
                    [*found["events"], *probe["events"][:1]],
                    {**detail, "opened_level": probe["level"], "opened_level_label": probe["level_label"]},
                )
            )
        due = probe["report_due"]
        late = probe["concluded_at"] is not None and probe["concluded_at"] > due
        missing = probe["concluded_at"] is None and ctx.now > due
        if late or missing:
            out.append(
                ctx.finding(
                    "accident_investigation.report_overdue",
                    subject,
                    found["unit_id"],
                    probe["policy"],
                    [*found["events"], *probe["events"]],
                    {
                        **detail,
                        "report_due": due,
                        "extended_days": probe["extended_days"],
                        "concluded_at": probe["concluded_at"],
                        "as_of": None if late else ctx.now,
                    },
                )
            )
    return out
