"""The OpenAPI 3.1 document: every endpoint and, from the domain's schemas, every event type."""

from __future__ import annotations

from functools import cache
from typing import Any

from ledger.catalogue import EVENT_TYPES
from ledger.domain.schema import json_schema

__all__ = ["openapi_document"]

PROBLEM = {"$ref": "#/components/responses/Problem"}


def _event_schema(event_type: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "occurred_at", "data"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": event_type},
            "occurred_at": {"type": "string", "format": "date-time", "description": "RFC 3339 with an offset"},
            "stream": {"type": "string"},
            "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 200},
            "expected_version": {"type": "integer", "minimum": 0},
            "data": json_schema(event_type),
        },
    }


def _param(name: str, where: str = "query", description: str = "", **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _get(summary: str, *params: dict[str, Any], public: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": list(params),
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": PROBLEM,
            "401": PROBLEM,
            "403": PROBLEM,
            "404": PROBLEM,
            "503": PROBLEM,
        },
    }
    if public:
        op["security"] = []
        op["responses"] = {"200": op["responses"]["200"], "503": PROBLEM}
    return op


AT = _param("at", description="valid time, RFC 3339 with an offset (default: now)", format="date-time")
KNOWN_AT = _param(
    "known_at", description="transaction time: what the ledger said then (default: now)", format="date-time"
)
SCOPE = _param("scope", description="a unit id: its subtree (default: the caller's jurisdiction)")
TZ = _param("tz", description="the time zone of the answer's instants: +08:00 (default), Z, or a name (Asia/Shanghai)")


def _page(summary: str, *params: dict[str, Any]) -> dict[str, Any]:
    """A public HTML page."""
    return {
        "summary": summary,
        "security": [],
        "parameters": list(params),
        "responses": {"200": {"description": "OK", "content": {"text/html": {}}}, "404": PROBLEM},
    }


