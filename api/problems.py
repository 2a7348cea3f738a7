"""RFC 9457 problem details: the one place where errors become HTTP answers.

Every error leaves as ``application/problem+json`` with a stable ``type`` (``/problems/<slug>``,
a page of this service that explains it: ``api.problem_types``), a Chinese ``title`` and
``detail`` (with ``title_en`` and ``detail_en`` beside them), the ``status`` and, for
validation, ``errors`` (the path of each bad field). No stack trace ever reaches a client.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import structlog
from aiohttp import web

from api.problem_types import PROBLEM_TYPES, type_uri
from ledger.errors import (
    ConcurrencyConflict,
    DomainRefused,
    IdempotencyConflict,
    IntegrityAlarm,
    InvalidEnvelope,
    LedgerError,
    StoreUnavailable,
)
from ledger.labels import label

__all__ = ["Problem", "from_ledger_error", "problem_response"]

log = structlog.get_logger(__name__)

#: how long a client is asked to wait before retrying when the ledger is unavailable (503)
RETRY_AFTER_SECONDS = 2


class Problem(Exception):
    """An error with its HTTP status, raised by handlers and rendered by the middleware.

    ``title`` and ``detail`` are English (``title_en``, ``detail_en``); ``zh`` is the Chinese
    detail — without it the answer says in Chinese what the type means, naming the bad fields.
    ``slug`` must be a type of ``PROBLEM_TYPES``."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        zh: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        if slug not in PROBLEM_TYPES:
            raise ValueError(f"no problem type {slug!r} in api.problem_types.PROBLEM_TYPES")
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.zh = zh
        self.headers = headers or {}
        self.extra = extra

    def detail_zh(self) -> str:
        if self.zh is not None:
            return self.zh
        kind = PROBLEM_TYPES[self.slug]
        paths = [str(e.get("path")) for e in self.extra.get("errors") or () if isinstance(e, dict) and e.get("path")]
        return f"{kind.title}，出错字段：{'、'.join(paths)}。{kind.meaning}" if paths else kind.meaning


def problem_response(problem: Problem, instance: str | None = None) -> web.Response:
    body: dict[str, Any] = {
        "type": type_uri(problem.slug),
        "title": PROBLEM_TYPES[problem.slug].title,
        "title_en": problem.title,
        "status": problem.status,
        "detail": problem.detail_zh(),
        "detail_en": problem.detail,
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
        where = f"第 {error.index} 个事件" if error.index is not None else "事件"
        at = f"（字段 {path}）" if error.field else ""
        zh = f"{where}{at}违反规则「{label('domain_rule', error.rule)}」（{error.rule}），未追加任何事件。"
        return Problem(422, error.code, "Refused by a rule of duty", str(error), zh=zh, rule=error.rule, errors=errors)
    if isinstance(error, ConcurrencyConflict):
        zh = (
            f"版本冲突：{error.stream} 提交时声明版本 {error.expected}，当前版本为 {error.actual}；请重新读取后再提交。"
        )
        return Problem(
            409,
            error.code,
            "Version conflict",
            str(error),
            zh=zh,
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
    if error.code in PROBLEM_TYPES:
        return Problem(400, error.code, "Refused", str(error))
    # a code without a problem type is a bug of ours, not the client's: said as such, and logged
    log.error("a ledger error without a problem type", code=error.code, error=str(error))
    return Problem(500, "internal", "Internal error", "the ledger failed to answer; the error is logged")
