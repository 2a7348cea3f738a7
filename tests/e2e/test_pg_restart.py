"""A PostgreSQL restart under load: the service reconnects, posts during the outage get 503
with Retry-After (never a 500, never a hang), and no acknowledged event is lost.

The restart happens on a private cluster made for this test (initdb into a temporary
directory, its own port and socket directory), never on the machine's shared server.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
import orjson
import pytest

from ledger.decider import AcceptAll
from ops.bench_crash import SEED_FILE
from ops.bootstrap import open_ledger
from ops.local_service import free_port, run_cli, start_service, wait_for_service
from ops.pg_cluster import Cluster, private_cluster


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with private_cluster() as made:
        yield made


def _hazard(hazard_id: str) -> bytes:
    return orjson.dumps(
        {
            "type": "hazard.reported",
            "occurred_at": "2019-12-01T10:00:00+08:00",
            "data": {
                "hazard_id": hazard_id,
                "unit_id": "91371302MA3D7K2Y1B",
                "severity": "general",
                "description": "消防通道堵塞",
                "source": "self_check",
            },
        }
    )


@dataclass
class Load:
    acknowledged: dict[str, tuple[int, str]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    retry_after: set[str | None] = field(default_factory=set)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    #: set once ``target`` events are acknowledged
    target: int = 10**9
    reached: asyncio.Event = field(default_factory=asyncio.Event)


async def _client(session: aiohttp.ClientSession, base: str, name: str, load: Load) -> None:
    n = 0
    while not load.stop.is_set():
        n += 1
        hazard_id = f"HZ-RESTART-{name}-{n}"
        try:
            async with session.post(f"{base}/v1/events", data=_hazard(hazard_id)) as response:
                load.statuses[response.status] += 1
                if response.status == 201:
                    event = await response.json()
                    load.acknowledged[hazard_id] = (event["position"], event["hash"])
                    if len(load.acknowledged) >= load.target:
                        load.reached.set()
                    continue
                if response.status == 503:
                    load.retry_after.add(response.headers.get("Retry-After"))
                await response.read()
        except aiohttp.ClientError:
            load.statuses[0] += 1  # no answer at all: counted, and must not happen
        await asyncio.sleep(0.05)


async def _projections_caught_up(session: aiohttp.ClientSession, base: str) -> None:
    while True:
        async with session.get(f"{base}/readyz") as response:
            if response.status == 200 and (await response.json())["projection_lag"] == 0:
                return
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_the_service_rides_out_a_postgresql_restart(cluster: Cluster, tmp_path: Path) -> None:
    conn = await asyncpg.connect(cluster.admin_url)
    await conn.execute("CREATE DATABASE ledger")
    await conn.close()
    url = cluster.admin_url.rsplit("/", 1)[0] + "/ledger"
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_SIGNING_KEY": str(tmp_path / "signing.key")}
    await run_cli(env, "import", str(SEED_FILE))
    token = (await run_cli(env, "token", "create", "--role", "admin", "--name", "restart")).strip().splitlines()[-1]
    port = free_port()
    service = await start_service(env, port, log=tmp_path / "service.log")
    base = f"http://127.0.0.1:{port}"
    load = Load()
    try:
        await wait_for_service(f"{base}/healthz")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=30)) as session:
            clients = [asyncio.create_task(_client(session, base, str(k), load)) for k in range(8)]
            await asyncio.sleep(1.0)
            before_outage = len(load.acknowledged)
            await asyncio.to_thread(cluster.stop)
            await asyncio.sleep(2.0)  # the outage: every post is answered 503
            during = Counter(load.statuses)
            await asyncio.to_thread(cluster.start)
            load.target = len(load.acknowledged) + 50
            await asyncio.wait_for(load.reached.wait(), 60)  # the service reconnects by itself
            load.stop.set()
            await asyncio.gather(*clients)
            await asyncio.wait_for(_projections_caught_up(session, base), 60)  # they start again too
        assert service.returncode is None, "the service died with its database"
    finally:
        service.terminate()
        await service.wait()

    assert before_outage > 0
    assert during[503] > 0, during
    assert load.retry_after == {"2"}
    assert set(load.statuses) <= {201, 503}, load.statuses  # never a 500, never a dropped connection
    store = await open_ledger(url, decider=AcceptAll(), create=False)
    try:
        stored = {str(e.data.get("hazard_id")): (e.position, e.hash) for e in await store.read(limit=100_000)}
        assert (await store.verify()).ok
    finally:
        await store.close()
    lost = [h for h, at in load.acknowledged.items() if stored.get(h) != at]
    assert lost == []
    print(f"PostgreSQL restart: {dict(load.statuses)}, {len(load.acknowledged)} acknowledged, {len(lost)} lost")