@cache
def openapi_document() -> dict[str, Any]:
    events = {"oneOf": [{"$ref": f"#/components/schemas/{t}"} for t in EVENT_TYPES]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Duty and accountability ledger",
            "version": "1",
            "description": "An append-only, hash-chained log of work-safety duty (安全生产责任) and its read models.",
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/events": {
                "post": {
                    "summary": "Append one event or an atomic batch (at most 1000)",
                    "parameters": [_param("Idempotency-Key", "header")],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"oneOf": [events, {"type": "array", "items": events, "maxItems": 1000}]}
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "the stored envelopes", "content": {"application/json": {}}},
                        **{code: PROBLEM for code in ("400", "401", "403", "409", "413", "422", "503")},
                    },
                },
                "get": _get(
                    "The log, paged by position",
                    _param("after", type="integer", minimum=0),
                    _param("limit", type="integer", minimum=0, maximum=1000),
                    _param("stream"),
                    _param("type", description="comma-separated event types"),
                ),
            },
            "/v1/events/stream": {
                "get": {
                    **_get("The live tail, as Server-Sent Events", _param("after", type="integer", minimum=0)),
                    "responses": {"200": {"description": "text/event-stream"}, "401": PROBLEM},
                }
            },
            "/v1/streams/{stream}": {"get": _get("One entity's events and current state", _param("stream", "path"))},
            "/v1/units": {
                "get": _get(
                    "Units whose name, former name or code holds `q`, within the caller's jurisdiction",
                    _param("q", description="1 to 100 characters of a name or a code"),
                    SCOPE,
                    _param("limit", type="integer", minimum=1, maximum=100),
                    AT,
                    KNOWN_AT,
                    TZ,
                )
            },
            "/v1/people": {
                "get": _get(
                    "People whose name or id holds `q`, whose home unit lies within the caller's jurisdiction",
                    _param("q", description="1 to 100 characters of a name or an id"),
                    SCOPE,
                    _param("limit", type="integer", minimum=1, maximum=100),
                    AT,
                    KNOWN_AT,
                    TZ,
                )
            },
            "/v1/units/{unit_id}": {
                "get": _get(
                    "A unit as it was at `at`, and its children then", _param("unit_id", "path"), AT, KNOWN_AT, TZ
                )
            },
            "/v1/units/{unit_id}/responsibility": {
                "get": _get(
                    "Who was responsible for a unit and up its covering chain, at `at` as known at `known_at`",
                    _param("unit_id", "path"),
                    AT,
                    KNOWN_AT,
                    TZ,
                )
            },
            "/v1/units/{unit_id}/timeline": {
                "get": _get(
                    "Who held which role on a unit over valid time",
                    _param("unit_id", "path"),
                    _param("role"),
                    _param("from", format="date-time"),
                    _param("to", format="date-time"),
                    KNOWN_AT,
                    TZ,
                )
            },
            "/v1/overdue": {
                "get": _get(
                    "Every item past its deadline at `at`, with who answers for it and the policy it was judged by",
                    SCOPE,
                    AT,
                    KNOWN_AT,
                    TZ,
                    _param("kind", description="comma-separated kinds"),
                )
            },
            "/v1/accidents/{accident_id}/accountability": {
                "get": _get("The accountability chain of an accident", _param("accident_id", "path"), KNOWN_AT, TZ)
            },
            "/v1/hazards/{hazard_id}/accountability": {
                "get": _get("The accountability chain of a hazard", _param("hazard_id", "path"), KNOWN_AT, TZ)
            },
            "/v1/hazards": {
                "get": _get(
                    "The hazard ledger (隐患台账)",
                    SCOPE,
                    _param("state", description="a state, open or overdue"),
                    _param("severity"),
                    _param("unit", description="one unit's hazards"),
                    _param("from", description="reported at or after", format="date-time"),
                    _param("to", description="reported before", format="date-time"),
                    _param("limit", type="integer", minimum=1, maximum=1000),
                    _param("after"),
                    AT,
                    KNOWN_AT,
                    TZ,
                )
            },
            "/v1/stats": {
                "get": _get(
                    "Dashboard figures",
                    SCOPE,
                    _param("from", format="date-time"),
                    _param("to", format="date-time"),
                    KNOWN_AT,
                    TZ,
                )
            },
            "/v1/findings": {
                "get": _get(
                    "Findings of the rules of SPEC §6",
                    SCOPE,
                    _param("period", description="2019, 2019H2, 2019Q4, 2019-10, 2019-10-H1 or 2019-W42"),
                    KNOWN_AT,
                    TZ,
                )
            },
            "/v1/integrity/checkpoint": {
                "get": {
                    **_get(
                        "The latest C2SP checkpoint (a signed note, Ed25519) with the witnesses' cosignatures, "
                        "and the ledger's verifier key; the note itself with Accept: text/plain or format=note",
                        _param("format", description="json (default) or note", enum=["json", "note"]),
                    ),
                    "responses": {
                        "200": {
                            "description": "the checkpoint",
                            "content": {"application/json": {"schema": {"type": "object"}}, "text/plain": {}},
                        },
                        **{code: PROBLEM for code in ("400", "401", "403", "503")},
                    },
                }
            },
            "/v1/integrity/proof/{position}": {
                "get": _get(
                    "An inclusion proof: the event at `position` is in the tree of `size`",
                    _param("position", "path", type="integer", minimum=1),
                    _param("size", type="integer", minimum=1),
                )
            },
            "/v1/integrity/consistency": {
                "get": _get(
                    "A consistency proof: the tree of size `from` is a prefix of the tree of size `to`",
                    _param("from", type="integer", minimum=1),
                    _param("to", type="integer", minimum=1),
                )
            },
            "/v1/exports/dossier": {
                "get": {
                    **_get(
                        "A compliance dossier (SPEC §9) as a zip: PDF, XLSX, events, proofs, signed manifest "
                        "(investigator, admin)",
                        {
                            **_param("subject", description="accident:ID, hazard:ID, person:ID or unit:ID[@2019Q4]"),
                            "required": True,
                        },
                        _param(
                            "with_personal_data",
                            description="true to include personal data (id numbers, phones) in the clear",
                            type="boolean",
                        ),
                    ),
                    "responses": {
                        "200": {"description": "the dossier", "content": {"application/zip": {}}},
                        **{code: PROBLEM for code in ("400", "401", "403", "404", "503")},
                    },
                }
            },
            "/log/checkpoint": {
                "get": {
                    **_get("C2SP tlog-tiles: the latest checkpoint note (public)", public=True),
                    "responses": {"200": {"description": "the note", "content": {"text/plain": {}}}, "503": PROBLEM},
                }
            },
            "/log/tile/{path}": {
                "get": {
                    **_get(
                        "C2SP tlog-tiles: a Merkle tile, <L>/<N>[.p/<W>] (public, immutable)",
                        _param("path", "path", description="e.g. 0/x001/234 or 1/000.p/17"),
                        public=True,
                    ),
                    "responses": {
                        "200": {"description": "the tile", "content": {"application/octet-stream": {}}},
                        "404": PROBLEM,
                        "503": PROBLEM,
                    },
                }
            },
            "/healthz": {"get": _get("Liveness", public=True)},
            "/readyz": {
                "get": _get("Readiness: database reachable, projections caught up, no integrity alarm", public=True)
            },
            "/metrics": {"get": _get("Prometheus metrics", public=True)},
            "/v1/openapi.json": {"get": _get("This document", public=True)},
            "/problems/": {"get": _page("Every problem type the service answers, in Chinese and English")},
            "/problems/{slug}": {
                "get": _page(
                    "What a problem type means and what to do (the `type` of every problem document)",
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 100}},
                )
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "title_en", "status", "detail", "detail_en"],
                    "properties": {
                        "type": {"type": "string", "description": "/problems/<slug>: a page explaining it"},
                        "title": {"type": "string", "description": "Chinese"},
                        "title_en": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string", "description": "Chinese, naming the bad fields"},
                        "detail_en": {"type": "string"},
                        "instance": {"type": "string"},
                        "errors": {"type": "array", "items": {"type": "object"}},
                    },
                },
                **{t: _event_schema(t) for t in EVENT_TYPES},
            },
        },
    }
