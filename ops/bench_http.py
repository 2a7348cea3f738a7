"""``ledger bench http``: posts over HTTP to a real ``ledger serve`` process.

Single-event posts from 64 concurrent clients and 100-event batch posts from 8, with
latencies, against the eventsourcing library's recorder (8 threads, direct calls, no HTTP)
on the same server in the same run; on PostgreSQL also the rate at which asyncpg's COPY
stores the same rows, the ceiling this path can approach.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson

from ops.bench import Result, peer_rate, peer_recorder
from ops.local_service import free_port, run_cli, start_service, wait_for_service
from ops.progress import progress_bar

__all__ = ["bench_http"]

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = ROOT / "ops" / "samples" / "linyi-2019q4.jsonl"
ENTERPRISE = "91371302MA3D7K2Y1B"  # a unit of the sample
ADMIN_URL_ENV = "LEDGER_BENCH_PG_URL"


def _hazard(n: int, run: str) -> dict[str, Any]:
    return {
        "type": "hazard.reported",
        "occurred_at": "2019-12-01T10:00:00+08:00",
        "data": {
            "hazard_id": f"HZ-BENCH-{run}-{n:07d}",
            "unit_id": ENTERPRISE,
            "severity": "general",
            "description": "限期整改：消防通道堵塞，责令立即清理",
            "source": "self_check",
        },
    }


@asynccontextmanager
async def _server(url: str) -> AsyncIterator[tuple[str, str]]:
    """A `ledger serve` process on a seeded ledger, and an admin token."""
    keys = tempfile.mkdtemp(prefix="ledger-bench-")  # a throwaway signing key, not the operator's
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_LOG_FORMAT": "json",
        "LEDGER_SIGNING_KEY": os.path.join(keys, "signing.key"),
    }
    await run_cli(env, "import", str(SEED_FILE))
    token = (await run_cli(env, "token", "create", "--role", "admin", "--name", "bench")).strip().splitlines()[-1]
    port = free_port()
    process = await start_service({**env, "LEDGER_LOG_LEVEL": "warning"}, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_for_service(f"{base}/healthz")
        yield base, token
    finally:
        process.terminate()
        await process.wait()


async def _post_load(base: str, token: str, events: int, clients: int, batch: int, label: str) -> Result:
    run = uuid.uuid4().hex[:6]
    per_client = max(2, events // (clients * batch))  # at least two samples for the quantiles
    latencies: list[float] = []
    counter = iter(range(10**9))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=clients)
    with progress_bar(f"http   {label}", per_client * clients * batch) as bar:
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

            async def client() -> None:
                for _ in range(per_client):
                    items = [_hazard(next(counter), run) for _ in range(batch)]
                    body = orjson.dumps(items[0] if batch == 1 else items)
                    started = time.perf_counter()
                    async with session.post(f"{base}/v1/events", data=body) as response:
                        await response.read()
                        if response.status != 201:
                            raise RuntimeError(f"post refused: {response.status} {await response.text()}")
                    latencies.append(time.perf_counter() - started)
                    bar.update(batch)

            started = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(clients)))
            elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    rate = per_client * clients * batch / elapsed
    return Result(label, rate, 0.0, "", quantiles[49] * 1000, quantiles[98] * 1000)


async def _copy_rate(url: str, events: int) -> float:
    """Rows/s that asyncpg's COPY alone stores, rows shaped like the log's, on the same server."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TEMP TABLE copy_bench (LIKE events INCLUDING ALL)")
        body = orjson.dumps(_hazard(0, "copy")["data"]).decode()
        rows = [
            (
                i,
                f"hazard:H{i}",
                1,
                "hazard.reported",
                "2019-12-01T10:00:00+08:00",
                "2026-01-01T00:00:00.000000Z",
                "bench",
                body,
                None,
                "0" * 64,
                "f" * 64,
                "e" * 64,
            )
            for i in range(1, events + 1)
        ]
        started = time.perf_counter()
        for i in range(0, events, 1000):
            await conn.copy_records_to_table("copy_bench", records=rows[i : i + 1000])
        return events / (time.perf_counter() - started)
    finally:
        await conn.close()


async def bench_http(kind: str, ours_url: str, peer_target: str, events: int) -> list[Result]:
    results: list[Result] = []
    recorder = peer_recorder(kind, peer_target, 8)
    async with _server(ours_url) as (base, token):
        for label, clients, batch in (
            ("single-event posts, 64 clients", 64, 1),
            ("100-event batch posts, 8 clients", 8, 100),
        ):
            result = await _post_load(base, token, events, clients, batch, label)
            result.workload = f"{kind} http: {label}"
            result.peer = await asyncio.to_thread(peer_rate, recorder, events, 8, batch, label)
            result.peer_label = "eventsourcing recorder, 8 threads, direct calls"
            results.append(result)
    if kind == "postgres":
        copy = await _copy_rate(ours_url, events)
        ours_batches = results[-1].ours
        results.append(
            Result(
                "postgres: asyncpg COPY of the same rows (ceiling)",
                copy,
                ours_batches,
                f"ours (batches over HTTP) is {ours_batches / copy:.0%} of it",
            )
        )
    return results
