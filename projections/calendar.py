"""China's calendar (UTC+08:00) for rules that speak of periods: 每月 is a calendar month,
每周 a calendar week (Monday to Sunday), 每半月 the 1st–15th and the 16th–end, a quarter a
calendar quarter — never a rolling window (SPEC §6, "Reading the notices closely").

Periods are half-open intervals of UTC keys ``[start, end)``. Labels: ``2019``,
``2019H2``, ``2019Q4``, ``2019-10``, ``2019-10-H1``, and weeks ``2019-W42`` (ISO 8601).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from ledger.timeutil import BEIJING, utc_now
from projections.timekeys import from_key, to_key

__all__ = [
    "CHINA",
    "Period",
    "cadence",
    "day_end",
    "half_months",
    "last_ended",
    "local_day",
    "local_month",
    "month_of",
    "months",
    "parse_period",
    "quarter_of",
    "weeks",
]

#: calendar days, weeks, months, quarters and years are China's, whatever offset a client wrote
CHINA = BEIJING

_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4])|H([12])|-(0[1-9]|1[0-2])(?:-H([12]))?|-W(0[1-9]|[1-4]\d|5[0-3]))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: str  # UTC keys, [start, end)
    end: str

    def contains(self, key: str) -> bool:
        return self.start <= key < self.end

    @property
    def last_instant(self) -> str:
        """The period's last microsecond."""
        return to_key(from_key(self.end) - timedelta(microseconds=1))


def _local(year: int, month: int, day: int = 1) -> datetime:
    while month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, day, tzinfo=CHINA)


def parse_period(label: str | None, now: datetime | None = None) -> Period:
    """A period from its label; None = the current quarter. ValueError for anything else."""
    if label is None:
        local = (now or utc_now()).astimezone(CHINA)
        label = f"{local.year}Q{(local.month - 1) // 3 + 1}"
    m = _PERIOD.match(label)
    if m is None or not 1949 <= int(m[1]) <= 2100:
        raise ValueError(f"{label!r} is not a period (2019, 2019H2, 2019Q4, 2019-10, 2019-10-H1, 2019-W42)")
    year = int(m[1])
    if m[2]:
        start, end = _local(year, 3 * int(m[2]) - 2), _local(year, 3 * int(m[2]) + 1)
    elif m[3]:
        start, end = _local(year, 6 * int(m[3]) - 5), _local(year, 6 * int(m[3]) + 1)
    elif m[4] and m[5]:
        month = int(m[4])
        start = _local(year, month, 1 if m[5] == "1" else 16)
        end = _local(year, month, 16) if m[5] == "1" else _local(year, month + 1)
    elif m[4]:
        start, end = _local(year, int(m[4])), _local(year, int(m[4]) + 1)
    elif m[6]:
        try:
            monday = datetime.fromisocalendar(year, int(m[6]), 1).replace(tzinfo=CHINA)
        except ValueError:
            raise ValueError(f"{label!r}: {year} has no week {m[6]}") from None
        start, end = monday, monday + timedelta(days=7)
    else:
        start, end = _local(year, 1), _local(year + 1, 1)
    return Period(label, to_key(start), to_key(end))


def _china(key: str) -> datetime:
    return from_key(key).astimezone(CHINA)


def month_of(key: str) -> Period:
    local = _china(key)
    return parse_period(f"{local.year}-{local.month:02d}")


def quarter_of(key: str) -> Period:
    local = _china(key)
    return parse_period(f"{local.year}Q{(local.month - 1) // 3 + 1}")


def local_month(key: str) -> str:
    """The calendar month label (``2019-11``) of an instant, in China time."""
    return _china(key).strftime("%Y-%m")


def local_day(key: str) -> str:
    return _china(key).strftime("%Y-%m-%d")


def months(start: str, end: str) -> Iterator[Period]:
    """Every calendar month overlapping ``[start, end)``, in order."""
    period = month_of(start)
    while period.start < end:
        yield period
        period = month_of(period.end)


def half_months(start: str, end: str) -> Iterator[Period]:
    """Every half month (1st–15th, 16th–end) overlapping ``[start, end)``."""
    for month in months(start, end):
        for half in ("H1", "H2"):
            period = parse_period(f"{month.label}-{half}")
            if period.start < end and start < period.end:
                yield period


def weeks(start: str, end: str) -> Iterator[Period]:
    """Every calendar week (Monday to Sunday, China time) overlapping ``[start, end)``."""
    local = _china(start)
    year, week, _ = local.isocalendar()
    period = parse_period(f"{year}-W{week:02d}")
    while period.start < end:
        yield period
        nxt = _china(period.end).isocalendar()
        period = parse_period(f"{nxt[0]}-W{nxt[1]:02d}")


def day_end(year: int, month: int, day: int) -> str:
    """The end of ``day`` (China time) of that month — the month's last day if it is shorter."""
    last = (_local(year, month + 1) - timedelta(days=1)).day
    return to_key(_local(year, month, min(day, last)) + timedelta(days=1))


def cadence(days: int) -> str:
    """The calendar period a rule's number of days stands for: 每周 (7), 每半月 (15), 每月 (30, 31)."""
    if days <= 7:
        return "week"
    if days <= 16:
        return "half_month"
    return "month"


def _containing(key: str, kind: str) -> Period:
    local = _china(key)
    if kind == "week":
        year, week, _ = local.isocalendar()
        return parse_period(f"{year}-W{week:02d}")
    if kind == "half_month":
        return parse_period(f"{local.year}-{local.month:02d}-H{1 if local.day <= 15 else 2}")
    return parse_period(f"{local.year}-{local.month:02d}")


def last_ended(key: str, kind: str) -> Period:
    """The latest calendar period of ``kind`` (week, half_month, month) that ended at or before ``key``."""
    current = _containing(key, kind)
    if current.end <= key:
        return current
    return _containing(to_key(from_key(current.start) - timedelta(microseconds=1)), kind)
