"""The accountability chain behind an accident (or a hazard), SPEC §7.

At the moment it happened (valid time) and as the ledger knew it at a position: the
responsible people and units tier by tier up the covering chain of the tree in force then
(the enterprise's principal, territorial and industry supervisors; the township official
covering it; the county official covering the township; the city work group covering the
county, its leader and members), the gaps (a role nobody held is itself a finding), the
inspections of the unit before it, the hazards open and overdue there at that moment, the
report stages and their escalation on time or late, the investigation and its
determinations, and earlier sanctions against the unit and everyone in the chain. Every
link cites its events as ``{position, hash}``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ledger.errors import LedgerError
from ledger.labels import label
from ledger.store.sql import SQL
from ledger.timeutil import format_recorded, utc_now
from projections.accidents import accident
from projections.activity import inspections_before
from projections.duty import responsibility
from projections.enforcement import sanctions_before
from projections.hazards import UnknownHazard, hazard, hazards_at

__all__ = ["INSPECTIONS", "UnknownAccident", "UnknownHazard", "accountability", "hazard_accountability"]

#: how many inspections before the accident to show
INSPECTIONS = 50
_TIERS = {"dev_zone": "county"}


class UnknownAccident(LedgerError):
    code = "not-found"

    def __init__(self, accident_id: str, position: int) -> None:
        self.accident_id = accident_id
        super().__init__(f"no accident {accident_id!r} is recorded as known at position {position}")


def _people(chain: dict[str, Any]) -> list[dict[str, Any]]:
    """Everyone in the chain, tier by tier, nearest tier first: each holding with the tier it
    answers for (``via``: the work group a member belongs to)."""
    out: list[dict[str, Any]] = []
    for tier in chain["tiers"]:
        name = _TIERS.get(tier["kind"], tier["kind"])
        base = {"tier": name, "tier_label": label("unit_kind", tier["kind"]), "tier_unit": tier["unit_id"]}
        base["tier_unit_name"] = tier["name"]
        for h in tier["holders"]:
            out.append({**base, **{k: v for k, v in h.items() if k != "members"}})
            for m in h.get("members", []):
                out.append({**base, "via": h["holder"], "via_name": h["holder_name"], **m})
    return out


def _gap_findings(chain: dict[str, Any], rests_on: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "rule": "responsibility.gap",
            "title": {"zh": "责任空缺", "en": "a role nobody held"},
            **gap,
            "at": chain["at"],
            "events": rests_on,
        }
        for gap in chain["gaps"]
    ]


async def _chain(db: SQL, unit_id: str, at: str, position: int, cited: list[dict[str, Any]]) -> dict[str, Any]:
    """What an accident's and a hazard's chains share: the moment, the tiers, who, the gaps,
    and the inspections, hazards and sanctions around it."""
    chain = await responsibility(db, unit_id, (at, position))
    people = _people(chain)
    targets = [unit_id, *(t["unit_id"] for t in chain["tiers"]), *(p["holder"] for p in people)]
    inspections, open_, sanctions = await asyncio.gather(
        inspections_before(db, unit_id, at, position, INSPECTIONS),
        hazards_at(db, [unit_id], at, position),
        sanctions_before(db, list(dict.fromkeys(targets)), at, position),
    )
    return {
        "at": at,
        "unit": chain["unit"],
        "tiers": chain["tiers"],
        "responsible": people,
        "gaps": chain["gaps"],
        "findings": _gap_findings(chain, cited),
        "inspections": inspections,
        "hazards": {"open": open_, "overdue": [h for h in open_ if h.get("overdue")]},
        "sanctions": sanctions,
    }


async def accountability(db: SQL, accident_id: str, position: int) -> dict[str, Any]:
    """The accountability chain of ``accident_id`` at its occurred_at, as known at ``position``.

    ``{accident, grade, grade_label, at, unit, tiers, responsible, gaps, findings,
    inspections, hazards: {open, overdue}, reports, escalation, investigation, sanctions}``;
    the investigation's ``responsible`` are marked ``in_chain`` when they held a role in the
    chain at the time. Raises ``UnknownAccident`` for an accident not recorded by then."""
    found = await accident(db, accident_id, position)
    if found is None:
        raise UnknownAccident(accident_id, position)
    chain = await _chain(db, found["unit_id"], found["occurred_at"], position, found["events"][:1])
    investigation = dict(found["investigation"])
    in_chain = {p["holder"] for p in chain["responsible"]}
    investigation["responsible"] = [
        {**r, "in_chain": r.get("holder") in in_chain} for r in investigation["responsible"]
    ]
    summary = {k: v for k, v in found.items() if k not in ("reports", "escalation", "investigation")}
    return {
        "accident": summary,
        "grade": found["grade"],
        "grade_label": found["grade_label"],
        **chain,
        "reports": found["reports"],
        "escalation": found["escalation"],
        "investigation": investigation,
    }


async def hazard_accountability(db: SQL, hazard_id: str, position: int) -> dict[str, Any]:
    """The same chain for a hazard, at the time it was reported (入库), as known at
    ``position``: ``{hazard, at, unit, tiers, responsible, gaps, findings, inspections,
    hazards, sanctions}``. Raises ``UnknownHazard``."""
    rows = await db.fetch("SELECT reported_at FROM hazards WHERE hazard_id = ? AND position <= ?", hazard_id, position)
    if not rows:
        raise UnknownHazard(hazard_id, position)
    now = await hazard(db, hazard_id, format_recorded(utc_now()), position)
    reported = now["events"][0]
    chain = await _chain(db, now["unit_id"], rows[0][0], position, [reported])
    return {"hazard": now, **chain}
