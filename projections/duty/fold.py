"""The responsibility read model: who was responsible for what, when — and as known when.

``assignments`` holds bitemporal facts. Each row is one version of an assignment: its valid
interval ``[valid_from, valid_to)`` (UTC keys, ``FOREVER`` for an open end) and the log
positions between which the ledger believed it, ``[recorded_from, recorded_to)``
(``OPEN`` for "still believed"). An ``assignment.ended``, an ``assignment.corrected`` or an
``assignment.made`` with ``supersedes`` closes the believed interval of the version it
replaces and opens the next one, so that a read "at valid time T as known at position P" is

    recorded_from <= P < recorded_to AND valid_from <= T < valid_to

and gives the same answer before and after any later, back-dated or correcting event.
Every version lists the events it rests on (position, hash, type), to cite.

A supersession ends the earlier assignment at the new one's ``valid_from`` as it was made
(the domain keeps that instant: docs/domain-rules.md); a later correction of the earlier
one's ``valid_to`` cannot move its end past it.
"""

from __future__ import annotations

from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar

import orjson

from ledger.envelope import StoredEvent
from ledger.store.sql import SQLTx
from projections.base import Projector
from projections.bitemporal import chunks
from projections.timekeys import FOREVER, OPEN, utc_key

__all__ = ["COLUMNS", "DutyProjector"]

COLUMNS = (
    "assignment_id",
    "recorded_from",
    "recorded_to",
    "role",
    "holder",
    "target",
    "industry",
    "basis",
    "valid_from",
    "valid_to",
    "valid_from_text",
    "valid_to_text",
    "supersedes",
    "superseded_by",
    "superseded_at",
    "superseded_at_text",
    "end_reason",
    "correction_reason",
    "made_position",
    "made_hash",
    "events",
)
_EVENTS_AT = COLUMNS.index("events")
_values = itemgetter(*COLUMNS)
#: the same few instants recur across thousands of assignments (a campaign's start date)
_utc = lru_cache(maxsize=4096)(utc_key)


class DutyProjector(Projector):
    name = "duty"
    tables = ("assignments",)
    types: ClassVar[frozenset[str]] = frozenset({"assignment.made", "assignment.ended", "assignment.corrected"})

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        """One page in a handful of statements: the versions an event of the page replaces
        are read in one query (per 500), new versions are inserted at once (``SQLTx.insert``), and
        the believed intervals of earlier versions closed with another."""
        current = await self._load_current(tx, events)
        inserts: list[dict[str, Any]] = []
        closes: list[tuple[int, str, int]] = []  # (recorded_to, assignment_id, recorded_from)

        def replace(aid: str, event: StoredEvent, **changes: Any) -> None:
            old = current.get(aid)
            if old is None:  # not in the log (a store without the domain's rules): nothing to fold
                return
            if old.pop("_stored", False):
                closes.append((event.position, aid, old["recorded_from"]))
            else:
                old["recorded_to"] = event.position  # a version of this page, not yet inserted
            new = {
                **old,
                **changes,
                "recorded_from": event.position,
                "recorded_to": OPEN,
                "events": [*old["events"], [event.position, event.hash, event.type]],
            }
            inserts.append(new)
            current[aid] = new

        for event in events:
            data = event.data
            kind = event.type
            if kind == "assignment.made":
                aid = data["assignment_id"]
                valid_to = data.get("valid_to")
                row = {
                    "assignment_id": aid,
                    "recorded_from": event.position,
                    "recorded_to": OPEN,
                    "role": data["role"],
                    "holder": data["holder"],
                    "target": data["target"],
                    "industry": data.get("industry"),
                    "basis": data.get("basis"),
                    "valid_from": _utc(data["valid_from"]),
                    "valid_to": _utc(valid_to) if valid_to else FOREVER,
                    "valid_from_text": data["valid_from"],
                    "valid_to_text": valid_to,
                    "supersedes": data.get("supersedes"),
                    "superseded_by": None,
                    "superseded_at": None,
                    "superseded_at_text": None,
                    "end_reason": None,
                    "correction_reason": None,
                    "made_position": event.position,
                    "made_hash": event.hash,
                    "events": [[event.position, event.hash, event.type]],
                }
                inserts.append(row)
                current[aid] = row
                earlier = data.get("supersedes")
                if earlier and earlier in current:
                    at, text = row["valid_from"], data["valid_from"]
                    ends = at < current[earlier]["valid_to"]
                    replace(
                        earlier,
                        event,
                        superseded_by=aid,
                        superseded_at=at,
                        superseded_at_text=text,
                        valid_to=at if ends else current[earlier]["valid_to"],
                        valid_to_text=text if ends else current[earlier]["valid_to_text"],
                    )
            elif kind == "assignment.ended":
                aid = data["assignment_id"]
                replace(
                    aid,
                    event,
                    valid_to=_utc(data["valid_to"]),
                    valid_to_text=data["valid_to"],
                    end_reason=data.get("reason"),
                )
            elif kind == "assignment.corrected":
                aid = data["assignment_id"]
                old = current.get(aid)
                if old is None:
                    continue
                changes: dict[str, Any] = {"correction_reason": data.get("reason")}
                if "valid_from" in data:
                    changes["valid_from"] = _utc(data["valid_from"])
                    changes["valid_from_text"] = data["valid_from"]
                if "holder" in data:
                    changes["holder"] = data["holder"]
                if "valid_to" in data:
                    text = data["valid_to"]
                    end = _utc(text) if text is not None else FOREVER
                    if old["superseded_at"] is not None and old["superseded_at"] < end:
                        end, text = old["superseded_at"], old["superseded_at_text"]  # still superseded
                    changes["valid_to"] = end
                    changes["valid_to_text"] = text
                    if data["valid_to"] is None:
                        changes["end_reason"] = None  # re-opened
                replace(aid, event, **changes)

        if closes:
            await tx.executemany(
                "UPDATE assignments SET recorded_to = ? WHERE assignment_id = ? AND recorded_from = ?", closes
            )
        if inserts:
            await tx.insert("assignments", COLUMNS, [_row(v) for v in inserts])

    async def _load_current(self, tx: SQLTx, events: list[StoredEvent]) -> dict[str, dict[str, Any]]:
        """The believed versions of the assignments this page changes but did not make."""
        made: set[str] = set()
        wanted: list[str] = []
        for event in events:
            data = event.data
            if event.type == "assignment.made":
                made.add(data["assignment_id"])
                earlier = data.get("supersedes")
                if earlier and earlier not in made:
                    wanted.append(earlier)
            elif event.type in ("assignment.ended", "assignment.corrected") and data["assignment_id"] not in made:
                wanted.append(data["assignment_id"])
        current: dict[str, dict[str, Any]] = {}
        for chunk in chunks(list(dict.fromkeys(wanted))):
            rows = await tx.fetch(
                f"SELECT {', '.join(COLUMNS)} FROM assignments "
                f"WHERE recorded_to = ? AND assignment_id IN ({', '.join('?' * len(chunk))})",
                OPEN,
                *chunk,
            )
            for values in rows:
                version = dict(zip(COLUMNS, values, strict=True))
                version["recorded_from"] = int(version["recorded_from"])
                version["events"] = orjson.loads(version["events"])
                version["_stored"] = True
                current[version["assignment_id"]] = version
        return current


def _row(version: dict[str, Any]) -> tuple[Any, ...]:
    values = list(_values(version))
    values[_EVENTS_AT] = orjson.dumps(values[_EVENTS_AT]).decode()
    return tuple(values)
