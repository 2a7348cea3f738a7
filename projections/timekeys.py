"""Valid time as sortable text: every comparison of instants in a read model is in UTC.

Events keep the client's offset (``2019-10-08T09:00:00+08:00``); read models store
``utc_key`` of it (``2019-10-08T01:00:00.000000Z``), fixed width, so that text order is
time order in SQLite and PostgreSQL alike, and an open end is ``FOREVER``.
"""

from __future__ import annotations

from ledger.timeutil import format_recorded, parse_timestamp

__all__ = ["FOREVER", "utc_key"]

#: the end of an open valid or recorded interval
FOREVER = "9999-12-31T23:59:59.999999Z"


def utc_key(timestamp: str) -> str:
    """An RFC 3339 timestamp (with any offset) as fixed-width UTC text."""
    return format_recorded(parse_timestamp(timestamp))
