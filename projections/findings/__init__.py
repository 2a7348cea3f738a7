"""The findings of SPEC §6: derived, never posted. Each names the rule and the sentence of the
document it applies, the unit or person, the period, the policy (or the national text) it
was judged by, and the events it rests on; a reviewer decides, and the ledger records the
decision as a ``sanction.imposed``. One module per family of rules; ``RULES`` (rules.py)
says what each rule is.

Periods are China's calendar: ``2019``, ``2019H2``, ``2019Q4``, ``2019-10``, ``2019-10-H1``
(default: the current quarter). A finding belongs to the period in which the fact it judges
happened. Local rules give nothing where no policy in force sets their key.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ledger.store.sql import SQL
from ledger.timeutil import format_recorded, utc_now
from projections.calendar import Period, parse_period
from projections.findings.context import Context
from projections.findings.cycle_580 import cycle_580
from projections.findings.exams import exam_failures
from projections.findings.fatal_accidents import fatal_accidents
from projections.findings.illegal_sites import illegal_sites
from projections.findings.investigations import investigations
from projections.findings.penalties import PENALTY_KINDS, repeat_penalties, three_musts
from projections.findings.rankings import rankings
from projections.findings.rules import RULES, Rule
from projections.findings.veto import vetoes

__all__ = ["PENALTY_KINDS", "RULES", "Period", "Rule", "findings", "parse_period"]

_FAMILIES = (
    illegal_sites,
    exam_failures,
    rankings,
    vetoes,
    investigations,
    repeat_penalties,
    three_musts,
    cycle_580,
    fatal_accidents,
)


async def findings(
    db: SQL, scope: str | None, period: str | Period | None, position: int, *, now: str | None = None
) -> list[dict[str, Any]]:
    """Every finding for units in ``scope``'s subtree (all when None) in ``period``, as the
    ledger knew it at ``position``. ``now`` (a UTC key, default the wall clock) decides what
    has fallen due when nothing has settled it yet."""
    asked = period if isinstance(period, Period) else parse_period(period)
    ctx = Context(db, scope, asked, position, now or format_recorded(utc_now()))
    await ctx.load()
    # the families read apart (their caches in ``ctx`` only memoise): asked together, their
    # queries run side by side on the backend's readers
    found = [f for part in await asyncio.gather(*(family(ctx) for family in _FAMILIES)) for f in part]
    await ctx.named(found)
    found.sort(
        key=lambda f: (
            f["rule"],
            f["unit_id"],
            str(f["subject"]["id"]),
            f["evidence"][0]["position"] if f["evidence"] else 0,
        )
    )
    return found
