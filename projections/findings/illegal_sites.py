"""Illegal sites (非法窝点), 临沂 2019 方案 二(四) quoting a rule of the 山东省委、省政府:
a township with at least one, or a county with at least two, illegal sites found in one
calendar month and not stopped → the **government's** principal and deputy in charge of that
township or county are to be dismissed (not the party secretary). A site stopped later
(``illegal_site.stopped``) counts as stopped from then on: a month is judged at its end (or
now, while it runs). Only sites found while a policy in force for the township sets
``illegal_sites_dismissal`` count. Also the sites' month settles 枣庄's veto trigger of
illegal production not stopped in time (``projections.findings.veto``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from projections.base import cite
from projections.calendar import months
from projections.findings.context import COUNTY_KINDS, Accused, Context

__all__ = ["illegal_sites", "unstopped_sites"]

GOVERNMENT_HEADS = ("principal", "deputy_in_charge")


async def unstopped_sites(ctx: Context) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(month label, judged at, sites found that month and not stopped by then) per month of the period."""
    rows = await ctx.db.fetch(
        "SELECT site_id, unit_id, found_at, position, hash, stopped_at, stopped_position FROM illegal_sites "
        "WHERE position <= ? AND found_at >= ? AND found_at < ? ORDER BY found_at, position",
        ctx.position,
        ctx.period.start,
        min(ctx.period.end, ctx.now),
    )
    out = []
    for month in months(ctx.period.start, ctx.period.end):
        if month.start > ctx.now:
            break
        judged = min(month.last_instant, ctx.now)
        found = []
        for site_id, unit_id, found_at, pos, hash_, stopped_at, stopped_pos in rows:
            if not month.contains(found_at):
                continue
            stopped = stopped_at is not None and int(stopped_pos) <= ctx.position and stopped_at <= judged
            if not stopped:
                found.append(
                    {
                        "site_id": site_id,
                        "unit_id": unit_id,
                        "found_at": found_at,
                        "event": cite(pos, hash_, "illegal_site.found"),
                    }
                )
        out.append((month.label, judged, found))
    return out


async def illegal_sites(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("illegal_sites_dismissal"):
        return []
    judged_months = await unstopped_sites(ctx)
    # each site by the rules where and when it was found, and the county above it then: asked
    # at once for every site of the period
    asked = [(site["unit_id"], site["found_at"]) for _, _, sites in judged_months for site in sites]
    rules_then = await ctx.rules_at_moments(asked)
    await ctx.chains_at_moments(p for p in asked if rules_then[p].get("illegal_sites_dismissal") is not None)
    accused: list[Accused] = []
    for month, judged, sites in judged_months:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        thresholds: dict[str, Any] = {}
        for site in sites:
            rules = rules_then[(site["unit_id"], site["found_at"])]
            limits = rules.get("illegal_sites_dismissal")
            if limits is None:
                continue  # no policy in force here then: this site counts for nothing
            groups[("township", site["unit_id"])].append(site)
            thresholds.setdefault(site["unit_id"], ctx.citation(rules, "illegal_sites_dismissal"))
            county = await ctx.nearest(site["unit_id"], COUNTY_KINDS, site["found_at"])
            if county is not None:
                groups[("county", county)].append(site)
                thresholds.setdefault(county, ctx.citation(rules, "illegal_sites_dismissal"))
        for (level, unit_id), found in sorted(groups.items()):
            policy = thresholds[unit_id]
            needed = int(policy["value"][level])
            if len(found) < needed or not ctx.covers(unit_id):
                continue
            detail = {
                "level": level,
                "month": month,
                "judged_at": judged,
                "unstopped_sites": [s["site_id"] for s in found],
                "threshold": needed,
            }
            accused.append((unit_id, judged, policy, [s["event"] for s in found], detail))
    return await ctx.against_holders_many("illegal_sites.dismissal", GOVERNMENT_HEADS, accused)
