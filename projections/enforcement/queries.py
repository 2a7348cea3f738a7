"""Asking about sanctions: those imposed on a set of targets before a moment, as known then."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ledger.labels import label
from ledger.store.sql import SQL
from projections.base import cite
from projections.bitemporal import chunks

__all__ = ["SANCTION_COLUMNS", "sanction_item", "sanctions_before", "sanctions_of"]

SANCTION_COLUMNS = (
    "sanction_id, target, kind, basis_refs, issued_by, amount_cny, until_at, note, imposed_at, position, hash, "
    "lifted_at, lift_reason, lifted_position, lifted_hash"
)


def sanction_item(row: Sequence[Any], position: int) -> dict[str, Any]:
    (sid, target, kind, refs, issued_by, amount, until, note, imposed, pos, hash_, lifted_at, reason, lpos, lhash) = row
    events = [cite(pos, hash_, "sanction.imposed")]
    lifted = lpos is not None and int(lpos) <= position
    if lifted:
        events.append(cite(lpos, lhash, "sanction.lifted"))
    return {
        "sanction_id": sid,
        "target": target,
        "kind": kind,
        "kind_label": label("sanction_kind", kind),
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
    """Sanctions imposed on any of ``targets`` before valid time ``at``, as the ledger knew them
    at ``position``; oldest first. A lift is shown only if known by then (whenever it took
    effect: ``lifted_at`` may lie after ``at``)."""
    out: list[dict[str, Any]] = []
    for chunk in chunks(list(dict.fromkeys(targets))):
        rows = await db.fetch(
            f"SELECT {SANCTION_COLUMNS} FROM sanctions WHERE target IN ({', '.join('?' * len(chunk))}) "
            "AND imposed_at < ? AND position <= ?",
            *chunk,
            at,
            position,
        )
        out += [sanction_item(r, position) for r in rows]
    out.sort(key=lambda s: (s["imposed_at"], s["events"][0]["position"]))
    return out


async def sanctions_of(db: SQL, target: str, position: int) -> list[dict[str, Any]]:
    """Every sanction on ``target`` known at ``position``, oldest first."""
    rows = await db.fetch(
        f"SELECT {SANCTION_COLUMNS} FROM sanctions WHERE target = ? AND position <= ? ORDER BY imposed_at, position",
        target,
        position,
    )
    return [sanction_item(r, position) for r in rows]
