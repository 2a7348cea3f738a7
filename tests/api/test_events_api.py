"""Posting and reading the log over HTTP: statuses, problem+json, idempotency, scope."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.support import service

HAZARD: dict[str, Any] = {
    "type": "hazard.reported",
    "occurred_at": "2019-12-01T10:00:00+08:00",
    "data": {
        "hazard_id": "HZ-API-1",
        "unit_id": "91371302MA3D7K2Y1B",  # in 兰山区
        "severity": "general",
        "description": "配电箱未接地",
        "source": "self_check",
    },
}


def _hazard(hazard_id: str, unit_id: str = "91371302MA3D7K2Y1B") -> dict[str, Any]:
    return {**HAZARD, "data": {**HAZARD["data"], "hazard_id": hazard_id, "unit_id": unit_id}}


async def test_post_one_event_returns_the_stored_envelope(db_url: str) -> None:
    async with service(db_url) as svc:
        status, body = await svc.post(HAZARD, role="recorder")
        assert status == 201
        assert body["stream"] == "hazard:HZ-API-1"
        assert body["version"] == 1
        assert body["actor"].startswith("recorder:test recorder#")
        assert len(body["hash"]) == 64


async def test_a_batch_is_atomic_and_errors_name_the_event(db_url: str) -> None:
    async with service(db_url) as svc:
        before = (await svc.store.head()).position
        closed = {"type": "hazard.closed", "occurred_at": "2019-12-02T10:00:00+08:00", "data": {"hazard_id": "HZ-B"}}
        status, body = await svc.post([_hazard("HZ-A"), _hazard("HZ-B"), closed])
        assert status == 422
        assert body["rule"] == "hazard.lifecycle"
        assert body["errors"][0]["path"] == "/2/data/hazard_id"
        assert (await svc.store.head()).position == before
        status, body = await svc.post([_hazard("HZ-A"), _hazard("HZ-B")])
        assert status == 201
        assert [e["position"] for e in body] == [before + 1, before + 2]


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({**HAZARD, "occurred_at": "2019-12-01T10:00:00"}, 400, "invalid-event"),
        ({**HAZARD, "type": "hazard.exploded"}, 400, "invalid-event"),
        ({**HAZARD, "stream": "hazard:OTHER"}, 400, "invalid-event"),
        ([], 400, "malformed"),
        ("just a string", 400, "invalid-event"),
        ({**HAZARD, "data": {**HAZARD["data"], "unit_id": "NO-SUCH-UNIT"}}, 403, "out-of-scope"),
        ({**HAZARD, "data": {**HAZARD["data"], "severity": "apocalyptic"}}, 422, "domain-rule"),
    ],
)
async def test_refusals_are_problem_json_and_append_nothing(db_url: str, body: Any, status: int, slug: str) -> None:
    async with service(db_url) as svc:
        before = (await svc.store.head()).position
        got, problem = await svc.post(body, role="recorder")
        assert got == status, problem
        assert problem["type"].endswith("/" + slug)
        assert problem["status"] == status
        assert problem["detail"]
        assert (await svc.store.head()).position == before


async def test_malformed_json_oversized_batches_and_bodies(db_url: str) -> None:
    async with service(db_url) as svc:
        headers = {**svc.auth("admin"), "Content-Type": "application/json"}
        response = await svc.client.post("/v1/events", data=b"{not json", headers=headers)
        assert response.status == 400
        assert response.content_type == "application/problem+json"
        status, _problem = await svc.post([HAZARD] * 1001)
        assert status == 413
        response = await svc.client.post("/v1/events", data=b"[" + b" " * (9 * 1024 * 1024) + b"]", headers=headers)
        assert response.status == 413


async def test_idempotency_key_header_and_expected_version(db_url: str) -> None:
    async with service(db_url) as svc:
        first = await svc.post(HAZARD, **{"Idempotency-Key": "county-7731"})
        again = await svc.post(HAZARD, **{"Idempotency-Key": "county-7731"})
        assert first == again
        assert first[0] == 201
        other = await svc.post(_hazard("HZ-OTHER"), **{"Idempotency-Key": "county-7731"})
        assert other[0] == 409
        assert other[1]["type"].endswith("/idempotency-conflict")
        progress = {
            "type": "hazard.progress_reported",
            "occurred_at": "2019-12-03T10:00:00+08:00",
            "data": {"hazard_id": "HZ-API-1", "note": "整改中"},
            "expected_version": 5,
        }
        status, problem = await svc.post(progress)
        assert status == 409
        assert problem["current_version"] == 1


async def test_the_log_pages_and_filters(db_url: str) -> None:
    async with service(db_url) as svc:
        status, body = await svc.get("/v1/events", after=0, limit=10)
        assert status == 200
        assert [e["position"] for e in body["events"]] == list(range(1, 11))
        assert body["next_after"] == 10
        status, body = await svc.get("/v1/events", type="accident.occurred")
        assert [e["data"]["accident_id"] for e in body["events"]] == ["ACC-2019-0001"]
        status, _problem = await svc.get("/v1/events", limit="many")
        assert status == 400


async def test_a_stream_with_its_current_state(db_url: str) -> None:
    async with service(db_url) as svc:
        status, body = await svc.get("/v1/streams/hazard:HZ-2019-0001")
        assert status == 200
        assert [e["type"] for e in body["events"]][-1] == "hazard.closed"
        assert body["state"]["state"] == "closed"
        # whole, though the rules' state keeps only what it still reads of a closed hazard
        assert body["state"]["description"]
        assert body["state"]["rectifications"] == 1
        status, _ = await svc.get("/v1/streams/hazard:NOPE")
        assert status == 404


async def test_the_live_tail_resumes_after_last_event_id(db_url: str) -> None:
    async with service(db_url) as svc:
        head = (await svc.store.head()).position
        response = await svc.client.get(
            "/v1/events/stream", headers={**svc.auth("investigator"), "Last-Event-ID": str(head - 1)}
        )
        assert response.status == 200
        await svc.post(HAZARD)
        seen: list[int] = []
        async with asyncio.timeout(10):
            while len(seen) < 2:
                line = (await response.content.readline()).decode()
                if line.startswith("id: "):
                    seen.append(int(line[4:]))
        assert seen == [head, head + 1]
        response.close()


async def test_operations_endpoints(db_url: str) -> None:
    async with service(db_url) as svc:
        assert (await svc.client.get("/healthz")).status == 200
        ready = await svc.client.get("/readyz")
        assert ready.status == 200
        assert (await ready.json())["projection_lag"] == 0
        await svc.post(HAZARD)
        metrics = await (await svc.client.get("/metrics")).text()
        assert "ledger_events_appended_total 1.0" in metrics
        assert "ledger_http_requests_total" in metrics
        spec = await (await svc.client.get("/v1/openapi.json")).json()
        assert spec["openapi"] == "3.1.0"
        assert "hazard.verified" in spec["components"]["schemas"]


async def test_no_token_a_bad_token_and_a_revoked_token_are_401(db_url: str) -> None:
    from api.tokens import revoke_token

    async with service(db_url) as svc:
        assert (await svc.client.get("/v1/events")).status == 401
        bad = await svc.client.get("/v1/events", headers={"Authorization": "Bearer ldg_x_y"})
        assert bad.status == 401
        token_id = svc.tokens["viewer"].split("_")[1]
        await revoke_token(svc.store.backend, token_id)
        assert (await svc.get("/v1/events", role="viewer"))[0] == 401
