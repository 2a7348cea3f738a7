"""The hazards projector: the hazard ledger (隐患台账), one home for every hazard event.

``hazards`` keeps what ``hazard.reported`` says of a hazard, once. ``hazard_transitions``
keeps one row per hazard event with the hazard's state right after it (folded in log
order): 入库 → 交办 → 整改 → 验收 → 销号, a failed verification back to rectification, and
立查立改 — a hazard rectified on the spot, with no hand-over (SPEC §6). ``hazard_current``
keeps each hazard's latest transition and the earliest and latest valid time among them, so that the
common question — as the ledger stands, at a moment after everything happened — reads one
row per hazard. The projector keeps the latest state of the hazards it has seen in memory
(closed ones are dropped: nothing follows a closure) and loads missing ones in bulk, so a
page is a handful of statements.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ledger.envelope import StoredEvent
from ledger.store.sql import SQLTx
from projections.base import Projector
from projections.bitemporal import chunks
from projections.timekeys import utc_key

__all__ = ["LEVEL_RANK", "STATE_KEYS", "HazardsProjector"]

#: listed supervision (挂牌督办) levels, lowest first
LEVEL_RANK = {"county": 1, "city": 2, "province": 3}
STATE_KEYS = (
    "unit_id",
    "severity",
    "reported_at",
    "state",
    "deadline",
    "deadline_position",
    "responsible",
    "assigned_by",
    "assigned_position",
    "supervision_level",
    "supervisor",
    "last_progress_at",
    "rectified_at",
    "rectified_by",
    "on_the_spot",
    "verifier",
)
_T_COLUMNS = ("hazard_id", "position", "hash", "occurred_at", "type", *STATE_KEYS)
_C_COLUMNS = (*_T_COLUMNS, "min_occurred_at", "max_occurred_at")
_H_COLUMNS = (
    "hazard_id",
    "unit_id",
    "severity",
    "source",
    "description",
    "category",
    "location",
    "inspection_id",
    "found_by",
    "reported_at",
    "position",
    "hash",
)


class HazardsProjector(Projector):
    name = "hazards"
    tables = ("hazard_current", "hazard_transitions", "hazards")
    types: ClassVar[frozenset[str]] = frozenset(
        {
            "hazard.reported",
            "hazard.assigned",
            "hazard.deadline_extended",
            "hazard.supervision_listed",
            "hazard.progress_reported",
            "hazard.rectified",
            "hazard.verified",
            "hazard.closed",
        }
    )

    def __init__(self) -> None:
        self._hazards: dict[str, dict[str, Any]] = {}
        #: the earliest and latest valid time of any transition of a hazard
        self._span: dict[str, tuple[str, str]] = {}
        self._seen = 0  # the last position folded into the cache

    def _forget(self) -> None:
        self._hazards.clear()
        self._span.clear()
        self._seen = 0

    async def reset(self, tx: SQLTx) -> None:
        self._forget()
        await super().reset(tx)

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        if events and events[0].position <= self._seen:
            self._forget()  # a page applied again (its transaction failed after the cache saw it)
        try:
            await self._apply(tx, events)
        except BaseException:
            self._forget()
            raise
        if events:
            self._seen = events[-1].position

    async def _apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        fresh = {e.data["hazard_id"] for e in events if e.type == "hazard.reported"}
        await self._load(tx, {e.data["hazard_id"] for e in events} - fresh)
        transitions: list[tuple[Any, ...]] = []
        reported: list[tuple[Any, ...]] = []
        closed: list[str] = []
        for e in events:
            d = e.data
            at = utc_key(e.occurred_at)
            if e.type == "hazard.reported":
                reported.append(
                    (
                        d["hazard_id"],
                        d["unit_id"],
                        d["severity"],
                        d["source"],
                        d["description"],
                        d.get("category"),
                        d.get("location"),
                        d.get("inspection_id"),
                        d.get("found_by"),
                        at,
                        e.position,
                        e.hash,
                    )
                )
            state = self._fold(e, at)
            if state is None:
                continue
            transitions.append((d["hazard_id"], e.position, e.hash, at, e.type, *(state[k] for k in STATE_KEYS)))
            if state["state"] == "closed":
                closed.append(d["hazard_id"])
        await tx.insert("hazards", _H_COLUMNS, reported)
        await tx.insert("hazard_transitions", _T_COLUMNS, transitions)
        if transitions:
            latest: dict[str, tuple[Any, ...]] = {}
            for row in transitions:  # in log order: the last row of a hazard is its latest
                latest[row[0]] = row
            await tx.upsert(
                "hazard_current",
                _C_COLUMNS,
                ("hazard_id",),
                [(*row, *self._span[row[0]]) for row in latest.values()],
            )
        for hazard_id in closed:  # nothing follows a closure
            self._hazards.pop(hazard_id, None)
            self._span.pop(hazard_id, None)

    async def _load(self, tx: SQLTx, ids: set[str]) -> None:
        """The latest state of hazards not in the cache."""
        for chunk in chunks(sorted(i for i in ids if i not in self._hazards)):
            rows = await tx.fetch(
                f"SELECT hazard_id, min_occurred_at, max_occurred_at, {', '.join(STATE_KEYS)} FROM hazard_current "
                f"WHERE hazard_id IN ({', '.join('?' * len(chunk))})",
                *chunk,
            )
            for row in rows:
                self._hazards[row[0]] = dict(zip(STATE_KEYS, row[3:], strict=True))
                self._span[row[0]] = (row[1], row[2])

    def _fold(self, e: StoredEvent, at: str) -> dict[str, Any] | None:
        d = e.data
        hazard_id = d["hazard_id"]
        if e.type == "hazard.reported" or hazard_id in self._hazards:
            earliest, latest = self._span.get(hazard_id, (at, at))
            self._span[hazard_id] = (min(at, earliest), max(at, latest))
        if e.type == "hazard.reported":
            state: dict[str, Any] = dict.fromkeys(STATE_KEYS)
            state.update(unit_id=d["unit_id"], severity=d["severity"], reported_at=at, state="reported", on_the_spot=0)
            self._hazards[hazard_id] = state
            return state
        previous = self._hazards.get(hazard_id)
        if previous is None:  # an event about a hazard never reported (the domain refuses these)
            return None
        state = dict(previous)
        if e.type == "hazard.assigned":
            state.update(
                state="assigned",
                responsible=d["responsible"],
                assigned_by=d.get("assigned_by"),
                deadline=utc_key(d["deadline"]),
                deadline_position=e.position,
                assigned_position=e.position,
            )
        elif e.type == "hazard.deadline_extended":
            state.update(deadline=utc_key(d["deadline"]), deadline_position=e.position)
        elif e.type == "hazard.supervision_listed":
            if LEVEL_RANK.get(d["level"], 0) >= LEVEL_RANK.get(state["supervision_level"] or "", 0):
                state.update(supervision_level=d["level"], supervisor=d["supervisor"])
        elif e.type == "hazard.progress_reported":
            if state["last_progress_at"] is None or at > state["last_progress_at"]:
                state["last_progress_at"] = at
        elif e.type == "hazard.rectified":
            # 立查立改: rectified straight from 入库, with no hand-over, is rectified on the spot
            state.update(
                state="rectified",
                rectified_at=at,
                rectified_by=d.get("by"),
                on_the_spot=int(previous["state"] == "reported"),
            )
        elif e.type == "hazard.verified":
            state.update(state="verified" if d["passed"] else "verification_failed", verifier=d.get("verifier"))
        elif e.type == "hazard.closed":
            state["state"] = "closed"
        self._hazards[hazard_id] = state
        return state
