"""The structured part of a dossier, from the read models: every call the dossier makes into
``projections`` is in this module, so that a reorganised read side is repointed here alone.

``content(db, subject, position)`` answers, as the ledger knew it at ``position``:

- accident / hazard: the accountability chain (``accountability``), and the sanctions that
  followed (imposed on the unit or on anyone in the chain or the investigation's list at or
  after the moment);
- unit [@period]: its responsibility map at the period's last instant (or now), who held
  what on it during the period, its inspections and its sanctions in the period;
- person: their sanctions; their holdings come later, once the log pass has found the
  units their assignments target (``person_holdings``).

Each answer also gives ``at``: the valid time at which the dossier names people and units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dossier.subject import Subject
from ledger.errors import LedgerError
from ledger.store.sql import SQL
from ledger.timeutil import format_recorded, parse_timestamp, utc_now
from projections.timekeys import FOREVER

__all__ = [
    "Content",
    "UnknownPerson",
    "content",
    "period_bounds",
    "person_holdings",
    "projected_position",
    "unknown_unit",
]


@dataclass
class Content:
    sections: dict[str, Any]
    #: the valid time (a UTC key) as of which the dossier names people and units
    at: str


class UnknownPerson(LedgerError):
    code = "not-found"

    def __init__(self, person_id: str, position: int) -> None:
        super().__init__(f"no person {person_id!r} is recorded as known at position {position}")


def unknown_unit(unit_id: str, position: int) -> LedgerError:
    from projections.registry import UnknownUnit

    return UnknownUnit(unit_id, position)


async def projected_position(db: SQL, head: int) -> int:
    """The position every read model has folded (the dossier's content is as of it)."""
    rows = await db.fetch("SELECT min(position) FROM projection_positions")
    return min(int(rows[0][0]), head) if rows and rows[0][0] is not None else head


def period_bounds(subject: Subject) -> tuple[str, str]:
    """The subject's period as UTC keys [start, end); all time without one."""
    if subject.period is None:
        return "", FOREVER
    from projections.calendar import parse_period

    p = parse_period(subject.period)
    return p.start, p.end


async def content(db: SQL, subject: Subject, position: int) -> Content:
    if subject.kind == "accident":
        from projections.accountability import accountability

        chain = await accountability(db, subject.id, position)
        return Content({"accountability": chain, "followed": await _followed(db, chain, position)}, chain["at"])
    if subject.kind == "hazard":
        from projections.accountability import hazard_accountability

        chain = await hazard_accountability(db, subject.id, position)
        return Content({"accountability": chain, "followed": await _followed(db, chain, position)}, chain["at"])
    if subject.kind == "person":
        from projections.enforcement import sanctions_of

        return Content({"sanctions": await sanctions_of(db, subject.id, position)}, _now())
    return await _unit(db, subject, position)


async def _unit(db: SQL, subject: Subject, position: int) -> Content:
    from projections.activity import inspections_before
    from projections.duty import responsibility, timeline
    from projections.enforcement import sanctions_of

    start, end = period_bounds(subject)
    at = _just_before(end) if subject.period else _now()
    chain = await responsibility(db, subject.id, (at, position))
    holdings = await timeline(db, subject.id, None, start or None, None if end == FOREVER else end, position)
    inspections = [
        i for i in await inspections_before(db, subject.id, end, position, 1000) if i["occurred_at"] >= start
    ]
    sanctions = [s for s in await sanctions_of(db, subject.id, position) if start <= (s["imposed_at"] or "") < end]
    sections = {"responsibility": chain, "timeline": holdings, "inspections": inspections, "sanctions": sanctions}
    return Content(sections, chain["at"])


async def _followed(db: SQL, chain: dict[str, Any], position: int) -> list[dict[str, Any]]:
    """Sanctions imposed at or after the moment of the chain on its unit, on anyone in it, or
    on anyone the investigation held responsible; oldest first, each once."""
    from projections.enforcement import sanctions_of

    at = chain["at"]
    investigation = chain.get("investigation") or {}
    targets = [chain["unit"]["unit_id"]]
    targets += [p["holder"] for p in chain.get("responsible", [])]
    targets += [r["holder"] for r in investigation.get("responsible", [])]
    found: dict[str, dict[str, Any]] = {}
    for target in dict.fromkeys(targets):
        for s in await sanctions_of(db, target, position):
            if (s["imposed_at"] or "") >= at:
                found.setdefault(s["sanction_id"], s)
    return sorted(found.values(), key=lambda s: (s["imposed_at"] or "", s["events"][0]["position"]))


async def person_holdings(db: SQL, person_id: str, targets: list[str], position: int) -> list[dict[str, Any]]:
    """Every role the person held on any of ``targets`` (the units their assignments name)."""
    from projections.duty import timeline

    out: list[dict[str, Any]] = []
    for target in sorted(set(targets)):
        try:
            held = await timeline(db, target, position=position)
        except LedgerError:
            continue  # a target not in the read model as known at the position
        out.extend(h for h in held if h.get("holder") == person_id)
    return out


def _now() -> str:
    return format_recorded(utc_now())


def _just_before(key: str) -> str:
    return format_recorded(parse_timestamp(key) - timedelta(microseconds=1))
