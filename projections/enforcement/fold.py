"""The enforcement projector: sanctions (and their lifting), illegal sites (非法窝点, and
their stopping, at once or later), exams, evaluations (执法评估) and periodic reports.

Every row carries the position and hash of the event it rests on; a lift or a stop recorded
later carries its own, so "as known at P" compares them with P.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from ledger.envelope import StoredEvent
from ledger.store.sql import SQLTx
from projections.base import Projector
from projections.timekeys import utc_key

__all__ = ["EnforcementProjector"]


class EnforcementProjector(Projector):
    name = "enforcement"
    tables = ("sanctions", "illegal_sites", "exams", "evaluations", "reports")
    types: ClassVar[frozenset[str]] = frozenset(
        {
            "sanction.imposed",
            "sanction.lifted",
            "illegal_site.found",
            "illegal_site.stopped",
            "exam.taken",
            "evaluation.scored",
            "report.submitted",
        }
    )

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        # inserts per table with executemany; updates (a lift, a stop) after the inserts of the
        # page: an update always concerns a row inserted by an earlier event (the domain refuses
        # otherwise), and each kind of update touches its own table
        inserts: dict[str, list[tuple[Any, ...]]] = {}
        updates: dict[str, list[tuple[Any, ...]]] = {}
        for event in events:
            if event.type in _INSERTS:
                inserts.setdefault(_INSERTS[event.type], []).append(_ROWS[event.type](event))
            elif event.type == "sanction.lifted":
                d = event.data
                lift: tuple[Any, ...] = (
                    utc_key(event.occurred_at),
                    d["reason"],
                    event.position,
                    event.hash,
                    d["sanction_id"],
                )
                updates.setdefault(_LIFT, []).append(lift)
            elif event.type == "illegal_site.stopped":
                d = event.data
                stop: tuple[Any, ...] = (
                    utc_key(event.occurred_at),
                    event.position,
                    event.hash,
                    d.get("by"),
                    d["site_id"],
                )
                updates.setdefault(_STOP, []).append(stop)
        for sql, rows in inserts.items():
            await tx.executemany(sql, rows)
        for sql, rows in updates.items():
            await tx.executemany(sql, rows)


_LIFT = (
    "UPDATE sanctions SET lifted_at = ?, lift_reason = ?, lifted_position = ?, lifted_hash = ? WHERE sanction_id = ?"
)
_STOP = (
    "UPDATE illegal_sites SET stopped_at = ?, stopped_position = ?, stopped_hash = ?, stopped_by = ? "
    "WHERE site_id = ? AND stopped_at IS NULL"
)


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
    found = utc_key(e.occurred_at)
    stopped = bool(d["stopped"])
    return (
        d["site_id"],
        d["unit_id"],
        d["description"],
        found,
        e.position,
        e.hash,
        found if stopped else None,
        e.position if stopped else None,
        e.hash if stopped else None,
    )


def _exam(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    passed = int(bool(d["passed"]))
    return (e.position, d["person_id"], d["subject"], float(d["score"]), passed, utc_key(e.occurred_at), e.hash)


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


def _report(e: StoredEvent) -> tuple[Any, ...]:
    d = e.data
    return (
        d["report_id"],
        d["kind"],
        d["unit_id"],
        d["period"],
        d.get("title"),
        utc_key(e.occurred_at),
        e.position,
        e.hash,
    )


_INSERTS: dict[str, str] = {
    "sanction.imposed": "INSERT INTO sanctions (sanction_id, target, kind, basis_refs, issued_by, amount_cny, "
    "until_at, note, imposed_at, position, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "illegal_site.found": "INSERT INTO illegal_sites (site_id, unit_id, description, found_at, position, hash, "
    "stopped_at, stopped_position, stopped_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "exam.taken": "INSERT INTO exams (position, person_id, subject, score, passed, taken_at, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "evaluation.scored": "INSERT INTO evaluations (position, unit_id, period, scope, score, rank, scored_at, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "report.submitted": "INSERT INTO reports (report_id, kind, unit_id, period, title, occurred_at, position, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
}
_ROWS = {
    "sanction.imposed": _sanction,
    "illegal_site.found": _site,
    "exam.taken": _exam,
    "evaluation.scored": _evaluation,
    "report.submitted": _report,
}
