"""Fatal-accident consequences, 临汾 2020 通知 三(三)1(7): an enterprise with a fatal accident
(生产安全亡人事故) is ordered to suspend (停产整顿), loses its standardization grade (取消标准化
等级) and has its safety licence suspended **or** revoked (暂扣或吊销安全生产许可证). The notice
sets no deadline: ``within_days`` is the adopting jurisdiction's choice. Only a unit holding a
licence (the industries of 《安全生产许可证条例》第二条, or a unit whose attributes say it holds
one) can lose one, and only a unit with a standardization grade can lose that.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson

from projections.accidents import accident_rows
from projections.base import cite
from projections.bitemporal import chunks
from projections.findings.context import Context, unit_subject
from projections.timekeys import add_days

__all__ = ["fatal_accidents"]

#: 《安全生产许可证条例》第二条: 矿山企业、建筑施工企业和危险化学品、烟花爆竹、民用爆炸物品生产企业
LICENSED_INDUSTRIES = frozenset({"coal_mine", "non_coal_mine", "construction", "hazardous_chemicals", "fireworks"})
LICENCE_KINDS = ("license_suspended", "license_revoked")


async def fatal_accidents(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("fatal_accident_sanctions"):
        return []
    fatal = [
        found
        for found in await accident_rows(ctx.db, ctx.position, start=ctx.period.start, end=ctx.period.end)
        if found["deaths"] >= 1 and ctx.covers(found["unit_id"])
    ]
    # each accident by the rules where and when it happened, asked at once for them all
    rules_then = await ctx.rules_at_moments((f["unit_id"], f["occurred_at"]) for f in fatal)
    due: list[tuple[dict[str, Any], str]] = []  # (accident, the day the sanctions were due)
    for found in fatal:
        wanted = rules_then[(found["unit_id"], found["occurred_at"])].get("fatal_accident_sanctions")
        if wanted is not None and (day := add_days(found["occurred_at"], int(wanted["within_days"]))) <= ctx.now:
            due.append((found, day))
    asked = [(found["unit_id"], found["occurred_at"]) for found, _ in due]
    units = await ctx.units_at_moments(asked)
    enterprises = [p for p in asked if (u := units[p]) is not None and u["kind"] == "enterprise"]
    sanctions = await _sanctions(ctx, [unit_id for unit_id, _ in enterprises])
    attributes = await _attributes(ctx, enterprises)
    out = []
    for found, day in due:
        unit_id, at = found["unit_id"], found["occurred_at"]
        unit = units[(unit_id, at)]
        if unit is None or unit["kind"] != "enterprise":
            continue
        rules = rules_then[(unit_id, at)]
        wanted = rules.get("fatal_accident_sanctions")
        rows = [r for r in sanctions.get(unit_id, ()) if at <= r[2] <= day]
        given = {r[1] for r in rows}
        kinds = list(wanted.get("kinds") or ())
        held = attributes.get((unit_id, at), {})
        missing = []
        if "suspension" in kinds and "suspension" not in given:
            missing.append("suspension")
        if (
            "standardization_revoked" in kinds
            and held.get("standardization_grade")
            and "standardization_revoked" not in given
        ):
            missing.append("standardization_revoked")
        licensed = held.get("safety_license", unit["industry"] in LICENSED_INDUSTRIES)
        if licensed and any(k in kinds for k in LICENCE_KINDS) and not given & set(LICENCE_KINDS):
            missing.append("license_suspended_or_revoked")
        if not missing:
            continue
        detail = {
            "accident_id": found["accident_id"],
            "deaths": found["deaths"],
            "occurred_at": at,
            "due": day,
            "missing": missing,
            "imposed": sorted(given),
        }
        evidence = [*found["events"], *(cite(r[3], r[4], "sanction.imposed") for r in rows)]
        policy = ctx.citation(rules, "fatal_accident_sanctions")
        out.append(
            ctx.finding("fatal_accident.sanctions", unit_subject(unit_id, unit), unit_id, policy, evidence, detail)
        )
    return out


async def _sanctions(ctx: Context, unit_ids: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """unit → its sanctions known at the position (sanction_id, kind, imposed_at, position,
    hash), in one read a few hundred units; each accident keeps those of its days."""
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for chunk in chunks(list(dict.fromkeys(unit_ids))):
        rows = await ctx.db.fetch(
            "SELECT target, sanction_id, kind, imposed_at, position, hash FROM sanctions "
            f"WHERE target IN ({', '.join('?' * len(chunk))}) AND position <= ? ORDER BY target, imposed_at, position",
            *chunk,
            ctx.position,
        )
        for row in rows:
            out[row[0]].append(row[1:])
    return out


async def _attributes(ctx: Context, asked: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(unit, moment) → the unit's attributes then, as known at the position, in one read a
    few hundred pairs (none: not registered then)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(asked))):
        rows = await ctx.db.fetch(
            f"WITH q (unit_id, at) AS (VALUES {', '.join(['(CAST(? AS TEXT), CAST(? AS TEXT))'] * len(chunk))}) "
            "SELECT q.unit_id, q.at, v.attributes FROM q JOIN unit_versions v ON v.unit_id = q.unit_id "
            "AND v.valid_from <= q.at AND q.at < v.valid_to AND v.recorded_from <= ? AND ? < v.recorded_to",
            *(value for pair in chunk for value in pair),
            ctx.position,
            ctx.position,
        )
        for unit_id, at, attributes in rows:
            out.setdefault((unit_id, at), dict(orjson.loads(attributes)))
    return out
