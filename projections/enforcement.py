"""The enforcement read model: sanctions, illegal sites, exams, evaluations (SPEC §5).

It also keeps the few accident and major-hazard facts the findings of SPEC §6 need
(grade, investigation opened/concluded, major hazards open), so that ``projections.findings``
reads nothing but log-backed tables. Every row carries the position and hash of the event
it rests on: "as known at P" is ``position <= P``; instants are UTC keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta, timezone
from typing import Any, ClassVar

import orjson

from ledger.domain import accident_grade
from ledger.envelope import StoredEvent
from ledger.store.sql import SQL, SQLTx
from ledger.timeutil import parse_timestamp
from projections.base import Projector, cite
from projections.timekeys import utc_key

__all__ = ["CHINA", "EnforcementProjector", "cite", "local_month", "sanctions_before"]

#: calendar months, quarters and years are China's (UTC+08:00), whatever offset a client wrote
CHINA = timezone(timedelta(hours=8))


def local_month(timestamp: str) -> str:
    """The calendar month (``2019-11``) of an instant, in China time."""
    return parse_timestamp(timestamp).astimezone(CHINA).strftime("%Y-%m")


class EnforcementProjector(Projector):
    name = "enforcement"
    tables = (
        "sanctions",
        "illegal_sites",
        "exams",
        "evaluations",
        "enforcement_accidents",
        "enforcement_investigations",
        "enforcement_major_hazards",
    )
    types: ClassVar[frozenset[str]] = frozenset(
        {
            "sanction.imposed",
            "sanction.lifted",
            "illegal_site.found",
            "exam.taken",
            "evaluation.scored",
            "accident.occurred",
            "accident.investigation_opened",
            "accident.investigation_concluded",
            "hazard.reported",
            "hazard.closed",
        }
    )

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        # inserts are gathered per table and written with executemany; updates (a lift, a
        # closure) follow the inserts of the same page, which is safe because an update
        # always concerns a row inserted by an earlier event (the domain refuses otherwise)
        inserts: dict[str, list[tuple[Any, ...]]] = {sql: [] for sql in _INSERTS.values()}
        updates: dict[str, list[tuple[Any, ...]]] = {}
        for event in events:
            sql = _INSERTS.get(event.type)
            if sql is not None:
                if event.type == "hazard.reported" and event.data.get("severity") != "major":
                    continue
                inserts[sql].append(_ROWS[event.type](event))
            elif event.type == "sanction.lifted":
                updates.setdefault(_LIFT, []).append(
                    (
                        utc_key(event.occurred_at),
                        event.data["reason"],
                        event.position,
                        event.hash,
                        event.data["sanction_id"],
                    )
                )
            elif event.type == "hazard.closed":
                updates.setdefault(_CLOSE, []).append(
                    (utc_key(event.occurred_at), event.position, event.hash, event.data["hazard_id"])
                )
        for sql, rows in inserts.items():
            if rows:
                await tx.executemany(sql, rows)
        # each kind of update touches its own table and each row at most once per event: one
        # executemany per kind keeps their order where it matters
        for sql, rows in updates.items():
            await tx.executemany(sql, rows)


_LIFT = (
    "UPDATE sanctions SET lifted_at = ?, lift_reason = ?, lifted_position = ?, lifted_hash = ? WHERE sanction_id = ?"
)
_CLOSE = "UPDATE enforcement_major_hazards SET closed_at = ?, closed_position = ?, closed_hash = ? WHERE hazard_id = ?"


def _sanction(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    amount = d.get("amount_cny")
    return (
        d["sanction_id"],
        d["target"],
        d["kind"],
        orjson.dumps(d["basis_refs"]).decode(),
        d["issued_by"],
        None if amount is None else float(amount),
        utc_key(d["until"]) if d.get("until") else None,
        d.get("note"),
        utc_key(e.occurred_at),
        e.position,
        e.hash,
    )


def _site(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    return (
        d["site_id"],
        d["unit_id"],
        d["description"],
        int(bool(d["stopped"])),
        utc_key(e.occurred_at),
        local_month(e.occurred_at),
        e.position,
        e.hash,
    )


def _exam(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    return (
        e.position,
        d["person_id"],
        d["subject"],
        float(d["score"]),
        int(bool(d["passed"])),
        utc_key(e.occurred_at),
        e.hash,
    )


def _evaluation(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    return (
        e.position,
        d["unit_id"],
        d["period"],
        d["scope"],
        float(d["score"]),
        d.get("rank"),
        utc_key(e.occurred_at),
        e.hash,
    )


def _accident(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    grade = accident_grade(d["deaths"], d["serious_injuries"], d["direct_loss_cny"])
    return (
        d["accident_id"],
        d["unit_id"],
        grade,
        d["deaths"],
        d["serious_injuries"],
        float(d["direct_loss_cny"]),
        utc_key(e.occurred_at),
        e.position,
        e.hash,
    )


def _investigation(e: StoredEvent) -> tuple[Any, ...]:
    stage = "opened" if e.type == "accident.investigation_opened" else "concluded"
    return (e.position, e.data["accident_id"], stage, e.data.get("level"), utc_key(e.occurred_at), e.hash)


def _major_hazard(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    return (d["hazard_id"], d["unit_id"], utc_key(e.occurred_at), e.position, e.hash)


_INSERTS: dict[str, str] = {
    "sanction.imposed": "INSERT INTO sanctions (sanction_id, target, kind, basis_refs, issued_by, amount_cny, "
    "until_at, note, imposed_at, position, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "illegal_site.found": "INSERT INTO illegal_sites (site_id, unit_id, description, stopped, found_at, month, "
    "position, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "exam.taken": "INSERT INTO exams (position, person_id, subject, score, passed, taken_at, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "evaluation.scored": "INSERT INTO evaluations (position, unit_id, period, scope, score, rank, scored_at, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "accident.occurred": "INSERT INTO enforcement_accidents (accident_id, unit_id, grade, deaths, "
    "serious_injuries, direct_loss_cny, occurred_at, position, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "accident.investigation_opened": "INSERT INTO enforcement_investigations "
    "(position, accident_id, stage, level, at, hash) VALUES (?, ?, ?, ?, ?, ?)",
    "hazard.reported": "INSERT INTO enforcement_major_hazards (hazard_id, unit_id, reported_at, position, hash) "
    "VALUES (?, ?, ?, ?, ?)",
}
_INSERTS["accident.investigation_concluded"] = _INSERTS["accident.investigation_opened"]

_ROWS = {
    "sanction.imposed": _sanction,
    "illegal_site.found": _site,
    "exam.taken": _exam,
    "evaluation.scored": _evaluation,
    "accident.occurred": _accident,
    "accident.investigation_opened": _investigation,
    "accident.investigation_concluded": _investigation,
    "hazard.reported": _major_hazard,
}


# -- queries ------------------------------------------------------------------------------

_SANCTION_COLUMNS = (
    "sanction_id, target, kind, basis_refs, issued_by, amount_cny, until_at, note, imposed_at, position, hash, "
    "lifted_at, lift_reason, lifted_position, lifted_hash"
)


def _sanction_out(row: Sequence[Any], position: int) -> dict[str, Any]:
    (sid, target, kind, refs, issued_by, amount, until, note, imposed, pos, hash_, lifted_at, reason, lpos, lhash) = row
    events = [cite(pos, hash_, "sanction.imposed")]
    lifted = lpos is not None and lpos <= position
    if lifted:
        events.append(cite(lpos, lhash, "sanction.lifted"))
    return {
        "sanction_id": sid,
        "target": target,
        "kind": kind,
        "basis_refs": orjson.loads(refs),
        "issued_by": issued_by,
        "amount_cny": amount,
        "until": until,
        "note": note,
        "imposed_at": imposed,
        "lifted_at": lifted_at if lifted else None,
        "lift_reason": reason if lifted else None,
        "events": events,
    }


async def sanctions_before(db: SQL, targets: Sequence[str], at: str, position: int) -> list[dict[str, Any]]:
    """Sanctions imposed on any of ``targets`` before valid time ``at`` (a UTC key), as the
    ledger knew them at ``position``; oldest first. A lift is shown only if known by then
    (whenever it took effect: ``lifted_at`` may lie after ``at``)."""
    targets = list(dict.fromkeys(targets))
    if not targets:
        return []
    marks = ", ".join("?" for _ in targets)
    rows = await db.fetch(
        f"SELECT {_SANCTION_COLUMNS} FROM sanctions WHERE target IN ({marks}) AND imposed_at < ? AND position <= ? "
        "ORDER BY imposed_at, position",
        *targets,
        at,
        position,
    )
    return [_sanction_out(r, position) for r in rows]


async def sanctions_of(db: SQL, target: str, position: int) -> list[dict[str, Any]]:
    """Every sanction on ``target`` known at ``position``, oldest first."""
    rows = await db.fetch(
        f"SELECT {_SANCTION_COLUMNS} FROM sanctions WHERE target = ? AND position <= ? ORDER BY imposed_at, position",
        target,
        position,
    )
    return [_sanction_out(r, position) for r in rows]
