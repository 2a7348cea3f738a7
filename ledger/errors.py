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


class IntegrityAlarm(StoreUnavailable):
    """The log is shorter than, or differs from, what the ledger has signed or computed
    (a cut or rewritten log): writes are refused until an operator looks (HTTP 503)."""

    code = "integrity-alarm"
