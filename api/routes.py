"""Every route of SPEC §8, in one table."""

from __future__ import annotations

from aiohttp import web

from api import events, operations

__all__ = ["add_routes"]


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/events", events.post_events)
    app.router.add_get("/v1/events", events.get_events)
    app.router.add_get("/v1/events/stream", events.tail_events)
    app.router.add_get("/v1/streams/{stream}", events.get_stream)
    app.router.add_get("/healthz", operations.healthz)
    app.router.add_get("/readyz", operations.readyz)
    app.router.add_get("/metrics", operations.metrics)
    app.router.add_get("/v1/openapi.json", operations.openapi)
