"""Exam failure, 临沂 2019 方案 二(五)3: it concerns 生产经营单位负责人 only — a person who, when
they failed, was the principal (主要负责人) or deputy in charge (分管负责人) of an enterprise —,
in two tiers by the enterprise's industry:

- supervised by the 应急管理 system (非煤矿山、危险化学品、烟花爆竹及冶金、有色、建材、机械、轻工、
  纺织、烟草、商贸, the notice's list): may not stay in post (``exam.removal``);
- any other key industry (其他重点行业领域: every industry the ledger names but 其他 ``other``):
  a letter proposes their removal to their supervisor and the local party committee and
  government (``exam.removal_proposed``). An enterprise recorded under 其他, or under no
  industry, is not known to be in a key industry, and its 负责人 is not accused.

Officials in government are not concerned. The policy key ``exam_failure_removal`` must be
in force for the enterprise when the exam was taken.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ledger.domain.policy import RuleSet
from projections.base import cite
from projections.duty import held_by
from projections.findings.context import Context, holder_refs

__all__ = ["EMERGENCY_SUPERVISED", "exam_failures"]

#: the industries the notice names as the 应急管理 system's (二(五)1)
EMERGENCY_SUPERVISED = frozenset(
    {
        "non_coal_mine",
        "hazardous_chemicals",
        "fireworks",
        "metallurgy",
        "nonferrous",
        "building_materials",
        "machinery",
        "light_industry",
        "textile",
        "tobacco",
        "commerce",
    }
)
#: no key industry (重点行业领域): an enterprise recorded under 其他, or under none
NOT_KEY_INDUSTRIES = frozenset({"other", None})
HEADS = ("principal", "deputy_in_charge")


async def exam_failures(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("exam_failure_removal"):
        return []
    rows = await ctx.db.fetch(
        "SELECT person_id, subject, score, taken_at, position, hash FROM exams "
        "WHERE passed = 0 AND position <= ? AND taken_at >= ? AND taken_at < ? ORDER BY taken_at, position",
        ctx.position,
        ctx.period.start,
        ctx.period.end,
    )
    # what the judging reads, asked at once for every failed exam: the posts held when they
    # failed (one read an exam's sitting), the enterprises as they were then, their rules then
    sittings: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        sittings[row[3]].append(row[0])
    posts: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for taken_at, people in sittings.items():
        held: dict[tuple[str, str], list[dict[str, Any]]] = {(p, taken_at): [] for p in people}
        for post in await held_by(ctx.db, people, taken_at, ctx.position, HEADS):
            held[(post["holder"], taken_at)].append(post)  # held_by's order: holder, role, target
        posts.update(held)
    asked = [(post["target"], row[3]) for row in rows for post in posts[(row[0], row[3])]]
    units = await ctx.units_at_moments(asked)
    rules = await ctx.rules_at_moments(p for p in asked if _enterprise(ctx, p[0], units[p]))
    return [f for row in rows for f in _judge(ctx, row, posts[(row[0], row[3])], units, rules)]


def _enterprise(ctx: Context, unit_id: str, unit: dict[str, Any] | None) -> bool:
    return unit is not None and unit["kind"] == "enterprise" and ctx.covers(unit_id)


def _judge(
    ctx: Context,
    row: tuple[Any, ...],
    posts: list[dict[str, Any]],
    units: dict[tuple[str, str], dict[str, Any] | None],
    rules_then: dict[tuple[str, str], RuleSet],
) -> list[dict[str, Any]]:
    person_id, subject, score, taken_at, pos, hash_ = row
    out: list[dict[str, Any]] = []
    for post in posts:
        enterprise = units[(post["target"], taken_at)]
        if enterprise is None or not _enterprise(ctx, post["target"], enterprise):
            continue
        rules = rules_then[(post["target"], taken_at)]
        if not rules.get("exam_failure_removal"):
            continue
        if enterprise["industry"] in NOT_KEY_INDUSTRIES:
            continue  # 其他重点行业领域: not a key industry the notice speaks of
        tier = "exam.removal" if enterprise["industry"] in EMERGENCY_SUPERVISED else "exam.removal_proposed"
        detail = {
            "subject": subject,
            "score": score,
            "taken_at": taken_at,
            "enterprise": enterprise["unit_id"],
            "enterprise_name": enterprise["name"],
            "industry": enterprise["industry"],
            "industry_label": enterprise["industry_label"],
            "post": post["role"],
            "post_label": post["role_label"],
            "assignment_id": post["assignment_id"],
        }
        subject_ = {
            "kind": "person",
            "id": person_id,
            "name": post["holder_name"],
            "title": post["holder_title"],
            "role": post["role"],
            "role_label": post["role_label"],
        }
        evidence = [cite(pos, hash_, "exam.taken"), *holder_refs([post])]
        policy = ctx.citation(rules, "exam_failure_removal")
        out.append(ctx.finding(tier, subject_, post["target"], policy, evidence, detail))
    return out
