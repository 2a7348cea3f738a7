"""Every route of SPEC §8, in one table."""

from __future__ import annotations

from aiohttp import web

from api import events, exports, integrity, operations, problem_types, queries

__all__ = ["add_routes"]


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/events", events.post_events)
    app.router.add_get("/v1/events", events.get_events)
    app.router.add_get("/v1/events/stream", events.tail_events)
    app.router.add_get("/v1/streams/{stream}", events.get_stream)
    app.router.add_get("/v1/units", queries.get_units)
    app.router.add_get("/v1/people", queries.get_people)
    app.router.add_get("/v1/units/{unit_id}", queries.get_unit)
    app.router.add_get("/v1/units/{unit_id}/responsibility", queries.get_responsibility)
    app.router.add_get("/v1/units/{unit_id}/timeline", queries.get_timeline)
    app.router.add_get("/v1/overdue", queries.get_overdue)
    app.router.add_get("/v1/accidents/{accident_id}/accountability", queries.get_accountability)
    app.router.add_get("/v1/hazards", queries.get_hazards)
    app.router.add_get("/v1/hazards/{hazard_id}/accountability", queries.get_hazard_accountability)
    app.router.add_get("/v1/stats", queries.get_stats)
    app.router.add_get("/v1/findings", queries.get_findings)
    app.router.add_get("/v1/exports/dossier", exports.get_dossier)
    app.router.add_get("/v1/integrity/checkpoint", integrity.get_checkpoint)
    app.router.add_get("/v1/integrity/proof/{position}", integrity.get_proof)
    app.router.add_get("/v1/integrity/consistency", integrity.get_consistency)
    app.router.add_get("/log/checkpoint", integrity.get_log_checkpoint)
    app.router.add_get("/log/tile/{path:.+}", integrity.get_tile)
    app.router.add_get("/healthz", operations.healthz)
    app.router.add_get("/readyz", operations.readyz)
    app.router.add_get("/metrics", operations.metrics)
    app.router.add_get("/v1/openapi.json", operations.openapi)
    app.router.add_get("/problems/", problem_types.get_problem_index)
    app.router.add_get("/problems/{slug}", problem_types.get_problem_page)
