"""The accidents projector: one home for every accident event.

``accidents`` keeps what ``accident.occurred`` says once; ``accident_figures`` the deaths,
serious injuries, direct loss and the grade derived from them (条例 第3条, by
``ledger.domain.accident_grade`` — the one place a grade is computed) from the occurrence
and from each 补报 (``accident.corrected``, 条例 第13条) at its valid time;
``accident_events`` the reports, and the investigation opened, extended and concluded.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from ledger.domain import accident_grade
from ledger.envelope import StoredEvent
from ledger.store.sql import SQLTx
from projections.base import Projector
from projections.bitemporal import chunks
from projections.timekeys import utc_key

__all__ = ["AccidentsProjector"]

_FIGURES = ("deaths", "serious_injuries", "direct_loss_cny")


class AccidentsProjector(Projector):
    name = "accidents"
    tables = ("accident_events", "accident_figures", "accidents")
    types: ClassVar[frozenset[str]] = frozenset(
        {
            "accident.occurred",
            "accident.corrected",
            "accident.reported",
            "accident.investigation_opened",
            "accident.investigation_extended",
            "accident.investigation_concluded",
        }
    )

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        figures = await self._latest_figures(tx, events)
        accidents: list[tuple[Any, ...]] = []
        figure_rows: list[tuple[Any, ...]] = []
        steps: list[tuple[Any, ...]] = []
        for e in events:
            d = e.data
            at = utc_key(e.occurred_at)
            if e.type in ("accident.occurred", "accident.corrected"):
                if e.type == "accident.occurred":
                    illegal = d.get("illegal_operation")
                    accidents.append(
                        (
                            d["accident_id"],
                            d["unit_id"],
                            at,
                            e.occurred_at,
                            d["description"],
                            None if illegal is None else int(bool(illegal)),
                            None if d.get("sensitive") is None else int(bool(d["sensitive"])),
                            d.get("location"),
                            e.position,
                            e.hash,
                        )
                    )
                    current: dict[str, Any] = {}
                else:
                    current = figures.get(d["accident_id"], {})
                    if not current:
                        continue  # a correction of an accident never recorded (the domain refuses these)
                new: dict[str, Any] = {k: d.get(k, current.get(k)) for k in _FIGURES}
                figures[d["accident_id"]] = new
                grade = accident_grade(int(new["deaths"]), int(new["serious_injuries"]), float(new["direct_loss_cny"]))
                figure_rows.append(
                    (
                        d["accident_id"],
                        e.position,
                        e.hash,
                        e.type,
                        at,
                        int(new["deaths"]),
                        int(new["serious_injuries"]),
                        float(new["direct_loss_cny"]),
                        grade,
                        d.get("reason"),
                    )
                )
                continue
            elevated = d.get("elevated")
            steps.append(
                (
                    e.position,
                    e.hash,
                    d["accident_id"],
                    e.type,
                    at,
                    d.get("stage"),
                    d.get("to_unit"),
                    d.get("by") or d.get("approved_by"),
                    d.get("level"),
                    None if elevated is None else int(bool(elevated)),
                    d.get("led_by"),
                    d.get("days"),
                    d.get("findings"),
                    orjson.dumps(d["responsible"]).decode() if "responsible" in d else None,
                )
            )
        if accidents:
            await tx.executemany(
                "INSERT INTO accidents (accident_id, unit_id, occurred_at, occurred_at_text, description, "
                "illegal_operation, sensitive, location, position, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                accidents,
            )
        if figure_rows:
            await tx.executemany(
                "INSERT INTO accident_figures (accident_id, position, hash, type, valid_from, deaths, "
                "serious_injuries, direct_loss_cny, grade, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                figure_rows,
            )
        if steps:
            await tx.executemany(
                "INSERT INTO accident_events (position, hash, accident_id, type, occurred_at, stage, to_unit, "
                "by_holder, level, elevated, led_by, days, findings, responsible) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                steps,
            )

    async def _latest_figures(self, tx: SQLTx, events: list[StoredEvent]) -> dict[str, dict[str, Any]]:
        """The figures as last recorded of the accidents this page corrects (not occurred in it)."""
        occurred = {e.data["accident_id"] for e in events if e.type == "accident.occurred"}
        wanted = sorted({e.data["accident_id"] for e in events if e.type == "accident.corrected"} - occurred)
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(wanted):
            rows = await tx.fetch(
                "SELECT f.accident_id, f.deaths, f.serious_injuries, f.direct_loss_cny FROM accident_figures f "
                "JOIN (SELECT accident_id, MAX(position) AS p FROM accident_figures "
                f"WHERE accident_id IN ({', '.join('?' * len(chunk))}) GROUP BY accident_id) last "
                "ON last.accident_id = f.accident_id AND last.p = f.position",
                *chunk,
            )
            for accident_id, deaths, injuries, loss in rows:
                found[accident_id] = {"deaths": deaths, "serious_injuries": injuries, "direct_loss_cny": loss}
        return found
