"""What every read of the read models does, in one place (SPEC §2, §8).

``begin`` authorises the caller, resolves ``at`` / ``known_at`` to a position P (default:
the head when the request arrives) and waits until the read models reflect P — in this
process or in whichever process folds them, and on the read replica when there is one — for
at most ``WAIT_SECONDS``; then 503 with ``Retry-After``. ``db`` is where the read models'
queries run: the replica (LEDGER_READ_DATABASE_URL), else the primary. P itself is always
resolved on the primary, so that a read after a write is a read of that write. ``answer``
states P and its ``recorded_at`` in every answer and writes its instants in the caller's
time zone (``tz``, Beijing time by default). ``visible_unit`` and
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

from api.app import METRICS, REPLICA, RUNNER, STORE
from api.auth import require
from api.problems import Problem
from api.render import localize, parse_tz
from api.scope import hidden
from api.tokens import Principal
from ledger.store import Backend, Head
from ledger.timeutil import format_recorded, utc_now
from projections.asof import AsOf, as_of
from projections.registry import in_subtree, units_at

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
    """Where the read models' queries run: the read replica when there is one, else the primary."""
    replica = request.app.get(REPLICA)
    return replica.backend if replica is not None else request.app[STORE].backend


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
    primary = request.app[STORE].backend  # the head and positions exactly as written
    head = await primary.head()
    try:
        asof = await as_of(primary, at if at is not None else q.get("at"), q.get("known_at"))
    except ValueError as error:
        raise bad_parameter("at / known_at", str(error)) from None
    if q.get("known_at") is None and asof.position != head.position:  # the head moved in between: keep ours
        asof = AsOf(asof.at, head.position, head.recorded_at)
    await reflect(request, asof.position)
    return Read(who, asof, head, format_recorded(utc_now()), zone)


async def reflect(request: web.Request, position: int) -> None:
    """Wait until the read models have folded ``position`` — and the replica has replayed
    that, when reads go to one — or answer 503."""
    runner, replica, metrics = request.app[RUNNER], request.app.get(REPLICA), request.app[METRICS]
    started = time.perf_counter()
    behind = behind_zh = None
    # with a replica, when another process folds, the replica's own positions are all there is
    # to watch; when this one folds, waiting for it here makes it fold at once
    if (replica is None or runner.following) and not await runner.wait_for(position, WAIT_SECONDS):
        behind = f"the read models have not yet reached position {position} (they are at {runner.position()})"
        behind_zh = f"读模型尚未处理到位置 {position}（目前在 {runner.position()}）"
    elif replica is not None:
        folded = time.perf_counter()
        if not await replica.wait_for(position, WAIT_SECONDS - (folded - started)):
            behind = f"the read replica does not show position {position} yet (it shows {replica.position()})"
            behind_zh = f"只读副本尚未同步到位置 {position}（目前在 {replica.position()}）"
        if metrics.replica is not None:
            metrics.replica.wait.observe(time.perf_counter() - folded)
    metrics.read_wait.observe(time.perf_counter() - started)
    if behind is not None:
        raise Problem(
            503,
            "not-ready",
            "The read models are behind",
            f"{behind}; ask again in a moment",
            zh=f"{behind_zh}，为如实回答，请稍后重试。",
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


async def scope_named(request: web.Request, read: Read, scope: str | None) -> dict[str, Any]:
    """How an answer states its jurisdiction: the id and, beside it, the unit's name as of
    what the answer reflects (None for the whole ledger)."""
    if scope is None:
        return {"scope": None, "scope_name": None}
    units = await units_at(db(request), [scope], read.asof.at, read.asof.position)
    return {"scope": scope, "scope_name": units[scope]["name"] if scope in units else None}


def answer(read: Read, body: dict[str, Any]) -> web.Response:
    """The answer, stating what it reflects, its instants in the caller's time zone."""
    stated = {"as_of": read.asof.stated(), **body}
    return web.Response(body=orjson.dumps(localize(stated, read.zone)), content_type="application/json")
