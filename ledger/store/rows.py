"""The one mapping between the ``events`` table's columns and ``StoredEvent``, for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ledger.envelope import StoredEvent
from ledger.store.base import StoredRow

__all__ = ["COLUMNS", "SELECT_COLUMNS", "event_from_record", "raw_from_record", "record_from_row"]

#: column order of every SELECT and every INSERT/COPY
COLUMNS: tuple[str, ...] = (
    "position",
    "stream",
    "version",
    "type",
    "occurred_at",
    "recorded_at",
    "actor",
    "data",
    "idempotency_key",
    "prev_hash",
    "hash",
)
SELECT_COLUMNS = ", ".join(COLUMNS)


def record_from_row(row: StoredRow) -> tuple[Any, ...]:
    """A row to write: the columns above, then ``request_hash``."""
    e = row.event
    return (
        e.position,
        e.stream,
        e.version,
        e.type,
        e.occurred_at,
        e.recorded_at,
        e.actor,
        (e.data_bytes or orjson.dumps(e.data)).decode(),
        e.idempotency_key,
        e.prev_hash,
        e.hash,
        row.request_hash,
    )


def event_from_record(record: Sequence[Any]) -> StoredEvent:
    values = list(record[: len(COLUMNS)])
    values[7] = orjson.loads(values[7])
    return StoredEvent(*values)


def raw_from_record(record: Sequence[Any]) -> tuple[int, dict[str, Any] | str]:
    """For verification: a row that is no longer valid JSON is reported, not raised."""
    position = int(record[0])
    try:
        return position, dict(zip(COLUMNS, (*record[:7], orjson.loads(record[7]), *record[8:11]), strict=True))
    except orjson.JSONDecodeError as exc:
        return position, f"data is not valid JSON any more ({exc})"
