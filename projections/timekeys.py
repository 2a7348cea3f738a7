"""Valid time as sortable text: every comparison of instants in a read model is in UTC.

Events keep the client's offset (``2019-10-08T09:00:00+08:00``); read models store
``utc_key`` of it (``2019-10-08T01:00:00.000000Z``), fixed width, so that text order is
time order in SQLite and PostgreSQL alike. An open end of a valid interval is ``FOREVER``,
an open start ``DAWN``; an open end of a believed (recorded) interval is the position
``OPEN``. Arithmetic on keys (minutes, days) lives here too, so that no module parses keys
its own way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from ledger.timeutil import format_recorded, parse_timestamp

__all__ = [
    "DAWN",
    "FOREVER",
    "OPEN",
    "add_days",
    "add_minutes",
    "as_key",
    "from_key",
    "minutes_between",
    "to_key",
    "utc_key",
]

#: the end of an open valid interval
FOREVER = "9999-12-31T23:59:59.999999Z"
#: the start of a valid interval open to the past (a registration holds for all time before)
DAWN = "0001-01-01T00:00:00.000000Z"
#: the end of a believed interval still open (the largest bigint)
OPEN = 9223372036854775807

_FMT = "%Y-%m-%dT%H:%M:%S.%fZ"


@lru_cache(maxsize=8192)
def utc_key(timestamp: str) -> str:
    """An RFC 3339 timestamp (with any offset) as fixed-width UTC text."""
    return format_recorded(parse_timestamp(timestamp))


def as_key(value: str) -> str:
    """``value`` as a UTC key: a key already is one; anything else is RFC 3339 with an offset."""
    if len(value) == len(FOREVER) and value.endswith("Z") and value[10] == "T":
        return value
    return utc_key(value)


def from_key(key: str) -> datetime:
    """A key as an aware UTC instant (``fromisoformat`` reads the fixed format fifty times
    faster than ``strptime``; the overdue list converts thousands of keys per answer)."""
    moment = datetime.fromisoformat(key)
    if moment.utcoffset() != timedelta(0):
        raise ValueError(f"not a UTC key: {key!r}")
    return moment


def to_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_FMT)


def add_minutes(key: str, minutes: int) -> str:
    return to_key(from_key(key) + timedelta(minutes=minutes))


def add_days(key: str, days: float) -> str:
    return to_key(from_key(key) + timedelta(days=days))


def minutes_between(earlier: str, later: str) -> int:
    """Whole minutes from one key to another (negative when ``later`` is earlier)."""
    return int((from_key(later) - from_key(earlier)).total_seconds() // 60)
