"""Operations endpoints: liveness, readiness, metrics, the OpenAPI document."""

from __future__ import annotations

import orjson
from aiohttp import web

from api.app import METRICS, NOTARY, RUNNER, STORE
from api.openapi import openapi_document
from ledger.errors import LedgerError
from ledger.timeutil import parse_timestamp, utc_now

__all__ = ["healthz", "metrics", "openapi", "readyz"]

#: the service is ready while the read models are within this many seconds of the head
READY_SECONDS = 1.0


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and the read models are within about a second of the
    head: the oldest event they have not folded was recorded less than a second ago."""
    store, runner = request.app[STORE], request.app[RUNNER]
    try:
        head = await store.head()
        folded = max(runner.position(), await runner.stored_position())
        behind = 0.0
        if folded < head.position:
            (oldest,) = await store.read(after=folded, limit=1)
            behind = (utc_now() - parse_timestamp(oldest.recorded_at)).total_seconds()
    except (LedgerError, OSError) as error:
        return web.json_response({"status": "unavailable", "database": str(error)}, status=503)
    alarm = await request.app[NOTARY].watch()
    ready = behind <= READY_SECONDS and alarm is None
    status = "integrity alarm" if alarm else "ready" if ready else "catching up"
    body: dict[str, object] = {
        "status": status,
        "head": head.position,
        "folded": folded,
        "projection_lag": head.position - folded,
        "behind_seconds": round(behind, 3),
        "integrity": alarm or "ok",
    }
    witnesses = request.app[NOTARY].witnesses
    if witnesses is not None and witnesses.status:
        body["witnesses"] = witnesses.status
    return web.json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    m = request.app[METRICS]
    head = (await request.app[STORE].head()).position
    m.head.set(head)
    m.lag.set(head - request.app[RUNNER].position())
    return web.Response(body=m.render(), content_type="text/plain", charset="utf-8")


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=orjson.dumps(openapi_document()), content_type="application/json")
