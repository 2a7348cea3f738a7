"""Hostile clients and operators: scope on every unit an event names, revocation at once,
no existence oracle, checked parameters and headers, aiohttp's own errors as problem+json.

The scoped tokens are kept to 兰山区 (371302); 罗庄区 (371311) is outside.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

from tests.api.support import Service, service

IN_UNIT, OUT_UNIT = "91371302MA3D7K2Y1B", "91371311MA3F9L3Z2C"
IN_PERSON, OUT_PERSON = "P-7K2Y1B-GM", "P-9L3Z2C-GM"


def _event(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "occurred_at": "2019-12-01T10:00:00+08:00", "data": data}


#: events a 兰山区 recorder posts, each naming one unit of 罗庄区 through one field
OUTSIDE_THROUGH = {
    "data/changes/parent_id": _event("unit.updated", {"unit_id": "371302001", "changes": {"parent_id": "371311"}}),
    "data/holder": _event(
        "assignment.made",
        {
            "assignment_id": "A-HOSTILE-1",
            "role": "covers",
            "holder": "P-371311-001",
            "target": IN_UNIT,
            "valid_from": "2019-12-01T00:00:00+08:00",
        },
    ),
    "data/responsible": _event(
        "hazard.assigned",
        {"hazard_id": "HZ-2019-0002", "responsible": OUT_PERSON, "deadline": "2019-12-20T18:00:00+08:00"},
    ),
    "data/target": _event(
        "sanction.imposed",
        {
            "sanction_id": "SAN-HOSTILE-1",
            "target": OUT_UNIT,
            "kind": "warning",
            "basis_refs": ["HZ-2019-0001"],
            "issued_by": "P-371302-001",
        },
    ),
    "data/inspectors/1": _event(
        "inspection.conducted",
        {
            "inspection_id": "INS-HOSTILE-1",
            "unit_id": IN_UNIT,
            "kind": "routine",
            "inspectors": ["P-371302001-002", "P-371311002-002"],
            "result": "无隐患",
        },
    ),
    "data/changes/unit_id": _event("person.updated", {"person_id": IN_PERSON, "changes": {"unit_id": OUT_UNIT}}),
}


async def test_a_recorder_cannot_move_its_township_into_another_county(db_url: str) -> None:
    """The unit is inside the recorder's subtree but its new parent is not: 403, nothing appended,
    and the other county's viewers never see the township's hazards."""
    async with service(db_url) as svc:
        before = (await svc.store.head()).position
        status, problem = await svc.post(OUTSIDE_THROUGH["data/changes/parent_id"], role="recorder")
        assert status == 403, problem
        assert "data/changes/parent_id" in problem["detail"]
        assert (await svc.store.head()).position == before


async def test_every_unit_an_event_names_must_lie_in_the_recorders_subtree(db_url: str) -> None:
    async with service(db_url) as svc:
        before = (await svc.store.head()).position
        for field, event in OUTSIDE_THROUGH.items():
            status, problem = await svc.post(event, role="recorder")
            assert status == 403, (field, problem)
            if field != "data/target":  # a sanction's target is the unit it is about
                assert field in problem["detail"]
            assert OUT_UNIT not in problem["detail"]
            assert "371311" not in problem["detail"]
        assert (await svc.store.head()).position == before
        for field, event in OUTSIDE_THROUGH.items():
            status, problem = await svc.post(event, role="admin")
            assert status != 403, (field, problem)  # unscoped: only the domain's rules judge it


async def test_the_same_facts_inside_the_subtree_are_accepted(db_url: str) -> None:
    note = {"hazard_id": "HZ-2019-0002", "note": "报警装置已安装", "by": IN_PERSON}
    async with service(db_url) as svc:
        status, problem = await svc.post(_event("hazard.progress_reported", note), role="recorder")
        assert status == 201, problem
        outside = _event("hazard.progress_reported", {**note, "by": OUT_PERSON})
        status, problem = await svc.post(outside, role="recorder")
        assert status == 403, problem
        assert "data/by" in problem["detail"]


async def test_a_revocation_in_another_process_takes_effect_at_once(db_url: str, tmp_path: Any) -> None:
    """`ledger token revoke` in its own process; the running service refuses the very next request."""
    async with service(db_url) as svc:
        assert (await svc.get("/v1/events", role="viewer"))[0] == 200
        token_id = svc.tokens["viewer"].split("_")[1]
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "ops.cli", "--database", db_url, "token", "revoke", token_id],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        status, problem = await svc.get("/v1/events", role="viewer")
        assert status == 401
        assert "revoked" in problem["detail_en"]


async def test_a_burst_of_requests_shares_its_revocation_checks(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request reads the revocation generation anew, but requests arriving together
    share one read: 200 concurrent requests cost far fewer than 200 reads."""
    async with service(db_url) as svc:
        backend = svc.store.backend
        original, reads = backend.fetch, []

        async def counting(sql: str, *args: Any) -> Any:
            if "token_revocations" in sql:
                reads.append(sql)
            return await original(sql, *args)

        monkeypatch.setattr(backend, "fetch", counting)
        answers = await asyncio.gather(*(svc.get("/v1/events", role="viewer", limit="1") for _ in range(200)))
        assert [status for status, _ in answers] == [200] * 200
        assert 0 < len(reads) < 50


