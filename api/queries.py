"""The read models over HTTP (SPEC §7): every read that can be asked about the past takes
``at`` (valid time) and ``known_at`` (transaction time)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from api.app import STORE
from api.auth import require
from api.params import int_param
from api.problems import Problem
from api.scope import hidden, readable
from ledger.store import Backend
from projections.accountability import accountability
from projections.asof import AsOf, as_of
from projections.findings import findings
from projections.hazards import accident, hazard_ledger
from projections.overdue import overdue
from projections.responsibility import responsibility, timeline
from projections.stats import stats

__all__ = [
    "get_accountability",
    "get_findings",
    "get_hazards",
    "get_overdue",
    "get_responsibility",
    "get_stats",
    "get_timeline",
]

READERS = ("viewer", "recorder", "investigator", "admin")


def _json(body: Any) -> web.Response:
    return web.Response(body=orjson.dumps(body, default=str), content_type="application/json")


async def _asof(request: web.Request) -> AsOf:
    try:
        return await as_of(_db(request), request.query.get("at"), request.query.get("known_at"))
    except ValueError as error:
        raise Problem(400, "bad-parameter", "Bad time", f"at / known_at: {error}") from None


def _db(request: web.Request) -> Backend:
    return request.app[STORE].backend


async def _unit_in_scope(request: web.Request, unit_id: str) -> None:
    who = require(request, *READERS)
    if not await readable(_db(request), unit_id, who.scope):
        raise Problem(
            403, "out-of-scope", "Outside your jurisdiction", f"{unit_id} is not in the subtree of {who.scope}"
        )


async def _scope(request: web.Request) -> str | None:
    """The jurisdiction asked about: ``scope`` if given (and allowed), else the caller's own."""
    who = require(request, *READERS)
    asked = request.query.get("scope")
    if asked is None:
        return who.scope
    if not await readable(_db(request), asked, who.scope):
        raise Problem(403, "out-of-scope", "Outside your jurisdiction", f"{asked} is not in the subtree of {who.scope}")
    return asked


async def get_responsibility(request: web.Request) -> web.Response:

    unit_id = request.match_info["unit_id"]
    await _unit_in_scope(request, unit_id)
    return _json(await responsibility(_db(request), unit_id, await _asof(request)))


async def get_timeline(request: web.Request) -> web.Response:

    unit_id = request.match_info["unit_id"]
    await _unit_in_scope(request, unit_id)
    asof = await _asof(request)
    q = request.query
    try:
        found = await timeline(_db(request), unit_id, q.get("role"), q.get("from"), q.get("to"), asof.position)
    except ValueError as error:
        raise Problem(400, "bad-parameter", "Bad parameter", str(error)) from None
    return _json({"unit_id": unit_id, "known_at": asof.known_at_text, "timeline": found})


async def get_overdue(request: web.Request) -> web.Response:

    scope = await _scope(request)
    kinds = [k for k in request.query.get("kind", "").split(",") if k] or None
    asof = await _asof(request)
    items = await overdue(_db(request), scope, asof, kinds)
    return _json({"scope": scope, "at": asof.at_text, "known_at": asof.known_at_text, "items": items})


async def get_accountability(request: web.Request) -> web.Response:

    accident_id = request.match_info["accident_id"]
    who = require(request, *READERS)
    asof = await _asof(request)
    found = await accident(_db(request), accident_id, asof.position)
    if found is None or not await readable(_db(request), found["unit_id"], who.scope):
        raise hidden(f"accident {accident_id!r} as known at {asof.known_at_text}")
    return _json(await accountability(_db(request), accident_id, asof.position))


async def get_hazards(request: web.Request) -> web.Response:

    scope = await _scope(request)
    asof = await _asof(request)
    q = request.query
    limit = int_param(request, "limit", 100, maximum=1000)
    page = await hazard_ledger(
        _db(request), scope, q.get("state"), q.get("severity"), asof.position, limit, q.get("after")
    )
    return _json(page)


async def get_stats(request: web.Request) -> web.Response:

    scope = await _scope(request)
    asof = await _asof(request)
    q = request.query
    try:
        figures = await stats(_db(request), scope, q.get("from"), q.get("to"), asof.position)
    except ValueError as error:
        raise Problem(400, "bad-parameter", "Bad parameter", str(error)) from None
    return _json(figures)


async def get_findings(request: web.Request) -> web.Response:

    scope = await _scope(request)
    asof = await _asof(request)
    try:
        found = await findings(_db(request), scope, request.query.get("period"), asof.position)
    except ValueError as error:
        raise Problem(400, "bad-parameter", "Bad parameter", str(error)) from None
    return _json({"scope": scope, "period": request.query.get("period"), "findings": found})
