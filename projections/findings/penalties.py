"""Penalties and their consequences at enterprises with major hazards (重大事故隐患).

- ``repeat_penalties.closure`` — the national baseline, 安全生产法 第113条: a unit with a major
  hazard given administrative penalties (行政处罚: 警告, fines, suspension, licence measures — not
  警示 or 约谈) three times in 180 days or four times in a year is to be closed; judged when the
  penalty completing the count is imposed (``repeat_penalties`` may tighten the counts);
- ``three_musts.*`` — 蓝山 2019 方案 四(五) (三个一律), where a policy sets
  ``major_hazard_requires_suspension``: a major hazard reported in the period and no
  suspension ordered since; a major hazard not rectified by its deadline and no closure
  proposed; an accident at a unit while it was suspended (its principal answers for it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ledger.domain.enums import ADMINISTRATIVE_PENALTY_KINDS
from projections.accidents import accident_rows
from projections.base import cite
from projections.bitemporal import chunks
from projections.findings.context import Accused, Context, unit_subject
from projections.timekeys import FOREVER, add_days

__all__ = ["PENALTY_KINDS", "repeat_penalties", "three_musts"]

#: 行政处罚 that count towards 第113条 (the domain's list: not 警示, 约谈, 黑名单 …)
PENALTY_KINDS = ADMINISTRATIVE_PENALTY_KINDS


async def _major_hazards(
    ctx: Context, unit_ids: list[str] | None = None, reported_from: str = "", reported_to: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """unit → its major hazards known at the position, reported in [``reported_from``,
    ``reported_to``) (of ``unit_ids`` only, if given): reported, deadline, rectified, closed."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in [None] if unit_ids is None else chunks(unit_ids):
        units = "" if chunk is None else f" AND h.unit_id IN ({', '.join('?' * len(chunk))})"
        rows = await ctx.db.fetch(
            "SELECT h.hazard_id, h.unit_id, h.reported_at, h.position, h.hash, "
            "(SELECT MIN(x.occurred_at) FROM hazard_transitions x WHERE x.hazard_id = h.hazard_id "
            " AND x.state = 'closed' AND x.position <= ?), "
            "(SELECT MIN(x.occurred_at) FROM hazard_transitions x WHERE x.hazard_id = h.hazard_id "
            " AND x.type = 'hazard.rectified' AND x.position <= ?), "
            "(SELECT x.deadline FROM hazard_transitions x WHERE x.hazard_id = h.hazard_id AND x.position <= ? "
            " ORDER BY x.position DESC LIMIT 1) "
            "FROM hazards h WHERE h.severity = 'major' AND h.position <= ? AND h.reported_at >= ? "
            f"AND h.reported_at < ?{units} ORDER BY h.reported_at, h.position",
            ctx.position,
            ctx.position,
            ctx.position,
            ctx.position,
            reported_from,
            reported_to or FOREVER,
            *(chunk or ()),
        )
        for hazard_id, unit_id, reported_at, pos, hash_, closed_at, rectified_at, deadline in rows:
            out[unit_id].append(
                {
                    "hazard_id": hazard_id,
                    "reported_at": reported_at,
                    "closed_at": closed_at,
                    "rectified_at": rectified_at,
                    "deadline": deadline,
                    "event": cite(pos, hash_, "hazard.reported"),
                }
            )
    return out


