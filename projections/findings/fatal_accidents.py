"""Fatal-accident consequences, 临汾 2020 通知 三(三)1(7): an enterprise with a fatal accident
(生产安全亡人事故) is ordered to suspend (停产整顿), loses its standardization grade (取消标准化
等级) and has its safety licence suspended **or** revoked (暂扣或吊销安全生产许可证). The notice
sets no deadline: ``within_days`` is the adopting jurisdiction's choice. Only a unit holding a
licence (the industries of 《安全生产许可证条例》第二条, or a unit whose attributes say it holds
one) can lose one, and only a unit with a standardization grade can lose that.
"""

from __future__ import annotations

from typing import Any

import orjson

from projections.accidents import accident_rows
from projections.base import cite
from projections.findings.context import Context, unit_subject
from projections.timekeys import add_days

__all__ = ["fatal_accidents"]

#: 《安全生产许可证条例》第二条: 矿山企业、建筑施工企业和危险化学品、烟花爆竹、民用爆炸物品生产企业
LICENSED_INDUSTRIES = frozenset({"coal_mine", "non_coal_mine", "construction", "hazardous_chemicals", "fireworks"})
LICENCE_KINDS = ("license_suspended", "license_revoked")


async def fatal_accidents(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("fatal_accident_sanctions"):
        return []
    out = []
    for found in await accident_rows(ctx.db, ctx.position, start=ctx.period.start, end=ctx.period.end):
        unit_id, at = found["unit_id"], found["occurred_at"]
        if found["deaths"] < 1 or not ctx.covers(unit_id):
            continue
        rules = await ctx.rules(unit_id, at)
        wanted = rules.get("fatal_accident_sanctions")
        if wanted is None:
            continue
        due = add_days(at, int(wanted["within_days"]))
        if due > ctx.now:
            continue
        unit = await ctx.unit(unit_id, at)
        if unit is None or unit["kind"] != "enterprise":
            continue
        rows = await ctx.db.fetch(
            "SELECT sanction_id, kind, imposed_at, position, hash FROM sanctions WHERE target = ? AND imposed_at >= ? "
            "AND imposed_at <= ? AND position <= ?",
            unit_id,
            at,
            due,
            ctx.position,
        )
        given = {r[1] for r in rows}
        kinds = list(wanted.get("kinds") or ())
        attributes = await _attributes(ctx, unit_id, at)
        missing = []
        if "suspension" in kinds and "suspension" not in given:
            missing.append("suspension")
        if (
            "standardization_revoked" in kinds
            and attributes.get("standardization_grade")
            and "standardization_revoked" not in given
        ):
            missing.append("standardization_revoked")
        licensed = attributes.get("safety_license", unit["industry"] in LICENSED_INDUSTRIES)
        if licensed and any(k in kinds for k in LICENCE_KINDS) and not given & set(LICENCE_KINDS):
            missing.append("license_suspended_or_revoked")
        if not missing:
            continue
        detail = {
            "accident_id": found["accident_id"],
            "deaths": found["deaths"],
            "occurred_at": at,
            "due": due,
            "missing": missing,
            "imposed": sorted(given),
        }
        evidence = [*found["events"], *(cite(r[3], r[4], "sanction.imposed") for r in rows)]
        policy = ctx.citation(rules, "fatal_accident_sanctions")
        out.append(
            ctx.finding("fatal_accident.sanctions", unit_subject(unit_id, unit), unit_id, policy, evidence, detail)
        )
    return out


async def _attributes(ctx: Context, unit_id: str, at: str) -> dict[str, Any]:
    rows = await ctx.db.fetch(
        "SELECT attributes FROM unit_versions WHERE unit_id = ? AND valid_from <= ? AND ? < valid_to "
        "AND recorded_from <= ? AND ? < recorded_to",
        unit_id,
        at,
        at,
        ctx.position,
        ctx.position,
    )
    return dict(orjson.loads(rows[0][0])) if rows else {}
