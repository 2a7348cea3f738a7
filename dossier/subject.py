"""What a dossier is about: ``accident:<id>``, ``hazard:<id>``, ``person:<id>`` or
``unit:<id>[@<period>]`` (periods as in the findings: ``2019``, ``2019H2``, ``2019Q4``,
``2019-10``, ``2019-10-H1``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledger.errors import LedgerError

__all__ = ["BadSubject", "Subject", "parse_subject"]

#: an id without controls, spaces, quotes or slashes (it is looked for inside JSON text)
_SUBJECT = re.compile(r'^(accident|hazard|person|unit):([^\x00-\x20\x7f@/\\"]{1,200})(?:@([0-9A-Z-]{4,10}))?$')


class BadSubject(LedgerError):
    code = "bad-subject"


@dataclass(frozen=True)
class Subject:
    kind: str
    id: str
    period: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}" + (f"@{self.period}" if self.period else "")

    @property
    def stream(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def slug(self) -> str:
        return re.sub(r"[^0-9A-Za-z_.\-]+", "-", f"{self.kind}-{self.id}" + (f"-{self.period}" if self.period else ""))


def parse_subject(text: str) -> Subject:
    m = _SUBJECT.match(text or "")
    if m is None:
        raise BadSubject(f"{text!r} is not a subject: accident:<id>, hazard:<id>, person:<id> or unit:<id>[@2019Q4]")
    kind, id_, period = m[1], m[2], m[3]
    if period is not None and kind != "unit":
        raise BadSubject(f"only a unit takes a period, not {kind}:{id_}@{period}")
    if period is not None:
        from projections.findings import parse_period

        try:
            parse_period(period)
        except ValueError as exc:
            raise BadSubject(str(exc)) from None
    return Subject(kind, id_, period)
