"""What every read of the read models does, in one place (SPEC §2, §8).

``begin`` authorises the caller, resolves ``at`` / ``known_at`` to a position P (default:
the head when the request arrives) and waits until the read models reflect P — in this
process or in whichever process folds them — for at most ``WAIT_SECONDS``; then 503 with
``Retry-After``. ``answer`` states P and its ``recorded_at`` in every answer and writes its
instants in the caller's time zone (``tz``, Beijing time by default). ``visible_unit`` and
``asked_scope`` judge jurisdiction on today's tree; outside it "not found" and "forbidden"
look the same, so that nobody learns what exists in another county.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import orjson
from aiohttp import web

from api.app import METRICS, RUNNER, STORE
from api.auth import require
from api.problems import Problem
from api.render import localize, parse_tz
from api.scope import hidden
from api.tokens import Principal
from ledger.store import Backend, Head
from ledger.timeutil import format_recorded, utc_now
from projections.asof import AsOf, as_of
from projections.registry import in_subtree

__all__ = ["READERS", "WAIT_SECONDS", "Read", "answer", "asked_scope", "bad_parameter", "begin", "db", "visible_unit"]

READERS = ("viewer", "recorder", "investigator", "admin")
#: how long a read waits for the read models to reach its position before it gives up
WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Read:
    who: Principal
    asof: AsOf
    head: Head  # when the request arrived: today's tree, for jurisdiction
    now: str  # UTC key of the request's arrival
    zone: tzinfo


def db(request: web.Request) -> Backend:
    return request.app[STORE].backend


def bad_parameter(name: str, message: str) -> Problem:
    """A query or path parameter refused: 400, naming it."""
    errors = [{"path": name, "message": message}]
    return Problem(
        400, "bad-parameter", "Bad parameter", f"{name}: {message}", zh=f"参数 {name} 不正确：{message}", errors=errors
    )


async def begin(request: web.Request, *, at: str | None = None) -> Read:
    """Authorise a read, resolve its position and wait for the read models to reflect it."""
    who = require(request, *READERS)
    q = request.query
    try:
        zone = parse_tz(q.get("tz"))
    except ValueError as error:
        raise bad_parameter("tz", str(error)) from None
    backend = db(request)
    head = await backend.head()
    try:
        asof = await as_of(backend, at if at is not None else q.get("at"), q.get("known_at"))
    except ValueError as error:
        raise bad_parameter("at / known_at", str(error)) from None
    if q.get("known_at") is None and asof.position != head.position:  # the head moved in between: keep ours
        asof = AsOf(asof.at, head.position, head.recorded_at)
    await reflect(request, asof.position)
    return Read(who, asof, head, format_recorded(utc_now()), zone)


async def reflect(request: web.Request, position: int) -> None:
    """Wait until the read models have folded ``position``, or answer 503."""
    runner = request.app[RUNNER]
    started = time.perf_counter()
    reached = await runner.wait_for(position, WAIT_SECONDS)
    request.app[METRICS].read_wait.observe(time.perf_counter() - started)
    if not reached:
        raise Problem(
            503,
            "not-ready",
            "The read models are behind",
            f"the read models have not yet reached position {position} (they are at {runner.position()}); "
            "ask again in a moment",
            zh=f"读模型尚未处理到位置 {position}（目前在 {runner.position()}），为如实回答，请稍后重试。",
            headers={"Retry-After": "1"},
            position=position,
        )


async def visible_unit(request: web.Request, read: Read, unit_id: str, what: str | None = None) -> None:
    """404 unless ``unit_id`` lies in the caller's jurisdiction (today's tree)."""
    scope = read.who.scope
    if scope is not None and not await in_subtree(db(request), unit_id, scope, read.now, read.head.position):
        raise hidden(what or f"unit {unit_id!r}")


async def asked_scope(request: web.Request, read: Read) -> str | None:
    """The jurisdiction asked about: ``scope`` if given (and inside the caller's), else the caller's."""
    asked = request.query.get("scope")
    if asked is None:
        return read.who.scope
    await visible_unit(request, read, asked)
    return asked


def answer(read: Read, body: dict[str, Any]) -> web.Response:
    """The answer, stating what it reflects, its instants in the caller's time zone."""
    stated = {"as_of": read.asof.stated(), **body}
    return web.Response(body=orjson.dumps(localize(stated, read.zone)), content_type="application/json")
