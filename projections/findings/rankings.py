"""Ranking consequences, 临沂 2019 方案 二(一)3: by the **fourth-quarter** 执法评估 — the bottom
county is warned (警示); the bottom two counties and the bottom two 行业主管部门 make a
statement at the city's review meeting; for the bottom ten townships the 市安委会 interviews
their 党政主要负责人 (the party secretary and the government head). Units are ranked within
their city; ties with the N-th from the bottom share its fate. The policy key ``ranking``
must be in force for the city at the end of the quarter evaluated: a quarter is scored
after it ends, when the campaign that set the consequences (临沂's, to 12-31) may be over.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from projections.base import cite
from projections.calendar import parse_period
from projections.findings.context import Context, holder_refs, holder_subject, unit_subject

__all__ = ["rankings"]

_FOURTH_QUARTER = re.compile(r"^\d{4}Q4$")
_SLUGS = {
    "county": (("ranking.county_warning", "county_warning"), ("ranking.county_statement", "county_statement")),
    "department": (("ranking.department_statement", "county_statement"),),
    "township": (("ranking.township_interview", "township_interview"),),
}
PARTY_AND_GOVERNMENT_HEADS = ("party_secretary", "principal")


async def rankings(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.may_apply("ranking"):
        return []
    rows = await ctx.db.fetch(
        "SELECT unit_id, period, scope, score, rank, scored_at, position, hash FROM evaluations WHERE position <= ? "
        "ORDER BY position",
        ctx.position,
    )
    latest: dict[tuple[str, str], tuple[Any, ...]] = {}
    for row in rows:
        if not _FOURTH_QUARTER.match(row[1]):
            continue
        quarter = parse_period(row[1])
        if ctx.period.start <= quarter.start and quarter.end <= ctx.period.end:
            latest[(row[0], row[1])] = row  # a later score of the same unit and period replaces it
    groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    by_time: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in latest.values():  # a quarter's scores come together: one read of their cities
        by_time[row[5]].append(row)
    cities: dict[tuple[str, str], str | None] = {}
    for scored_at, rows_then in by_time.items():
        found = await ctx.nearest_many([r[0] for r in rows_then], ("city",), scored_at)
        cities.update(((unit, scored_at), city) for unit, city in found.items())
    for row in latest.values():
        if (city := cities[(row[0], row[5])]) is not None:
            groups[(row[1], row[2], city)].append(row)
    ordered = sorted(groups.items())
    # each city's rules at the end of the quarter evaluated, asked at once for them all
    rules_then = await ctx.rules_at_moments(
        (city, parse_period(label_).last_instant) for (label_, _, city), _ in ordered
    )
    placed = []  # (slug, policy, scored row, detail), in the order the findings are made
    for (label_, scope, city), scored in ordered:
        scored.sort(key=lambda r: (r[3], -(r[4] or 0), r[0]))
        rules = rules_then[(city, parse_period(label_).last_instant)]
        bottom = rules.get("ranking")
        if bottom is None:
            continue
        policy = ctx.citation(rules, "ranking")
        for slug, key in _SLUGS.get(scope, ()):
            n = int(bottom[key])
            if n <= 0:
                continue
            cutoff = scored[min(n, len(scored)) - 1][3]
            for place, row in enumerate(scored, 1):
                if row[3] > cutoff or not ctx.covers(row[0]):
                    continue
                detail = {
                    "scored_period": label_,
                    "scope": scope,
                    "score": row[3],
                    "from_bottom": place,
                    "bottom_n": n,
                    "of": len(scored),
                    "city": city,
                }
                placed.append((slug, policy, row, detail))
    # the scored units as they were when scored (their chains, read above, hold them) and the
    # heads of the townships interviewed, asked at once
    units = await ctx.units_at_moments((row[0], row[5]) for _, _, row, _ in placed)
    interviewed = [(row[0], ctx.until) for slug, _, row, _ in placed if slug == "ranking.township_interview"]
    heads_then = await ctx.holders_at_moments(interviewed, PARTY_AND_GOVERNMENT_HEADS)
    out = []
    for slug, policy, row, detail in placed:
        unit = units[(row[0], row[5])]
        evidence = [cite(row[6], row[7], "evaluation.scored")]
        if slug != "ranking.township_interview":
            out.append(ctx.finding(slug, unit_subject(row[0], unit), row[0], policy, evidence, detail))
            continue
        heads = heads_then[(row[0], ctx.until)]
        if not heads:
            gap = {**detail, "gap": "党政主要负责人无人在任"}
            out.append(ctx.finding(slug, unit_subject(row[0], unit), row[0], policy, evidence, gap))
        for head in heads:
            out.append(
                ctx.finding(slug, holder_subject(head), row[0], policy, [*evidence, *holder_refs([head])], detail)
            )
    return out
