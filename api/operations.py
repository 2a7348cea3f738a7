"""Operations endpoints: liveness, readiness, metrics, the OpenAPI document."""

from __future__ import annotations

import orjson
import structlog
from aiohttp import web

from api.app import METRICS, NOTARY, REPLICA, RUNNER, STORE
from api.openapi import openapi_document
from ledger.errors import LedgerError
from ledger.store import EventStore
from ledger.timeutil import parse_timestamp, utc_now
from projections.replica import Replica

__all__ = ["healthz", "metrics", "openapi", "readyz", "replica_lag"]

log = structlog.get_logger("ledger.api")

#: the service is ready while the read models are within this many seconds of the head
READY_SECONDS = 1.0


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and the read models are within about a second of the
    head: the oldest event they have not folded was recorded less than a second ago. With a
    read replica, the read models as the replica shows them: that is what reads wait for."""
    store, runner, replica = request.app[STORE], request.app[RUNNER], request.app.get(REPLICA)
    lag: dict[str, int | None] | None = None
    try:
        head = await store.head()
        folded = max(runner.position(), await runner.stored_position())
        if replica is not None:
            try:
                lag = await replica_lag(replica, store, folded)
            except (LedgerError, OSError) as error:
                return web.json_response({"status": "unavailable", "replica": str(error)}, status=503)
        readable = min(folded, int(lag["folded"] or 0)) if lag is not None else folded
        behind = await _seconds_behind(store, readable, head.position)
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
        # the rules' state every write is judged on: a write waits until it reaches the head
        # (after a restart it starts from the newest snapshot, ``from_snapshot``)
        "rules": {
            "folded": store.decider.position,
            "from_snapshot": store.snapshots.restored_at or None if store.snapshots is not None else None,
        },
    }
    if lag is not None:
        body["replica"] = lag
    witnesses = request.app[NOTARY].witnesses
    if witnesses is not None and witnesses.status:
        body["witnesses"] = witnesses.status
    return web.json_response(body, status=200 if ready else 503)


async def _seconds_behind(store: EventStore, reached: int, head: int) -> float:
    """How long ago the oldest event beyond ``reached`` was recorded (0 when there is none)."""
    if reached >= head:
        return 0.0
    (oldest,) = await store.read(after=reached, limit=1)
    return (utc_now() - parse_timestamp(oldest.recorded_at)).total_seconds()


async def replica_lag(replica: Replica, store: EventStore, folded: int) -> dict[str, int | None]:
    """How far the replica trails the primary: the read models' position it shows, the events
    the primary has folded beyond it, and the WAL bytes it has not replayed."""
    shown = await replica.refresh()
    return {"folded": shown, "lag_events": max(0, folded - shown), "lag_bytes": await replica.lag_bytes(store.backend)}


async def metrics(request: web.Request) -> web.Response:
    m, store, runner = request.app[METRICS], request.app[STORE], request.app[RUNNER]
    head = (await store.head()).position
    m.head.set(head)
    m.lag.set(head - runner.position())
    replica = request.app.get(REPLICA)
    if m.replica is not None and replica is not None:
        try:
            lag = await replica_lag(replica, store, max(runner.position(), await runner.stored_position()))
        except (LedgerError, OSError) as error:
            log.warning("the read replica did not answer the scrape", error=str(error))
            m.replica.up.set(0)
        else:
            m.replica.up.set(1)
            m.replica.lag_events.set(lag["lag_events"] or 0)
            if lag["lag_bytes"] is not None:
                m.replica.lag_bytes.set(lag["lag_bytes"])
    return web.Response(body=m.render(), content_type="text/plain", charset="utf-8")


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=orjson.dumps(openapi_document()), content_type="application/json")