async def test_outside_its_scope_a_token_cannot_tell_missing_from_forbidden(db_url: str) -> None:
    """A 兰山区 viewer asking for 罗庄区's accident and for one that does not exist gets the
    same status and the same words."""
    async with service(db_url) as svc:
        known_at = "2019-12-31T00:00:00+08:00"
        exists = await svc.get("/v1/accidents/ACC-2019-0001/accountability", role="viewer", known_at=known_at)
        missing = await svc.get("/v1/accidents/ACC-2019-9999/accountability", role="viewer", known_at=known_at)
        assert exists[0] == missing[0] == 404
        shown = {k: str(v).replace("ACC-2019-0001", "ID") for k, v in exists[1].items() if k != "instance"}
        hidden = {k: str(v).replace("ACC-2019-9999", "ID") for k, v in missing[1].items() if k != "instance"}
        assert shown == hidden
        assert (await svc.get("/v1/accidents/ACC-2019-0001/accountability"))[0] == 200  # investigator


TAIL_RESUMES = [
    ("", "99999999999999999999"),
    ("", "²"),
    ("", "-1"),
    ("?after=99999999999999999999", None),
    ("?after=-5", None),
    ("?after=1e3", None),
]


async def test_the_live_tail_checks_where_it_resumes_before_it_starts(db_url: str) -> None:
    async with service(db_url) as svc:
        for query, last_event_id in TAIL_RESUMES:
            headers = svc.auth("viewer")
            if last_event_id is not None:
                headers["Last-Event-ID"] = last_event_id
            response = await svc.client.get("/v1/events/stream" + query, headers=headers)
            assert response.status == 400, (query, last_event_id)
            assert response.content_type == "application/problem+json"
            assert (await response.json())["type"].endswith("/bad-parameter")


async def _raw(svc: Service, request: bytes) -> tuple[int, str, bytes]:
    """Send raw bytes; the status, the content type and the body of the answer."""
    server = svc.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers.get("Content-Type", ""), body


RAW = {
    "a request line over 8 KB": b"GET /v1/events?x=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
    "control bytes in the path": b"GET /v1/ev\x01ents HTTP/1.1\r\nHost: t\r\n\r\n",
    "a header without a colon": b"GET /v1/events HTTP/1.1\r\nHost: t\r\nBroken header\r\n\r\n",
    "a bad method": b"G\x00T /v1/events HTTP/1.1\r\nHost: t\r\n\r\n",
    "a header over 8 KB": b"GET /v1/events HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
}


async def test_errors_of_the_http_parser_are_problem_documents(sqlite_url: str) -> None:
    async with service(sqlite_url) as svc:
        for case, request in RAW.items():
            status, content_type, body = await _raw(svc, request)
            assert status == 400, case
            assert content_type.startswith("application/problem+json"), (case, body[:200])
            assert b'"status":400' in body


async def test_a_token_of_invalid_utf8_is_401(sqlite_url: str) -> None:
    async with service(sqlite_url) as svc:
        for token in (b"ldg_\xff\xfe_\xc3\x28secret", b"\xff" * 40, svc.tokens["admin"].encode() + b"\xff"):
            request = b"GET /v1/events HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer " + token
            status, content_type, _ = await _raw(svc, request + b"\r\n\r\n")
            assert (status, content_type.split(";")[0]) == (401, "application/problem+json")


BAD_PARAMETERS = [
    "/v1/streams/hazard:%00",
    "/v1/units/%00/responsibility",
    "/v1/hazards?scope=%00",
    "/v1/events?type=%00",
    "/v1/stats?from=%00",
    "/v1/overdue?kind=%1b",
    "/v1/hazards?limit=%C2%B2",
    "/v1/events?limit=%C2%B2",
    "/v1/units/" + "x" * 1200 + "/timeline",
    "/v1/findings?period=2019Q4&scope=" + "%7F",
]


async def test_bad_path_and_query_parameters_are_400_before_any_sql(db_url: str) -> None:
    async with service(db_url) as svc:
        for path in BAD_PARAMETERS:
            response = await svc.client.get(path, headers=svc.auth("admin"))
            assert response.status == 400, path
            assert response.content_type == "application/problem+json"
