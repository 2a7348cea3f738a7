"""The activity projector: ``inspection.conducted`` (one row, and one per inspector, so that
"who inspected when" is an indexed read) and ``visit.made`` (现场办公, 督导 — a work group or a
person at a unit: not an inspection of an enterprise)."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from ledger.envelope import StoredEvent
from ledger.store.sql import SQLTx
from projections.base import Projector
from projections.timekeys import utc_key

__all__ = ["ActivityProjector"]

_INSPECTION_COLUMNS = (
    "inspection_id",
    "unit_id",
    "kind",
    "inspectors",
    "led_by",
    "result",
    "hazard_ids",
    "occurred_at",
    "position",
    "hash",
)


class ActivityProjector(Projector):
    name = "activity"
    tables = ("inspection_inspectors", "inspections", "visits")
    types: ClassVar[frozenset[str]] = frozenset({"inspection.conducted", "visit.made"})

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        inspections: list[tuple[Any, ...]] = []
        inspectors: list[tuple[Any, ...]] = []
        visits: list[tuple[Any, ...]] = []
        for e in events:
            d = e.data
            at = utc_key(e.occurred_at)
            if e.type == "visit.made":
                visits.append((d["visit_id"], d["holder"], d["target"], d["purpose"], at, e.position, e.hash))
                continue
            inspections.append(
                (
                    d["inspection_id"],
                    d["unit_id"],
                    d["kind"],
                    orjson.dumps(d["inspectors"]).decode(),
                    d.get("led_by"),
                    d["result"],
                    orjson.dumps(d.get("hazard_ids") or []).decode(),
                    at,
                    e.position,
                    e.hash,
                )
            )
            people = list(dict.fromkeys([*d["inspectors"], *([d["led_by"]] if d.get("led_by") else [])]))
            inspectors.extend((d["inspection_id"], p, d["unit_id"], at, e.position) for p in people)
        await tx.insert("inspections", _INSPECTION_COLUMNS, inspections)
        await tx.insert(
            "inspection_inspectors", ("inspection_id", "inspector", "unit_id", "occurred_at", "position"), inspectors
        )
        await tx.insert(
            "visits", ("visit_id", "holder", "target", "purpose", "occurred_at", "position", "hash"), visits
        )
