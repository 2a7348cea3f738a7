"""What a projector is: a fold of the log into tables of its own.

A projector declares the event types it folds and the tables it owns. The runner hands it
each page of relevant events inside one transaction that also advances its tracked
position (eventsourcing's ``Tracking``), so a crash never applies an event twice or skips
one. SQL is portable (``?`` placeholders) and runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ledger.envelope import StoredEvent
from ledger.store.sql import SQLTx

__all__ = ["Projector", "cite"]


def cite(position: int, hash_: str, type_: str | None = None) -> dict[str, Any]:
    """How every answer cites an event: its position and hash (and type, where it helps)."""
    ref: dict[str, Any] = {"position": int(position), "hash": hash_}
    if type_ is not None:
        ref["type"] = type_
    return ref


class Projector(ABC):
    #: stable name, the key of its tracked position (``ledger rebuild NAME``)
    name: ClassVar[str]
    #: the tables it owns, in an order that can be emptied one after another
    tables: ClassVar[tuple[str, ...]]
    #: the event types it folds; the runner passes it no others
    types: ClassVar[frozenset[str]]
    #: secondary indexes its fold reads through: a rebuild keeps them (it drops the others
    #: while it fills the tables, and builds them after: ``Backend.park_indexes``)
    fold_indexes: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        """Fold ``events`` (relevant ones, in log order) within ``tx``."""

    async def reset(self, tx: SQLTx) -> None:
        """Empty its tables (a rebuild). Override to drop in-memory caches too."""
        for table in self.tables:
            await tx.execute(f"DELETE FROM {table}")
