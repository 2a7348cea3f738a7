"""一票否决, 枣庄 2021 通知 六 — three triggers, each against 相关街道 (the township the unit lies
in) and 区有关部门 (the department that supervises the unit's industry):

- ``veto.major_hazard``: a major hazard found in a higher-level supervision (上级督导检查: a
  督导 / 四不两直 / 交叉 inspection, or an unannounced visit) and not rectified by its deadline;
- ``veto.illegal_production``: an illegal site not stopped by the end of the month it was
  found (not found and stopped in time);
- ``veto.accident``: an accident of a grade in ``veto_grades`` (较大及以上; the grade as last
  corrected, 补报 included), or one flagged sensitive (造成较大负面影响典型事故).

All three come with the policy key ``veto_grades`` in force for the unit at the time.
"""

from __future__ import annotations

from typing import Any

from projections.accidents import accident_rows
from projections.base import cite
from projections.findings.context import Accused, Context, unit_subject
from projections.findings.illegal_sites import unstopped_sites
from projections.hazards import Which, latest

__all__ = ["vetoes"]

#: inspections by a higher level (上级督导检查)
HIGHER_INSPECTIONS = ("supervision", "covert", "cross_region")
SUPERVISORS = ("industry_supervisor",)


async def _against_many(ctx: Context, slug: str, accused: list[Accused]) -> list[dict[str, Any]]:
    """``_against`` each (unit, moment, policy, evidence, detail), what they read asked at
    once: the chains (the townships) in one read, the industry supervisors one read a moment,
    the departments in one read."""
    asked = [(a[0], a[1]) for a in accused]
    await ctx.chains_at_moments(asked)
    held = await ctx.holders_at_moments(asked, SUPERVISORS)
    departments = [(_department(h), at) for (_, at), holders in held.items() for h in holders]
    await ctx.units_at_moments((d, at) for d, at in departments if d is not None and ctx.covers(d))
    out = []
    for unit_id, at, policy, evidence, detail in accused:
        out += await _against(ctx, slug, unit_id, at, policy, evidence, detail)
    return out


def _department(holder: dict[str, Any]) -> str | None:
    return holder["holder"] if holder["holder_kind"] == "unit" else holder.get("holder_unit")


async def _against(
    ctx: Context,
    slug: str,
    unit_id: str,
    at: str,
    policy: dict[str, Any],
    evidence: list[dict[str, Any]],
    detail: dict[str, Any],
) -> list[dict[str, Any]]:
    """The township the unit lies in, and each department supervising its industry."""
    out = []
    township = await ctx.nearest(unit_id, ("township",), at)
    if township is not None and ctx.covers(township):
        subject = unit_subject(township, await ctx.unit(township, at))
        out.append(ctx.finding(slug, subject, township, policy, evidence, {**detail, "answers_as": "相关街道（乡镇）"}))
    for holder in await ctx.holders(unit_id, at, SUPERVISORS):
        department = _department(holder)
        if department is None or not ctx.covers(department):
            continue
        subject = unit_subject(department, await ctx.unit(department, at))
        refs = [*evidence, *holder.get("events", [])]
        out.append(
            ctx.finding(slug, subject, department, policy, refs, {**detail, "answers_as": "区有关部门（行业监管）"})
        )
    return out


async def vetoes(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("veto_grades"):
        return []
    return [*await _accidents(ctx), *await _major_hazards(ctx), *await _illegal_production(ctx)]


async def _accidents(ctx: Context) -> list[dict[str, Any]]:
    accidents = await accident_rows(ctx.db, ctx.position, start=ctx.period.start, end=ctx.period.end)
    # each accident by the rules where and when it happened, asked at once for them all
    rules_then = await ctx.rules_at_moments((found["unit_id"], found["occurred_at"]) for found in accidents)
    accused: list[Accused] = []
    for found in accidents:
        rules = rules_then[(found["unit_id"], found["occurred_at"])]
        grades = rules.get("veto_grades")
        if grades is None or not (found["grade"] in grades or found["sensitive"]):
            continue
        detail = {
            "accident_id": found["accident_id"],
            "grade": found["grade"],
            "grade_label": found["grade_label"],
            "sensitive": found["sensitive"],
            "occurred_at": found["occurred_at"],
            "accident_unit": found["unit_id"],
        }
        policy = ctx.citation(rules, "veto_grades")
        accused.append((found["unit_id"], found["occurred_at"], policy, found["events"], detail))
    return await _against_many(ctx, "veto.accident", accused)


async def _major_hazards(ctx: Context) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(HIGHER_INSPECTIONS))
    sql, args = latest(
        "t.hazard_id, t.unit_id, t.reported_at, t.deadline, t.rectified_at, t.deadline_position, h.position, h.hash",
        ctx.position,
        ctx.until,
        Which(severity="major", reported_from=ctx.period.start, reported_to=ctx.period.end),
        "t.deadline IS NOT NULL AND (h.source = 'covert_visit' OR h.inspection_id IN "
        f"(SELECT inspection_id FROM inspections WHERE kind IN ({marks})))",
        HIGHER_INSPECTIONS,
    )
    late = [
        row
        for row in await ctx.db.fetch(sql, *args)
        if (row[4] is not None and row[4] > row[3]) or (row[4] is None and row[3] < ctx.until)
    ]
    # each hazard by the rules where and when it was reported, asked at once for them all
    rules_then = await ctx.rules_at_moments((row[1], row[2]) for row in late)
    accused: list[Accused] = []
    for hazard_id, unit_id, reported_at, deadline, rectified_at, _deadline_pos, pos, hash_ in late:
        rules = rules_then[(unit_id, reported_at)]
        if rules.get("veto_grades") is None:
            continue
        detail = {"hazard_id": hazard_id, "hazard_unit": unit_id, "deadline": deadline, "rectified_at": rectified_at}
        evidence = [cite(pos, hash_, "hazard.reported")]
        accused.append((unit_id, reported_at, ctx.citation(rules, "veto_grades"), evidence, detail))
    return await _against_many(ctx, "veto.major_hazard", accused)


async def _illegal_production(ctx: Context) -> list[dict[str, Any]]:
    # the months over ("in time" is not over while the month runs)
    over = [(month, judged, sites) for month, judged, sites in await unstopped_sites(ctx) if judged != ctx.now]
    # each site by the rules where and when it was found, its township as it was then: asked
    # at once for every site
    asked = [(site["unit_id"], site["found_at"]) for _, _, sites in over for site in sites]
    rules_then = await ctx.rules_at_moments(asked)
    townships = await ctx.units_at_moments(
        p for p in asked if rules_then[p].get("veto_grades") is not None and ctx.covers(p[0])
    )
    out = []
    for month, judged, sites in over:
        for site in sites:
            township = site["unit_id"]
            rules = rules_then[(township, site["found_at"])]
            if rules.get("veto_grades") is None:
                continue
            detail = {"site_id": site["site_id"], "month": month, "judged_at": judged}
            if not ctx.covers(township):
                continue
            subject = unit_subject(township, townships[(township, site["found_at"])])
            out.append(
                ctx.finding(
                    "veto.illegal_production",
                    subject,
                    township,
                    ctx.citation(rules, "veto_grades"),
                    [site["event"]],
                    {**detail, "answers_as": "相关街道（乡镇）"},
                )
            )
    return out
