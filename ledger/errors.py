"""One root exception for everything the ledger refuses, each carrying its data as fields.

The HTTP layer maps each class to a problem+json status; the CLI prints ``str(error)``
on one line and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConcurrencyConflict",
    "DomainRefused",
    "FieldError",
    "IdempotencyConflict",
    "IntegrityAlarm",
    "InvalidEnvelope",
    "LedgerError",
    "RowsRefused",
    "StoreUnavailable",
]


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    #: a stable slug, used as the problem+json ``type`` and in CLI messages
    code = "ledger-error"
    #: which event of a batch it concerns (0-based), when it concerns one
    index: int | None = None


@dataclass(frozen=True)
class FieldError:
    """One bad field: a JSON-pointer-like path (``data/deadline``) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidEnvelope(LedgerError):
    """The event is malformed: wrong shape, unknown type, bad timestamp, contradicting stream."""

    code = "invalid-event"

    def __init__(self, errors: list[FieldError], index: int | None = None) -> None:
        self.errors = errors
        self.index = index
        where = f"event {index}: " if index is not None else ""
        super().__init__(where + "; ".join(str(e) for e in errors))


class DomainRefused(LedgerError):
    """A rule of work-safety duty refuses the event (HTTP 422).

    ``rule`` is a stable slug (``hazard.lifecycle``), ``field`` the offending data field.
    """

    code = "domain-rule"

    def __init__(self, rule: str, message: str, field: str | None = None, index: int | None = None) -> None:
        self.rule = rule
        self.message = message
        self.field = field
        self.index = index
        where = f"event {index}: " if index is not None else ""
        at = f" (field {field})" if field else ""
        super().__init__(f"{where}rule {rule}{at}: {message}")

    def at_index(self, index: int) -> DomainRefused:
        return DomainRefused(self.rule, self.message, self.field, index)


class ConcurrencyConflict(LedgerError):
    """``expected_version`` did not match the stream's current version (HTTP 409)."""

    code = "version-conflict"

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        self.stream = stream
        self.expected = expected
        self.actual = actual
        super().__init__(f"stream {stream} is at version {actual}, not the expected {expected}")


class IdempotencyConflict(LedgerError):
    """An idempotency key already used with a different body (HTTP 409)."""

    code = "idempotency-conflict"

    def __init__(self, key: str, reason: str = "it was first used with a different body") -> None:
        self.key = key
        super().__init__(f"idempotency key {key!r} cannot be reused: {reason}")


class StoreUnavailable(LedgerError):
    """The database could not be reached or refused the write (HTTP 503); nothing was appended."""

    code = "store-unavailable"


class RowsRefused(LedgerError):
    """The database refused a value of the rows being written (a backend's ``insert`` raises
    it, translated from its driver's data errors). The appender then finds the request at
    fault and refuses it alone (HTTP 400); nothing of the failed transaction was written.

    ``column`` and ``row`` (0-based, among the rows written) when the database says them.
    """

    code = "unstorable"

    def __init__(self, reason: str, column: str | None = None, row: int | None = None) -> None:
        self.reason = reason
        self.column = column
        self.row = row
        where = f" (column {column}, row {row})" if column is not None else ""
        super().__init__(f"the database refused a value{where}: {reason}")

    def as_invalid(self, batch: bool) -> InvalidEnvelope:
        """The refusal as the one request at fault sees it: its field (and event, in a batch)."""
        path = _COLUMN_FIELDS.get(self.column or "", "")
        return InvalidEnvelope(
            [FieldError(path, f"the database refused it: {self.reason}")], self.row if batch else None
        )


#: the envelope field each column of ``events`` holds
_COLUMN_FIELDS = {
    "stream": "stream",
    "type": "type",
    "occurred_at": "occurred_at",
    "data": "data",
    "idempotency_key": "idempotency_key",
}


class IntegrityAlarm(StoreUnavailable):
    """The log is shorter than, or differs from, what the ledger has signed or computed
    (a cut or rewritten log): writes are refused until an operator looks (HTTP 503)."""

    code = "integrity-alarm"
