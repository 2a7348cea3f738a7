"""Bitemporal rows: what a fold believes now, and how a new belief replaces it.

A bitemporal table holds, per entity, rows with a content (a valid interval and the facts of
that interval) and the log positions between which the ledger believed them,
``[recorded_from, recorded_to)``. When an event changes what is believed about an entity at
position P, the fold computes the entity's rows anew and ``replace`` diffs them with the
believed ones: a row no longer believed is closed (``recorded_to = P``), a new one is opened
(``recorded_from = P``), a row unchanged stays as it is. So a read "as known at P" —
``recorded_from <= P < recorded_to`` — gives the same answer before and after any later event.

``Believed`` keeps one page's view of one table: it loads the believed rows of the entities
the page touches, takes the page's replacements in log order, and writes them with two
``executemany`` calls at the end (closes, then inserts). A row opened and closed within the
page is written closed; one opened and closed by the same event is not written at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.store.sql import SQLTx
from projections.timekeys import OPEN

__all__ = ["Believed", "BelievedRow", "chunks"]

#: ids per ``IN (…)`` list
CHUNK = 500


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class BelievedRow:
    content: tuple[Any, ...]  # the content columns, in ``Believed.columns`` order
    recorded_from: int
    recorded_to: int = OPEN
    stored: bool = False
    closed_now: bool = field(default=False, compare=False)


class Believed:
    """One page's view of the believed rows of a bitemporal table.

    ``key`` is the entity column (``unit_id``); ``columns`` the content columns (the valid
    interval among them); ``row_key`` the content columns that, with the entity and
    ``recorded_from``, make the primary key (to close a stored row)."""

    def __init__(self, table: str, key: str, columns: Sequence[str], row_key: Sequence[str]) -> None:
        self.table = table
        self.key = key
        self.columns = tuple(columns)
        self._row_key = [self.columns.index(c) for c in row_key]
        self._row_key_columns = tuple(row_key)
        self.rows: dict[str, list[BelievedRow]] = {}

    async def load(self, tx: SQLTx, ids: Iterable[str]) -> None:
        """Read the believed rows of entities not loaded yet (an entity with none: empty)."""
        missing = sorted({i for i in ids if i not in self.rows})
        for chunk in chunks(missing):
            for entity in chunk:
                self.rows[entity] = []
            found = await tx.fetch(
                f"SELECT {self.key}, recorded_from, {', '.join(self.columns)} FROM {self.table} "
                f"WHERE recorded_to = ? AND {self.key} IN ({', '.join('?' * len(chunk))})",
                OPEN,
                *chunk,
            )
            for entity, recorded_from, *content in found:
                self.rows[entity].append(BelievedRow(tuple(content), int(recorded_from), stored=True))

    def known(self, entity: str) -> bool:
        return entity in self.rows

    def current(self, entity: str) -> list[tuple[Any, ...]]:
        """The contents believed now (after this page's replacements so far)."""
        return [r.content for r in self.rows.get(entity, ()) if r.recorded_to == OPEN]

    def replace(self, entity: str, contents: Iterable[tuple[Any, ...]], position: int) -> bool:
        """Believe ``contents`` about ``entity`` from ``position`` on; True if anything changed."""
        new = list(dict.fromkeys(contents))
        rows = self.rows.setdefault(entity, [])
        believed = {r.content: r for r in rows if r.recorded_to == OPEN}
        changed = False
        for content, row in believed.items():
            if content not in new:
                row.recorded_to = position
                changed = True
        for content in new:
            if content not in believed:
                rows.append(BelievedRow(content, position))
                changed = True
        return changed

    async def flush(self, tx: SQLTx) -> None:
        closes: list[tuple[Any, ...]] = []
        inserts: list[tuple[Any, ...]] = []
        for entity, rows in self.rows.items():
            for row in rows:
                if row.stored:
                    if row.recorded_to != OPEN:
                        closes.append(
                            (row.recorded_to, entity, *(row.content[i] for i in self._row_key), row.recorded_from)
                        )
                elif row.recorded_from < row.recorded_to:
                    inserts.append((entity, row.recorded_from, row.recorded_to, *row.content))
        if closes:
            where = " AND ".join(f"{c} = ?" for c in (self.key, *self._row_key_columns, "recorded_from"))
            await tx.executemany(f"UPDATE {self.table} SET recorded_to = ? WHERE {where}", closes)
        await tx.insert(self.table, (self.key, "recorded_from", "recorded_to", *self.columns), inserts)
