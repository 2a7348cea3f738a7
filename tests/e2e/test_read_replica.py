"""Read replicas (SPEC §12): with LEDGER_READ_DATABASE_URL the read models' queries run on a
real PostgreSQL streaming replica, and a client that posts and then reads still sees its
write (SPEC §2): the read waits for the replica to replay it.

The pair is made by the test on this machine — a private primary (``initdb``) and its hot
standby (``pg_basebackup -R``, streaming), each on a free port — and stopped and removed at the
end, failed or not (ops/pg_cluster.py says why not a replica of the shared server).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from api import reads
from api.app import REPLICA
from ledger.errors import StoreUnavailable
from ledger.store.postgres import PostgresBackend
from ops.bench_crash import SEED_FILE
from ops.local_service import free_port, run_cli, start_service, wait_for_service
from ops.pg_cluster import Cluster, private_cluster, streaming_replica
from tests.api.support import service
from tests.api.test_honest_reads import _accident, _post_then_read
from tests.e2e.test_cli_errors import _one_line_error, cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and its streaming replica, for the tests of this module."""
    with private_cluster("fsync=off") as primary, streaming_replica(primary, "hot_standby_feedback=on") as replica:
        yield primary, replica


async def _admin(url: str, sql: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _new_database(pair: tuple[Cluster, Cluster]) -> str:
    """A new database on the primary, once the replica has replayed its creation."""
    primary, replica = pair
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    await _admin(primary.admin_url, f'CREATE DATABASE "{name}"')
    for _ in range(100):
        if await _admin(replica.admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            return name
        await asyncio.sleep(0.05)
    raise AssertionError(f"the replica did not replay CREATE DATABASE {name} in 5 s")


@pytest.fixture
async def urls(pair: tuple[Cluster, Cluster]) -> AsyncIterator[tuple[str, str]]:
    """One ledger database: its URL on the primary and on the replica."""
    name = await _new_database(pair)
    try:
        yield pair[0].url(name), pair[1].url(name)
    finally:
        await _admin(pair[0].admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _replay(replica: Cluster, *, paused: bool) -> None:
    await _admin(replica.admin_url, f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")


async def test_reads_wait_for_the_replica_and_see_every_write(
    pair: tuple[Cluster, Cluster], urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every post is seen by the next read, which ran on the replica: with the replica's replay
    paused a read of a new event waits and then answers 503 with Retry-After, while the log
    (``/v1/events``) and tokens, read on the primary, are exact at once; /readyz and /metrics
    say the replica's lag; resumed, the waiting read is answered."""
    primary_url, replica_url = urls
    async with service(primary_url, read_database_url=replica_url) as svc:
        backend = svc.app[REPLICA].backend
        assert isinstance(backend, PostgresBackend)
        assert backend.dsn == replica_url
        assert await _post_then_read(svc, 100) == []
        metrics = await (await svc.client.get("/metrics")).text()
        assert "ledger_replica_up 1.0" in metrics
        assert _sample(metrics, "ledger_replica_wait_seconds_count") >= 100  # every read waited (or not) on it

        await _replay(pair[1], paused=True)
        try:
            monkeypatch.setattr(reads, "WAIT_SECONDS", 0.5)
            status, stored = await svc.post(_accident(1000))
            assert status == 201
            response = await svc.client.get("/v1/accidents/ACC-RYW-1000/accountability", headers=svc.auth("admin"))
            assert response.status == 503
            assert response.headers["Retry-After"] == "1"
            problem = await response.json(content_type=None)
            assert "read replica" in problem["detail_en"]
            assert "只读副本" in problem["detail"]
            assert str(stored["position"]) in problem["detail"]
            status, log = await svc.get("/v1/events", after=stored["position"] - 1)
            assert status == 200
            assert log["events"][0]["position"] == stored["position"]

            await asyncio.sleep(1.2)  # the unreplayed event is now older than a second
            response = await svc.client.get("/readyz")
            ready = await response.json()
            assert response.status == 503, ready
            assert ready["status"] == "catching up", ready
            assert ready["projection_lag"] == 0  # the primary's read models have it ...
            assert ready["replica"]["lag_events"] >= 1
            assert ready["replica"]["lag_bytes"] > 0
            metrics = await (await svc.client.get("/metrics")).text()
            assert _sample(metrics, "ledger_replica_lag_events") >= 1
            assert _sample(metrics, "ledger_replica_lag_bytes") > 0

            monkeypatch.setattr(reads, "WAIT_SECONDS", 10.0)
            waiting = asyncio.create_task(svc.get("/v1/accidents/ACC-RYW-1000/accountability"))
            await asyncio.sleep(0.3)
            assert not waiting.done()
        finally:
            await _replay(pair[1], paused=False)
        status, chain = await waiting
        assert status == 200
        assert chain["as_of"]["position"] >= stored["position"]
        response = await svc.client.get("/readyz")
        ready = await response.json()
        assert response.status == 200, ready
        assert ready["replica"]["lag_events"] == 0, ready


def _sample(metrics: str, name: str) -> float:
    """The value of an unlabelled sample in Prometheus' text format."""
    for line in metrics.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"no sample {name} in the metrics")


async def test_a_ledger_serve_reads_from_its_replica(urls: tuple[str, str], tmp_path: Path) -> None:
    """A real `ledger serve` with LEDGER_READ_DATABASE_URL: ready once the replica has
    replayed the read models, and a post is seen by the read that follows it."""
    primary_url, replica_url = urls
    env = {**os.environ, "LEDGER_DATABASE_URL": primary_url, "LEDGER_SIGNING_KEY": str(tmp_path / "signing.key")}
    await run_cli(env, "import", str(SEED_FILE))
    token = (await run_cli(env, "token", "create", "--role", "admin", "--name", "replica")).strip().splitlines()[-1]
    port = free_port()
    process = await start_service({**env, "LEDGER_READ_DATABASE_URL": replica_url}, port, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_for_service(f"{base}/readyz")
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(base, headers=headers) as http:
            for i in range(20):
                async with http.post("/v1/events", json=_accident(i)) as response:
                    assert response.status == 201, await response.text()
                    position = (await response.json())["position"]
                async with http.get(f"/v1/accidents/ACC-RYW-{i}/accountability") as response:
                    assert response.status == 200, await response.text()
                    assert (await response.json())["as_of"]["position"] >= position
            async with http.get("/readyz") as response:
                assert (await response.json())["replica"]["folded"] >= position
        assert process.returncode is None
    finally:
        process.terminate()
        await process.wait()
    assert '"read_database"' in (tmp_path / "serve.log").read_text()


async def test_a_query_the_replay_cancels_is_unavailable_not_an_error(
    pair: tuple[Cluster, Cluster], urls: tuple[str, str]
) -> None:
    """A query on the replica that holds up the replay of the primary's changes is cancelled
    by the replica ("conflict with recovery"): the ledger says unavailable (a 503 to ask
    again), never a 500."""
    primary_url, replica_url = urls
    await _admin(primary_url, "CREATE TABLE ledger_test_conflict AS SELECT 1 AS n")
    await _admin(primary_url, "GRANT SELECT ON ledger_test_conflict TO PUBLIC")
    await _admin(pair[1].admin_url, "ALTER SYSTEM SET max_standby_streaming_delay = 0")
    await _admin(pair[1].admin_url, "SELECT pg_reload_conf()")
    backend = await PostgresBackend.connect(replica_url)
    try:
        for _ in range(100):  # the table, its row and the grant have been replayed
            with contextlib.suppress(asyncpg.PostgresError):
                if await backend.fetch("SELECT n FROM ledger_test_conflict") == [(1,)]:
                    break
            await asyncio.sleep(0.05)
        slow = asyncio.create_task(backend.fetch("SELECT pg_sleep(10) FROM ledger_test_conflict"))
        await asyncio.sleep(0.5)
        await _admin(primary_url, "DROP TABLE ledger_test_conflict")  # an exclusive lock, replayed
        with pytest.raises(StoreUnavailable, match="conflict with recovery"):
            await asyncio.wait_for(slow, 8)
    finally:
        await backend.close()
        await _admin(pair[1].admin_url, "ALTER SYSTEM RESET max_standby_streaming_delay")
        await _admin(pair[1].admin_url, "SELECT pg_reload_conf()")


async def test_a_read_database_that_cannot_serve_is_refused_at_start(
    pair: tuple[Cluster, Cluster], urls: tuple[str, str], tmp_path: Path
) -> None:
    """One line on stderr, exit status 2: not a PostgreSQL URL, an SQLite primary, a replica
    nobody answers at, a database that is no standby, a standby of another ledger."""
    primary_url, replica_url = urls
    env = {"LEDGER_DATABASE_URL": primary_url}
    assert (await cli(tmp_path, "import", str(SEED_FILE), env=env)).returncode == 0
    nobody = f"postgresql://postgres@127.0.0.1:{free_port()}/ledger"
    other = await _new_database(pair)  # a ledger of its own, on the same replica
    other_env = {"LEDGER_DATABASE_URL": pair[0].url(other)}
    assert (await cli(tmp_path, "import", str(SEED_FILE), env=other_env)).returncode == 0
    cases = [
        ({**env, "LEDGER_READ_DATABASE_URL": "sqlite:///replica.db"}, ["postgresql://", "LEDGER_READ_DATABASE_URL"]),
        ({"LEDGER_READ_DATABASE_URL": replica_url}, ["needs a PostgreSQL primary", "sqlite"]),
        ({**env, "LEDGER_READ_DATABASE_URL": nobody}, ["LEDGER_READ_DATABASE_URL", "cannot connect"]),
        ({**env, "LEDGER_READ_DATABASE_URL": primary_url}, ["is not a standby"]),
        ({**env, "LEDGER_READ_DATABASE_URL": pair[1].url(other)}, ["holds another ledger"]),
    ]
    try:
        for environ, words in cases:
            result = await cli(tmp_path, "serve", "--port", str(free_port()), env=environ)
            _one_line_error(result, *words)
    finally:
        await _admin(pair[0].admin_url, f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')
