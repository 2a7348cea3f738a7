"""The accountability chain behind an accident (or a hazard), SPEC §7.

At the moment it happened (valid time) and as the ledger knew it at a position
(transaction time): the responsible people and units tier by tier (the enterprise's
principal, territorial and industry supervisors; the township official covering it; the
county official covering the township; the city work group covering the county, its leader
and members), the grade, the gaps (a role nobody held is itself a finding), and — from the
hazard and enforcement read models — the inspections of the unit before it, the hazards
open and overdue there at that moment, the report stages on time or late, the
investigation, and earlier sanctions against the unit and everyone in the chain. Every
link cites its events as ``{position, hash}``. The sections read concurrently.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ledger.domain import accident_grade, grade_label
from ledger.errors import LedgerError
from ledger.store.sql import SQL
from projections.base import cite
from projections.enforcement import sanctions_before
from projections.hazards import accident, accident_reports, hazards_at, inspections_before
from projections.responsibility import responsibility

__all__ = ["UnknownAccident", "UnknownHazard", "accountability", "hazard_accountability"]

#: how many inspections before the accident to show
INSPECTIONS = 50

_TIER_NAMES = {
    "enterprise": "enterprise",
    "village": "village",
    "township": "township",
    "county": "county",
    "dev_zone": "county",
    "city": "city",
    "province": "province",
}


class UnknownAccident(LedgerError):
    code = "not-found"

    def __init__(self, accident_id: str, position: int) -> None:
        self.accident_id = accident_id
        super().__init__(f"no accident {accident_id!r} is recorded as known at position {position}")


class UnknownHazard(LedgerError):
    code = "not-found"

    def __init__(self, hazard_id: str, position: int) -> None:
        self.hazard_id = hazard_id
        super().__init__(f"no hazard {hazard_id!r} is recorded as known at position {position}")


async def _head(db: SQL, position: int | None) -> int:
    if position is not None:
        return int(position)
    return int((await db.head()).position)  # type: ignore[attr-defined]


def _people(chain: dict[str, Any]) -> list[dict[str, Any]]:
    """Everyone in the chain, tier by tier, nearest tier first: each holding with the tier it
    answers for (``via``: the work group a member belongs to)."""
    out: list[dict[str, Any]] = []
    for tier in chain["tiers"]:
        for h in tier["holders"]:
            link = {k: v for k, v in h.items() if k != "members"}
            out.append({"tier": _TIER_NAMES.get(tier["kind"], tier["kind"]), "tier_unit": tier["unit_id"], **link})
            for m in h.get("members", []):
                out.append(
                    {
                        "tier": _TIER_NAMES.get(tier["kind"], tier["kind"]),
                        "tier_unit": tier["unit_id"],
                        "via": h["holder"],
                        **m,
                    }
                )
    return out


def _gap_findings(chain: dict[str, Any], rests_on: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "rule": "responsibility.gap",
            "unit_id": g["unit_id"],
            "unit_name": g["unit_name"],
            "role": g["role"],
            "industry": g["industry"],
            "at": chain["at"],
            "finding": g["finding"],
            "events": rests_on,
        }
        for g in chain["gaps"]
    ]


def _chain_part(
    chain: dict[str, Any], people: list[dict[str, Any]], at: str, position: int, cited: list[dict[str, Any]]
) -> dict[str, Any]:
    """What an accident's and a hazard's chains share: the moment, the tiers, who, the gaps."""
    return {
        "at": at,
        "position": position,
        "unit": chain["unit"],
        "tiers": chain["tiers"],
        "responsible": people,
        "gaps": chain["gaps"],
        "findings": _gap_findings(chain, cited),
    }


async def _sections(
    db: SQL,
    unit_id: str,
    at: str,
    position: int,
    chain: dict[str, Any],
    people: list[dict[str, Any]],
) -> dict[str, Any]:
    """Inspections before ``at``, hazards open there at ``at``, earlier sanctions: read at once."""
    targets = [unit_id] + [t["unit_id"] for t in chain["tiers"]] + [p["holder"] for p in people]
    inspections, open_, sanctions = await asyncio.gather(
        inspections_before(db, unit_id, at, position, INSPECTIONS),
        hazards_at(db, [unit_id], at, position),
        sanctions_before(db, list(dict.fromkeys(targets)), at, position),
    )
    return {
        "inspections": inspections,
        "hazards": {"open": open_, "overdue": [h for h in open_ if h.get("overdue")]},
        "sanctions": sanctions,
    }


async def accountability(db: SQL, accident_id: str, position: int | None = None) -> dict[str, Any]:
    """The accountability chain of ``accident_id`` at its occurred_at, as known at
    ``position`` (default: the head).

    ``{accident, at, position, grade, grade_label, tiers, responsible, gaps, findings,
    inspections, hazards: {open, overdue}, reports, investigation, sanctions}``:

    - ``tiers``: the responsibility map of the unit (``responsibility``): the unit and each
      unit above it, each with every role holder and ``covered_by`` (a covering work group
      with its ``members``);
    - ``responsible``: the same people and units as a flat list, tier by tier
      (``tier``, ``tier_unit``, ``via`` for a work group's members, and the holding);
    - ``gaps`` / ``findings``: the required roles nobody held (each a finding citing the
      accident's event);
    - ``reports``: the report stages, on time or late (the hazard read model);
      ``investigation``: its level and conclusion, each ``responsible`` holder marked
      ``in_chain`` when they held a role in the chain at the time;

    Raises ``UnknownAccident`` (code ``not-found``) for an accident not recorded by then."""
    position = await _head(db, position)
    rows = await db.fetch(
        "SELECT accident_id, unit_id, occurred_at, occurred_at_text, deaths, serious_injuries, direct_loss_cny, "
        "description, illegal_operation, position, hash FROM accountability_accidents "
        "WHERE accident_id = ? AND position <= ?",
        accident_id,
        position,
    )
    if not rows:
        raise UnknownAccident(accident_id, position)
    aid, unit_id, at, at_text, deaths, injuries, loss, description, illegal, pos, hash_ = rows[0]
    grade = accident_grade(int(deaths), int(injuries), float(loss))
    cited = [cite(pos, hash_)]
    chain = await responsibility(db, unit_id, (at, position))
    people = _people(chain)
    out: dict[str, Any] = {
        "accident": {
            "accident_id": aid,
            "unit_id": unit_id,
            "unit_name": chain["unit"]["name"],
            "occurred_at": at,
            "occurred_at_text": at_text,
            "deaths": int(deaths),
            "serious_injuries": int(injuries),
            "direct_loss_cny": float(loss),
            "description": description,
            "illegal_operation": None if illegal is None else bool(illegal),
            "grade": grade,
            "grade_label": grade_label(grade),
            "events": cited,
        },
        "grade": grade,
        "grade_label": grade_label(grade),
        **_chain_part(chain, people, at, position, cited),
    }
    sections, reports, found = await asyncio.gather(
        _sections(db, unit_id, at, position, chain, people),
        accident_reports(db, accident_id, position),
        accident(db, accident_id, position),
    )
    out.update(sections)
    out["reports"] = reports
    investigation = dict((found or {}).get("investigation") or {})
    if investigation:
        in_chain = {p["holder"] for p in people}
        investigation["responsible"] = [
            {**r, "in_chain": r.get("holder") in in_chain} for r in investigation.get("responsible", [])
        ]
    out["investigation"] = investigation or None
    return out


async def hazard_accountability(db: SQL, hazard_id: str, position: int | None = None) -> dict[str, Any]:
    """The same chain for a hazard, at the time it was reported (入库), as known at
    ``position`` (default: the head): ``{hazard, at, position, unit, tiers, responsible,
    gaps, findings, inspections, hazards, sanctions}``; ``hazards`` are the unit's
    hazards open at that moment (this one included once its report is folded).

    Raises ``UnknownHazard`` (code ``not-found``)."""
    position = await _head(db, position)
    rows = await db.fetch(
        "SELECT hazard_id, unit_id, reported_at, reported_at_text, severity, source, description, position, hash "
        "FROM accountability_hazards WHERE hazard_id = ? AND position <= ?",
        hazard_id,
        position,
    )
    if not rows:
        raise UnknownHazard(hazard_id, position)
    hid, unit_id, at, at_text, severity, source, description, pos, hash_ = rows[0]
    cited = [cite(pos, hash_)]
    chain = await responsibility(db, unit_id, (at, position))
    people = _people(chain)
    out: dict[str, Any] = {
        "hazard": {
            "hazard_id": hid,
            "unit_id": unit_id,
            "unit_name": chain["unit"]["name"],
            "reported_at": at,
            "reported_at_text": at_text,
            "severity": severity,
            "source": source,
            "description": description,
            "events": cited,
        },
        **_chain_part(chain, people, at, position, cited),
    }
    out.update(await _sections(db, unit_id, at, position, chain, people))
    return out
