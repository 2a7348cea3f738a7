"""The two time axes' wire format: RFC 3339 with an offset, always.

Valid time (``occurred_at``) keeps the offset the client wrote (Chinese users write
+08:00); transaction time (``recorded_at``) is UTC in a fixed-width form, so that it
sorts as text in both backends.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["BEIJING", "EARLIEST", "LATEST", "format_recorded", "normalise_timestamp", "parse_timestamp", "utc_now"]

#: Beijing time (北京时间, +08:00): what officials read, and in which the notices count their days, weeks and months
BEIJING = timezone(timedelta(hours=8), "北京时间")
#: the plausible range of every timestamp the ledger takes, as written in its own offset
#: (the People's Republic's first day to the end of the century): nothing earlier or later
#: is a date of work-safety duty, and arithmetic on dates inside it never overflows
EARLIEST = datetime(1949, 10, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59, 999999)

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: object) -> datetime:
    """Parse an RFC 3339 timestamp; raise ValueError (with a clerk-readable reason) otherwise."""
    if not isinstance(text, str):
        raise ValueError("must be an RFC 3339 timestamp string")
    if not _RFC3339.match(text):
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp with an offset (e.g. 2019-10-01T08:30:00+08:00)")
    # Python keeps microseconds only: more digits are truncated, never rounded up.
    head, sep, frac = text.partition(".")
    if sep:
        digits = re.match(r"\d+", frac)
        assert digits is not None
        text = f"{head}.{digits.group()[:6].ljust(6, '0')}{frac[digits.end() :]}"
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date and time") from exc
    if not EARLIEST <= moment.replace(tzinfo=None) <= LATEST:
        raise ValueError(f"{text!r} is outside the plausible range 1949-10-01 to 2100-12-31")
    return moment


def normalise_timestamp(text: object) -> str:
    """The canonical text of a client timestamp: same instant, same offset, no redundant digits."""
    return parse_timestamp(text).isoformat()


def format_recorded(moment: datetime) -> str:
    """Transaction time as fixed-width UTC text: ``2026-11-22T05:53:00.123456Z``."""
    # isoformat is four times faster than strftime (a rebuild formats one key per hazard event);
    # its first 26 characters are YYYY-MM-DDTHH:MM:SS.ffffff for every year the ledger takes
    return f"{moment.astimezone(UTC).isoformat(timespec='microseconds')[:26]}Z"


def utc_now() -> datetime:
    return datetime.now(UTC)
