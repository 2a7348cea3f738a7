"""Operations endpoints: liveness, readiness, metrics, the OpenAPI document."""

from __future__ import annotations

import orjson
from aiohttp import web

from api.app import METRICS, NOTARY, RUNNER, STORE
from api.openapi import openapi_document
from ledger.errors import LedgerError

__all__ = ["healthz", "metrics", "openapi", "readyz"]

#: projections further behind than this many events make the service not ready
READY_LAG = 10_000


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        head = (await request.app[STORE].head()).position
    except (LedgerError, OSError) as error:
        return web.json_response({"status": "unavailable", "database": str(error)}, status=503)
    lag = head - request.app[RUNNER].position()
    alarm = request.app[NOTARY].watch(head)
    ready = lag <= READY_LAG and alarm is None
    status = "integrity alarm" if alarm else "ready" if ready else "catching up"
    body = {"status": status, "head": head, "projection_lag": lag, "integrity": alarm or "ok"}
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
