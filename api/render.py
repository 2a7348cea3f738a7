"""Answers in the reader's time: every instant of a read answer in one time zone, +08:00
(Beijing time) unless the caller asks for another with ``tz=``.

Read models keep instants as fixed-width UTC keys (``2019-05-24T10:00:00.000000Z``,
projections/timekeys.py); ``localize`` rewrites each such string of an answer as RFC 3339 in
the chosen zone, without fractional seconds when there are none. The log's own envelopes
(``/v1/events``, ``/v1/streams``) are never rewritten: their bytes are what the hashes cover.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.timeutil import BEIJING

__all__ = ["localize", "parse_tz"]

_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
#: the ends of open intervals: never an instant to show
_SENTINELS = frozenset({"9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00.000000Z"})


def parse_tz(text: str | None) -> tzinfo:
    """``+08:00`` / ``+0800``, ``Z`` / ``UTC``, or an IANA name (``Asia/Shanghai``); ValueError otherwise."""
    if text is None or text == "":
        return BEIJING
    if text in ("Z", "z", "UTC", "utc"):
        return UTC
    match = _OFFSET.match(text.strip())
    if match:
        sign = 1 if match[1] == "+" else -1
        hours, minutes = int(match[2]), int(match[3])
        if hours > 14 or minutes > 59:
            raise ValueError(f"{text!r} is not an offset from UTC (−14:00 to +14:00)")
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if len(text) > 64 or not re.fullmatch(r"[A-Za-z0-9_+/-]+", text):
        raise ValueError(f"{text!r} is not a time zone (+08:00, Z or a name such as Asia/Shanghai)")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{text!r} is not a time zone (+08:00, Z or a name such as Asia/Shanghai)") from None


def _instant(key: str, zone: tzinfo) -> str:
    moment = datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).astimezone(zone)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z") if zone is UTC else text


def localize(value: Any, zone: tzinfo) -> Any:
    """``value`` with every UTC key rewritten in ``zone`` (open ends become None)."""
    if isinstance(value, str):
        if len(value) == 27 and _KEY.match(value):
            return None if value in _SENTINELS else _instant(value, zone)
        return value
    if isinstance(value, dict):
        return {k: localize(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [localize(v, zone) for v in value]
    return value
