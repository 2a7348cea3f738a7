"""``ledger bench replica``: what read-your-writes costs with a read replica, and how far the
replica trails under load.

A private primary and its streaming replica (ops/pg_cluster.py: ``initdb``, ``pg_basebackup
-R``, each on a free port, removed afterwards) hold the 临沂 sample. The same load runs twice
against a real ``ledger serve`` — without LEDGER_READ_DATABASE_URL, then with it —: writers
post single events as fast as they are answered, while probes post an accident and at once
read its accountability chain (a read that must see that write). Figures: the writers'
rate, the probes' read-after-write latency (p50, p99; every read waited until the read
models — on the replica, the replica — showed the write), and the replica's lag sampled
from /readyz every 50 ms (events the primary had folded and the replica had not, WAL bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import asyncpg
import orjson

from ops.bench_crash import ENTERPRISE, SEED_FILE
from ops.config import Settings
from ops.local_service import free_port, run_cli, start_service, wait_for_service
from ops.pg_cluster import private_cluster, streaming_replica
from ops.progress import progress_bar

__all__ = ["bench_replica"]

#: probes posting an accident and reading its chain at once, one after another
PROBES = 4
#: the probes' accidents happen here, the writers' hazards elsewhere (ENTERPRISE): the chain
#: a probe reads stays the same size however many hazards are posted
ACCIDENT_UNIT = "91371311MA3F9L3Z2C"
#: how often the replica's lag is sampled, in seconds
SAMPLE_SECONDS = 0.05


@dataclass
class Run:
    label: str
    posted: int = 0
    seconds: float = 0.0
    reads: list[float] = field(default_factory=list)
    rereads: list[float] = field(default_factory=list)
    #: the service's own figures: mean seconds reads waited for the read models, and for the replica
    waited: tuple[float, float | None] = (0.0, None)
    unavailable: int = 0
    lag_events: list[int] = field(default_factory=list)
    lag_bytes: list[int] = field(default_factory=list)


def _hazard(n: int, run: str) -> bytes:
    data = {"hazard_id": f"HZ-RB-{run}-{n}", "unit_id": ENTERPRISE, "severity": "general", "source": "self_check"}
    data["description"] = "消防通道堵塞"
    return orjson.dumps({"type": "hazard.reported", "occurred_at": "2019-12-01T10:00:00+08:00", "data": data})


def _accident(accident_id: str) -> bytes:
    data = {"accident_id": accident_id, "unit_id": ACCIDENT_UNIT, "deaths": 0, "serious_injuries": 1}
    data |= {"direct_loss_cny": 20000, "description": "叉车碰撞致1人重伤"}
    return orjson.dumps({"type": "accident.occurred", "occurred_at": "2019-12-05T08:00:00+08:00", "data": data})


async def _load(base: str, token: str, events: int, clients: int, run: Run) -> None:
    tag = uuid.uuid4().hex[:6]
    counter = iter(range(10**9))
    done = asyncio.Event()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, headers=headers, timeout=timeout) as http:

        async def writer() -> None:
            while (n := next(counter)) < events:
                async with http.post("/v1/events", data=_hazard(n, tag)) as response:
                    if response.status != 201:
                        raise RuntimeError(f"post refused: {response.status} {await response.text()}")
                run.posted += 1
                bar.update(1)

        async def probe(k: int) -> None:
            for i in range(10**9):
                if done.is_set():
                    return
                accident = f"ACC-RB-{tag}-{k}-{i}"
                async with http.post("/v1/events", data=_accident(accident)) as response:
                    stored = await response.json()
                    position = stored["position"]
                started = time.perf_counter()
                async with http.get(f"/v1/accidents/{accident}/accountability") as response:
                    answer = await response.json(content_type=None)
                if response.status == 503:
                    run.unavailable += 1
                    continue
                if response.status != 200 or answer["as_of"]["position"] < position:
                    raise RuntimeError(f"a read missed the write before it: {response.status} {answer}")
                run.reads.append(time.perf_counter() - started)
                # the same read as known when posted: a position folded already, the query alone
                started = time.perf_counter()
                known = {"known_at": stored["recorded_at"]}
                async with http.get(f"/v1/accidents/{accident}/accountability", params=known) as response:
                    await response.read()
                run.rereads.append(time.perf_counter() - started)

        async def sampler() -> None:
            while not done.is_set():
                async with http.get("/readyz") as response:
                    lag = (await response.json()).get("replica")
                if lag is not None:
                    run.lag_events.append(int(lag["lag_events"]))
                    run.lag_bytes.append(int(lag["lag_bytes"] or 0))
                await asyncio.sleep(SAMPLE_SECONDS)

        with progress_bar(f"replica bench: {run.label}", events) as bar:
            others = [asyncio.create_task(probe(k)) for k in range(PROBES)] + [asyncio.create_task(sampler())]
            started = time.perf_counter()
            await asyncio.gather(*(writer() for _ in range(clients)))
            run.seconds = time.perf_counter() - started
            done.set()
            await asyncio.gather(*others)
        async with http.get("/metrics") as response:
            run.waited = _mean_waits(await response.text())


def _mean_waits(metrics: str) -> tuple[float, float | None]:
    samples = {}
    for line in metrics.splitlines():
        name, _, value = line.partition(" ")
        samples[name] = float(value) if value and not line.startswith("#") else 0.0
    read = samples["ledger_read_wait_seconds_sum"] / max(1.0, samples["ledger_read_wait_seconds_count"])
    if "ledger_replica_wait_seconds_count" not in samples:
        return read, None
    return read, samples["ledger_replica_wait_seconds_sum"] / max(1.0, samples["ledger_replica_wait_seconds_count"])


async def _measure(env: dict[str, str], token: str, events: int, clients: int, run: Run) -> Run:
    port = free_port()
    process = await start_service(env, port)
    try:
        await wait_for_service(f"http://127.0.0.1:{port}/readyz")
        await _load(f"http://127.0.0.1:{port}", token, events, clients, run)
    finally:
        process.terminate()
        await process.wait()
    return run


async def bench_replica(args: argparse.Namespace, settings: Settings) -> int:
    events, clients = args.events, args.clients
    with private_cluster() as primary, streaming_replica(primary, "hot_standby_feedback=on") as replica:
        conn = await asyncpg.connect(primary.admin_url)
        await conn.execute("CREATE DATABASE ledger_bench")
        await conn.close()
        keys = tempfile.mkdtemp(prefix="ledger-bench-")  # a throwaway signing key, not the operator's
        env = {
            **os.environ,
            "LEDGER_DATABASE_URL": primary.url("ledger_bench"),
            "LEDGER_LOG_FORMAT": "json",
            "LEDGER_SIGNING_KEY": os.path.join(keys, "signing.key"),
        }
        env.pop("LEDGER_READ_DATABASE_URL", None)
        await run_cli(env, "import", str(SEED_FILE))
        token = (await run_cli(env, "token", "create", "--role", "admin", "--name", "bench")).strip().splitlines()[-1]
        runs = [await _measure(env, token, events, clients, Run("primary only"))]
        with_replica = {**env, "LEDGER_READ_DATABASE_URL": replica.url("ledger_bench")}
        runs.append(await _measure(with_replica, token, events, clients, Run("reads on the replica")))
    _print(runs, clients)
    return 0


def _quantiles(values: list[float], scale: float = 1.0) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0] * scale, values[0] * scale) if values else (0.0, 0.0)
    cuts = statistics.quantiles(values, n=100)
    return cuts[49] * scale, cuts[98] * scale


def _print(runs: list[Run], clients: int) -> None:
    print(f"{clients} writers posting single events; {PROBES} probes posting an accident and reading its chain at once")
    print("read after write: the probes' read (ms); again: the same read as known when posted (the query alone);")
    print("waited: the service's mean wait for the read models (of it, for the replica); lag: sampled from /readyz")
    head = f"{'reads':<22}{'writes/s':>9}{'reads':>6}{'p50':>7}{'p99':>7}{'again p50':>10}{'p99':>7}{'503s':>5}"
    print(head + f"{'waited ms':>10}{'replica':>8}{'lag ev p50':>11}{'p99':>5}{'max':>5}{'KiB p50':>8}{'max':>7}")
    for run in runs:
        p50, p99 = _quantiles(run.reads, 1000)
        a50, a99 = _quantiles(run.rereads, 1000)
        line = f"{run.label:<22}{run.posted / run.seconds:>9,.0f}{len(run.reads):>6}{p50:>7.1f}{p99:>7.1f}"
        read_wait, replica_wait = run.waited
        line += f"{a50:>10.1f}{a99:>7.1f}{run.unavailable:>5}{read_wait * 1000:>10.1f}"
        line += f"{replica_wait * 1000:>8.1f}" if replica_wait is not None else f"{'':>8}"
        if run.lag_events:
            e50, e99 = _quantiles([float(v) for v in run.lag_events])
            b50, _ = _quantiles([float(v) for v in run.lag_bytes], 1 / 1024)
            line += f"{e50:>11.0f}{e99:>5.0f}{max(run.lag_events):>5}{b50:>8.1f}{max(run.lag_bytes) / 1024:>7.1f}"
        print(line)
