"""RFC 9457 problem details: the one place where errors become HTTP answers.

Every error leaves as ``application/problem+json`` with a stable ``type``, a ``title``, the
``status``, a human ``detail`` and, for validation, ``errors`` (the path of each bad
field). No stack trace ever reaches a client.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from aiohttp import web

from ledger.errors import (
    ConcurrencyConflict,
    DomainRefused,
    IdempotencyConflict,
    IntegrityAlarm,
    InvalidEnvelope,
    LedgerError,
    StoreUnavailable,
)

__all__ = ["Problem", "from_ledger_error", "problem_response"]

TYPE_BASE = "https://duty-ledger.example/problems/"
#: how long a client is asked to wait before retrying when the ledger is unavailable (503)
RETRY_AFTER_SECONDS = 2


class Problem(Exception):
    """An error with its HTTP status, raised by handlers and rendered by the middleware."""

    def __init__(
        self, status: int, slug: str, title: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(problem: Problem, instance: str | None = None) -> web.Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if instance:
        body["instance"] = instance
    body.update(problem.extra)
    headers = dict(problem.headers)
    if problem.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="ledger"'
    if problem.status == 503:
        headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return web.Response(
        body=_dumps(body),
        status=problem.status,
        content_type="application/problem+json",
        headers=headers,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(body: dict[str, Any]) -> bytes:
    """JSON of a problem; a lone surrogate echoed from a request (a header decoded with
    surrogateescape) becomes U+FFFD instead of failing the answer."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return orjson.dumps(_scrub(body))


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def from_ledger_error(error: LedgerError) -> Problem:
    if isinstance(error, InvalidEnvelope):
        prefix = f"/{error.index}" if error.index is not None else ""
        errors = [{"path": f"{prefix}/{e.path}".rstrip("/") or "/", "message": e.message} for e in error.errors]
        return Problem(400, error.code, "Invalid event", str(error), errors=errors)
    if isinstance(error, DomainRefused):
        path = f"/{error.index}/data/{error.field}" if error.index is not None else f"/data/{error.field}"
        errors = [{"path": path, "message": error.message, "rule": error.rule}] if error.field else []
        return Problem(422, error.code, "Refused by a rule of duty", str(error), rule=error.rule, errors=errors)
    if isinstance(error, ConcurrencyConflict):
        return Problem(
            409,
            error.code,
            "Version conflict",
            str(error),
            stream=error.stream,
            expected_version=error.expected,
            current_version=error.actual,
        )
    if isinstance(error, IdempotencyConflict):
        return Problem(409, error.code, "Idempotency key reused", str(error))
    if isinstance(error, IntegrityAlarm):
        return Problem(503, error.code, "Integrity alarm: the ledger refuses writes", str(error))
    if isinstance(error, StoreUnavailable):
        return Problem(503, error.code, "The ledger is unavailable", str(error))
    if error.code == "not-found":
        return Problem(404, error.code, "Not found", str(error))
    return Problem(400, error.code, "Refused", str(error))
