"""The 580 cycle, 临沂 2019 方案 二(六)2 — the **city's** cycle: on the 25th the city gathers the
hazards each county (县区) submits; on the 28th it consults experts; on the 30th a meeting
lists them for supervision (挂牌督办) with deadlines.

- ``580.collection``: a county or development zone that submitted no hazard report of the
  month (``report.submitted``, kind ``half_month_hazard`` or ``monthly``) by the collection
  day — against the county;
- ``580.listing``: a major hazard gathered by the collection day, still open and not listed
  after the listing day — against the city (its emergency bureau holds the meeting): the
  county is not blamed for the city's meeting.

The consultation of the 28th leaves no event to judge. The policy key ``cycle_580`` must be
in force for the county (the hazard's unit) on the day concerned.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ledger.domain.policy import RuleSet
from projections.base import cite
from projections.bitemporal import chunks
from projections.calendar import CHINA, Period, day_end, months
from projections.findings.context import COUNTY_KINDS, Context, unit_subject
from projections.hazards import Which, latest
from projections.registry import keys_adopted
from projections.timekeys import from_key

__all__ = ["cycle_580"]

COLLECTION_KINDS = ("half_month_hazard", "monthly")


async def cycle_580(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("cycle_580"):
        return []
    counties = await _covered(ctx, "'county', 'dev_zone'")
    cities = await _covered(ctx, "'city'")  # the listing is the city's: none covered, none to judge
    # the months judged apart, side by side
    asked = months(ctx.period.start, ctx.period.end)
    found = await asyncio.gather(*(_month(ctx, counties, bool(cities), month) for month in asked))
    return [f for part in found for f in part]


async def _month(ctx: Context, counties: list[str], listing: bool, month: Period) -> list[dict[str, Any]]:
    local = from_key(month.start).astimezone(CHINA)
    out = await _collection(ctx, counties, month.label, local.year, local.month)
    if listing:
        out += await _listing(ctx, month.label, local.year, local.month)
    return out


async def _covered(ctx: Context, kinds: str) -> list[str]:
    """The units of ``kinds`` (SQL literals) ever registered, as known at the position, that
    the question covers."""
    rows = await ctx.db.fetch(
        f"SELECT DISTINCT unit_id FROM unit_versions WHERE kind IN ({kinds}) AND recorded_from <= ? "
        "AND ? < recorded_to",
        ctx.position,
        ctx.position,
    )
    return sorted(r[0] for r in rows if ctx.covers(r[0]))


async def _collection(ctx: Context, counties: list[str], label_: str, year: int, month: int) -> list[dict[str, Any]]:
    """The counties without a hazard report of the month by their collection day (each
    county's own: the policy in force for it sets the day)."""
    due: dict[str, str] = {}
    for county, rules in (await ctx.rules_many(counties, ctx.until)).items():
        cycle = rules.get("cycle_580")
        if cycle is not None and (deadline := day_end(year, month, int(cycle["collect_day"]))) <= ctx.now:
            due[county] = deadline
    then: dict[str, RuleSet] = {}
    for deadline in set(due.values()):
        then.update(await ctx.rules_many([c for c, d in due.items() if d == deadline], deadline))
    due = {c: d for c, d in due.items() if then[c].get("cycle_580") is not None}
    if not due:
        return []
    marks = ", ".join("?" * len(COLLECTION_KINDS))
    first_sent: dict[str, str] = {}
    for chunk in chunks(list(due)):
        rows = await ctx.db.fetch(
            f"SELECT unit_id, MIN(occurred_at) FROM reports WHERE unit_id IN ({', '.join('?' * len(chunk))}) "
            f"AND kind IN ({marks}) AND (period = ? OR period LIKE ?) AND position <= ? GROUP BY unit_id",
            *chunk,
            *COLLECTION_KINDS,
            label_,
            f"{label_}-H%",
            ctx.position,
        )
        first_sent.update((str(unit), str(at)) for unit, at in rows)
    missed = [
        (county, deadline)
        for county, deadline in sorted(due.items())
        if not (county in first_sent and first_sent[county] < deadline)
    ]
    units = await ctx.units_at_moments(missed)  # the counties as they were on their day, in one read
    out = []
    for county, deadline in missed:
        unit = units[(county, deadline)]
        detail = {"month": label_, "collect_by": deadline, "report_kinds": list(COLLECTION_KINDS)}
        citation = ctx.citation(then[county], "cycle_580")
        out.append(ctx.finding("580.collection", unit_subject(county, unit), county, citation, [], detail))
    return out


async def _listing(ctx: Context, label_: str, year: int, month: int) -> list[dict[str, Any]]:
    """Major hazards open after the 30th, never listed, that the 25th had gathered."""
    probe_deadline = day_end(year, month, 30)
    if probe_deadline > ctx.now or "cycle_580" not in await keys_adopted(ctx.db, ctx.position, probe_deadline):
        return []  # not yet due, or no policy in force then holds the cycle anywhere
    sql, args = latest(
        "t.hazard_id, t.unit_id, t.state, t.reported_at, h.position, h.hash",
        ctx.position,
        probe_deadline,
        Which(severity="major", reported_to=probe_deadline),  # gathered by the 25th: reported before the 30th
        "t.state <> 'closed' AND t.supervision_level IS NULL",
    )
    rows = await ctx.db.fetch(sql, *args)
    rules_then = await ctx.rules_many({r[1] for r in rows}, probe_deadline)
    await ctx.nearest_many({r[1] for r in rows}, ("city",), probe_deadline)  # their chains, read at once
    out = []
    for hazard_id, unit_id, state, reported_at, pos, hash_ in rows:
        rules = rules_then[unit_id]
        cycle = rules.get("cycle_580")
        if cycle is None:
            continue
        collected_by = day_end(year, month, int(cycle["collect_day"]))
        listed_by = day_end(year, month, int(cycle["listing_day"]))
        if reported_at >= collected_by or listed_by > ctx.now:
            continue
        if listed_by != probe_deadline:  # a policy with another listing day: look again at that day
            sql, args = latest("t.state, t.supervision_level", ctx.position, listed_by, Which(hazard_ids=[hazard_id]))
            again = await ctx.db.fetch(sql, *args)
            if not again or again[0][0] == "closed" or again[0][1] is not None:
                continue
        city = await ctx.nearest(unit_id, ("city",), listed_by)
        if city is None or not ctx.covers(city):
            continue
        county = await ctx.nearest(unit_id, COUNTY_KINDS, listed_by)
        detail = {
            "month": label_,
            "hazard_id": hazard_id,
            "hazard_unit": unit_id,
            "county": county,
            "state": state,
            "reported_at": reported_at,
            "collected_by": collected_by,
            "listed_by": listed_by,
            "answers_as": "市应急管理局（每月30日专题会议挂牌督办）",
        }
        subject = unit_subject(city, await ctx.unit(city, listed_by))
        out.append(
            ctx.finding(
                "580.listing",
                subject,
                city,
                ctx.citation(rules, "cycle_580"),
                [cite(pos, hash_, "hazard.reported")],
                detail,
            )
        )
    return out
