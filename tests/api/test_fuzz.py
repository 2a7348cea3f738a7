"""Fuzzing the service with hostile requests (issue 10), a fixed seed, on both backends.

3,000 requests of every kind: no answer is a 5xx, every error is a problem document, a
refused request appends nothing (the log grows by exactly the events of the 201s), and the
read models fold everything that was appended and still answer.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import aiohttp
import pytest

from api.app import RUNNER
from tests.api.fuzzing import Request, draw
from tests.api.support import Service, service

SEED = 20191001
REQUESTS = 3000
CONCURRENCY = 8


async def _send(svc: Service, request: Request) -> tuple[int, str, bytes]:
    """The status, the media type and the body of the answer (a 200 tail is cut at once)."""
    if request.raw is not None:
        return await _send_raw(svc, request.raw)
    headers = dict(request.headers)
    if request.role is not None:
        headers.setdefault("Authorization", svc.auth(request.role)["Authorization"])
    if any(not value.isprintable() for value in headers.values()):  # aiohttp's client will not send it
        return await _send_raw(svc, _raw_request(request.method, request.path, headers, request.body or b""))
    async with svc.client.request(
        request.method, request.path, headers=headers, data=request.body, skip_auto_headers=["Content-Type"]
    ) as response:
        if response.content_type == "text/event-stream":
            return response.status, response.content_type, b""
        return response.status, response.content_type, await response.read()


def _raw_request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: t", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


async def _send_raw(svc: Service, raw: bytes) -> tuple[int, str, bytes]:
    server = svc.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(raw)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    return int(lines[0].split()[1]), headers.get("content-type", "").split(";")[0], body


def _problem_faults(status: int, media: str, body: bytes) -> str | None:
    if status < 400:
        return None
    if media != "application/problem+json":
        return f"an error as {media!r}"
    import orjson

    problem = orjson.loads(body)
    missing = {"type", "title", "status", "detail"} - problem.keys()
    if missing or problem["status"] != status:
        return f"a problem document without {sorted(missing)} or with another status"
    return None


@pytest.mark.slow
async def test_hostile_requests_never_get_a_server_error(db_url: str) -> None:
    rng = random.Random(SEED)
    requests = [draw(rng) for _ in range(REQUESTS)]
    async with service(db_url) as svc:
        before = (await svc.store.head()).position
        gate = asyncio.Semaphore(CONCURRENCY)
        outcomes: list[tuple[Request, int, str, bytes]] = []

        async def one(request: Request) -> None:
            async with gate:
                try:
                    outcomes.append((request, *await _send(svc, request)))
                except (aiohttp.ClientError, ConnectionError) as exc:
                    if request.raw is None and len(request.body or b"") < 8 * 1024 * 1024:
                        raise AssertionError(f"{request.kind}: {request.method} {request.path}: {exc!r}") from exc

        await asyncio.gather(*(one(r) for r in requests))
        after = (await svc.store.head()).position
        await svc.app[RUNNER].catch_up()
        reads = [await svc.get(path) for path in ("/v1/overdue", "/v1/hazards", "/v1/stats", "/v1/findings")]

    statuses = Counter((request.kind, status) for request, status, _, _ in outcomes)
    server_errors = [
        (r.kind, r.method, r.path[:120], status, body[:300]) for r, status, _, body in outcomes if status >= 500
    ]
    assert server_errors == [], server_errors
    faults = [(r.kind, r.path[:80], f) for r, s, m, b in outcomes if (f := _problem_faults(s, m, b))]
    assert faults == [], faults
    assert len(outcomes) >= REQUESTS - sum(1 for r in requests if len(r.body or b"") > 8 * 1024 * 1024)
    acknowledged = _acknowledged(outcomes)
    assert set(range(before + 1, after + 1)) == {p for p in acknowledged if p > before}, "a refusal appended"
    assert all(status == 200 for status, _ in reads), reads
    assert len({kind for kind, _ in statuses}) == 11
    print(f"fuzzed {len(outcomes)} requests: {sorted(statuses.items())}")


def _acknowledged(outcomes: list[tuple[Request, int, str, bytes]]) -> list[int]:
    import orjson

    positions: list[int] = []
    for request, status, _, body in outcomes:
        if request.posts and status == 201:
            stored: Any = orjson.loads(body)
            positions.extend(e["position"] for e in (stored if isinstance(stored, list) else [stored]))
    return positions