async def _sanctions(ctx: Context, kinds: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    marks = ", ".join("?" * len(kinds))
    rows = await ctx.db.fetch(
        f"SELECT target, sanction_id, kind, imposed_at, position, hash, lifted_at, lifted_position, until_at "
        f"FROM sanctions WHERE kind IN ({marks}) AND position <= ? ORDER BY target, imposed_at, position",
        *kinds,
        ctx.position,
    )
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(row)
    return out


async def repeat_penalties(ctx: Context) -> list[dict[str, Any]]:
    penalties = await _sanctions(ctx, PENALTY_KINDS)
    covered = [u for u in penalties if ctx.covers(u)]
    # open when a penalty of the period was given: reported before the period ends
    hazards = await _major_hazards(ctx, covered, reported_to=ctx.period.end)
    # the penalties that may complete a count (of the period, a major hazard open), each by
    # the rules where and when it was imposed, asked at once for them all
    tried: dict[str, list[tuple[int, str, list[dict[str, Any]]]]] = defaultdict(list)
    for unit_id, given in sorted(penalties.items()):
        if not ctx.covers(unit_id) or unit_id not in hazards:
            continue
        for i, last in enumerate(given):
            at = last[3]
            if not ctx.period.contains(at):
                continue
            open_then = [
                h
                for h in hazards[unit_id]
                if h["reported_at"] <= at and (h["closed_at"] is None or h["closed_at"] > at)
            ]
            if open_then:
                tried[unit_id].append((i, at, open_then))
    rules_then = await ctx.rules_at_moments(
        (unit_id, at) for unit_id, candidates in tried.items() for _, at, _ in candidates
    )
    closures: list[Accused] = []
    for unit_id, candidates in tried.items():
        given = penalties[unit_id]
        for i, at, open_then in candidates:
            rules = rules_then[(unit_id, at)]
            counts = rules.get("repeat_penalties")
            hit = None
            for days, key in ((180, "in_180_days"), (365, "in_365_days")):
                window = [p for p in given[: i + 1] if p[3] > add_days(at, -days)]
                if len(window) >= int(counts[key]):
                    hit = (days, int(counts[key]), window)
                    break
            if hit is None:
                continue
            days, needed, window = hit
            evidence = [cite(p[4], p[5], "sanction.imposed") for p in window] + [h["event"] for h in open_then]
            detail = {
                "penalties": [p[1] for p in window],
                "window_days": days,
                "threshold": needed,
                "major_hazards": [h["hazard_id"] for h in open_then],
                "judged_at": at,
            }
            policy = ctx.citation(rules, "repeat_penalties")
            closures.append((unit_id, at, policy, evidence, detail))
            break
    units = await ctx.units_at_moments((unit_id, at) for unit_id, at, *_ in closures)
    return [
        ctx.finding("repeat_penalties.closure", unit_subject(u, units[(u, at)]), u, policy, evidence, detail)
        for u, at, policy, evidence, detail in closures
    ]


async def three_musts(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("major_hazard_requires_suspension"):
        return []
    hazards = await _major_hazards(ctx, reported_from=ctx.period.start, reported_to=ctx.period.end)
    orders = await _sanctions(ctx, ("suspension", "closure"))
    # each hazard by the rules where and when it was reported, its unit as it was then: asked
    # at once for them all
    asked = [
        (unit_id, hazard["reported_at"])
        for unit_id, found in sorted(hazards.items())
        if ctx.covers(unit_id)
        for hazard in found
        if ctx.period.contains(hazard["reported_at"]) and hazard["reported_at"] <= ctx.now
    ]
    rules_then = await ctx.rules_at_moments(asked)
    units = await ctx.units_at_moments(p for p in asked if rules_then[p].get("major_hazard_requires_suspension"))
    out = []
    for unit_id, found in sorted(hazards.items()):
        if not ctx.covers(unit_id):
            continue
        for hazard in found:
            if not ctx.period.contains(hazard["reported_at"]) or hazard["reported_at"] > ctx.now:
                continue
            rules = rules_then[(unit_id, hazard["reported_at"])]
            if not rules.get("major_hazard_requires_suspension"):
                continue
            policy = ctx.citation(rules, "major_hazard_requires_suspension")
            subject = unit_subject(unit_id, units[(unit_id, hazard["reported_at"])])
            given = orders.get(unit_id, [])
            if not any(o[2] == "suspension" and o[3] >= hazard["reported_at"] for o in given):
                detail = {
                    "hazard_id": hazard["hazard_id"],
                    "reported_at": hazard["reported_at"],
                    "suspension_ordered": False,
                }
                out.append(ctx.finding("three_musts.suspension", subject, unit_id, policy, [hazard["event"]], detail))
            deadline = hazard["deadline"]
            refused = (
                deadline is not None
                and deadline < ctx.until
                and (hazard["rectified_at"] is None or hazard["rectified_at"] > deadline)
            )
            if refused and not any(o[2] == "closure" and o[3] >= deadline for o in given):
                detail = {
                    "hazard_id": hazard["hazard_id"],
                    "deadline": deadline,
                    "rectified_at": hazard["rectified_at"],
                }
                out.append(ctx.finding("three_musts.closure", subject, unit_id, policy, [hazard["event"]], detail))
    out += await _producing_while_suspended(ctx, orders)
    return out


async def _producing_while_suspended(ctx: Context, orders: dict[str, list[tuple[Any, ...]]]) -> list[dict[str, Any]]:
    suspended = []  # (accident, the suspension in force when it happened)
    for found in await accident_rows(ctx.db, ctx.position, start=ctx.period.start, end=ctx.period.end):
        unit_id, at = found["unit_id"], found["occurred_at"]
        if not ctx.covers(unit_id):
            continue
        active = [
            o
            for o in orders.get(unit_id, [])
            if o[2] == "suspension"
            and o[3] <= at
            and not (o[6] is not None and o[7] is not None and int(o[7]) <= ctx.position and o[6] <= at)
            and (o[8] is None or o[8] > at)
        ]
        if active:
            suspended.append((found, active[0]))
    # each accident by the rules where and when it happened, asked at once for them all
    rules_then = await ctx.rules_at_moments((found["unit_id"], found["occurred_at"]) for found, _ in suspended)
    accused: list[Accused] = []
    for found, order in suspended:
        unit_id, at = found["unit_id"], found["occurred_at"]
        rules = rules_then[(unit_id, at)]
        if not rules.get("major_hazard_requires_suspension"):
            continue
        evidence = [*found["events"], cite(order[4], order[5], "sanction.imposed")]
        detail = {"accident_id": found["accident_id"], "occurred_at": at, "suspension": order[1]}
        policy = ctx.citation(rules, "major_hazard_requires_suspension")
        accused.append((unit_id, at, policy, evidence, detail))
    return await ctx.against_holders_many("three_musts.producing_while_suspended", ("principal",), accused)
