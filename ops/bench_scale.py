"""``ledger bench scale --events N``: how the ledger grows (issue 14.7, docs/scale.md).

One throwaway PostgreSQL database is filled with the demo city's events through the
validated path (envelope, rules, tiles) — as many years of the city as N needs — and at
each size of the growth curve (N/9, N/3, N by default; ``--sizes`` to choose) the loading
stops and the ledger is measured as an operator would meet it:

- loading (events/s through the rules) and folding every read model (events/s);
- the database's size on disk, and per event;
- a real ``ledger serve`` started on it: seconds until ``/readyz`` answers 200, seconds
  until the rules' state is folded in the background, and its resident memory then; and a
  second start, which restores the snapshot of the rules' state the first one took;
- over HTTP, p50/p99 of a unit's responsibility at a random moment, an accident's
  accountability chain, the findings of the city for a quarter, and an inclusion proof.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import random
import signal
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from api.tokens import create_token
from ledger.store import EventStore
from ledger.store.snapshots import SNAPSHOT_AFTER
from ops.bench import targets
from ops.bootstrap import open_ledger
from ops.config import Settings
from ops.demo import append_generated, generate
from ops.local_service import free_port, start_service, wait_for_service
from ops.progress import progress_bar
from projections.installed import all_projectors
from projections.runner import ProjectionRunner

__all__ = ["bench_scale"]

#: events the demo city writes per enterprise and year (352,850 for 9,000 enterprises)
EVENTS_PER_ENTERPRISE_YEAR = 39
CITY = "371300"


@dataclass
class Size:
    events: int
    load_rate: float
    fold_rate: float
    database_mb: float
    ready_s: float
    rules_s: float
    rss_mb: float
    latency: dict[str, tuple[float, float]]
    #: the rules' state of a second start, which restores the snapshot the first one took
    restart_rules_s: float


def _sizes(args: argparse.Namespace) -> list[int]:
    if args.sizes:
        sizes = sorted({int(s) for s in args.sizes.split(",")})
    else:
        sizes = sorted({max(1000, args.events // 9), max(1000, args.events // 3), args.events})
    if not sizes or sizes[0] < 1:
        raise ValueError("sizes must be positive numbers of events")
    return sizes


async def _load(store: EventStore, events: Iterator[dict[str, Any]], count: int, label: str) -> float:
    started = time.perf_counter()
    with progress_bar(label, count) as bar:
        await append_generated(store, itertools.islice(events, count), bar.update)
    return count / (time.perf_counter() - started)


async def _fold(store: EventStore, runner: ProjectionRunner, head: int) -> float:
    before = runner.position()
    started = time.perf_counter()
    with progress_bar("folding the read models", head - before) as bar:
        await runner.catch_up(progress=bar.update)
    return (head - before) / (time.perf_counter() - started)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _logged(log: Path, event: str, timeout: float) -> dict[str, Any]:
    """The first entry of the service's JSON log that says ``event`` (waiting for it)."""
    async with asyncio.timeout(timeout):
        while True:
            for line in (await asyncio.to_thread(log.read_bytes)).splitlines():
                with contextlib.suppress(orjson.JSONDecodeError):
                    entry = orjson.loads(line)
                    if entry.get("event") == event:
                        return dict(entry)
            await asyncio.sleep(0.2)


async def _timed(samples: int, ask: Callable[[int], Awaitable[None]]) -> tuple[float, float]:
    times = []
    for i in range(samples):
        started = time.perf_counter()
        await ask(i)
        times.append(time.perf_counter() - started)
    cuts = statistics.quantiles(times, n=100) if len(times) > 1 else [times[0]] * 99
    return cuts[49] * 1000, cuts[98] * 1000


async def _queries(
    base: str, token: str, store: EventStore, head: int, samples: int, seed: int
) -> dict[str, tuple[float, float]]:
    db = store.backend
    rng = random.Random(seed)
    enterprises = [r[0] for r in await db.fetch("SELECT DISTINCT unit_id FROM unit_versions WHERE kind = 'enterprise'")]
    accidents = [r[0] for r in await db.fetch("SELECT accident_id FROM accidents")]
    span = await db.fetch("SELECT MIN(occurred_at), MAX(occurred_at) FROM events")
    first, last = int(span[0][0][:4]), int(span[0][1][:4])
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base, headers=headers) as http:

        async def get(path: str, **params: str) -> None:
            async with http.get(path, params=params) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")

        def moment() -> str:
            return f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00+08:00"

        asked: dict[str, tuple[float, float]] = {
            "responsibility": await _timed(
                samples, lambda _: get(f"/v1/units/{rng.choice(enterprises)}/responsibility", at=moment())
            ),
        }
        if accidents:  # the first weeks of a city may have none
            asked["accountability"] = await _timed(
                samples, lambda _: get(f"/v1/accidents/{rng.choice(accidents)}/accountability")
            )
        asked["findings (city, a quarter)"] = await _timed(
            max(3, samples // 10),
            lambda _: get("/v1/findings", scope=CITY, period=f"{rng.randint(first, last)}Q{rng.randint(1, 4)}"),
        )
        asked["inclusion proof"] = await _timed(samples, lambda _: get(f"/v1/integrity/proof/{rng.randint(1, head)}"))
        return asked


async def _measure_service(url: str, store: EventStore, head: int, args: argparse.Namespace, tmp: Path) -> Size:
    _, token = await create_token(store.backend, role="investigator", scope=None, name="bench scale")
    port = free_port()
    log = tmp / f"serve-{head}.log"
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_SIGNING_KEY": str(tmp / "signing.key")}
    started = time.perf_counter()
    process = await start_service(env, port, log)
    try:
        await wait_for_service(f"http://127.0.0.1:{port}/readyz", timeout=600)
        ready = time.perf_counter() - started
        rules = float((await _logged(log, "rules' state folded", timeout=3600))["seconds"])
        if head - await _snapshot_position(store) >= SNAPSHOT_AFTER:  # the service takes one now
            await _logged(log, "rules' state snapshot taken", timeout=600)
        rss = _rss_mb(process.pid)
        latency = await _queries(f"http://127.0.0.1:{port}", token, store, head, args.queries, args.seed)
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
    restarted = await _restart(env, tmp / f"restart-{head}.log")
    size = await store.backend.fetch("SELECT pg_database_size(current_database())")
    return Size(head, 0.0, 0.0, int(size[0][0]) / 2**20, ready, rules, rss, latency, restarted)


async def _snapshot_position(store: EventStore) -> int:
    rows = await store.backend.fetch("SELECT MAX(position) FROM rules_snapshots")
    return int(rows[0][0] or 0)


async def _restart(env: dict[str, str], log: Path) -> float:
    """Seconds a second start takes to fold the rules' state: from the snapshot the first took."""
    port = free_port()
    process = await start_service(env, port, log)
    try:
        await wait_for_service(f"http://127.0.0.1:{port}/readyz", timeout=600)
        return float((await _logged(log, "rules' state folded", timeout=3600))["seconds"])
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()


async def bench_scale(args: argparse.Namespace, settings: Settings) -> int:
    sizes = _sizes(args)
    years = max(1, math.ceil(sizes[-1] / (args.enterprises * EVENTS_PER_ENTERPRISE_YEAR)))
    events = generate(args.seed, args.enterprises, years)
    results: list[Size] = []
    async with targets("postgres", settings) as (url, _peer):
        store = await open_ledger(url)
        runner = ProjectionRunner(store, all_projectors())
        try:
            with tempfile.TemporaryDirectory(prefix="ledger-scale-") as tmp:
                loaded = 0
                for size in sizes:
                    load_rate = await _load(store, events, size - loaded, f"loading to {size:,} events")
                    head = (await store.head()).position
                    if head < size:
                        print(f"the demo city of {args.enterprises:,} enterprises ran out at {head:,} events")
                    loaded = head
                    fold_rate = await _fold(store, runner, head)
                    measured = await _measure_service(url, store, head, args, Path(tmp))
                    measured.load_rate, measured.fold_rate = load_rate, fold_rate
                    results.append(measured)
                    _print(measured)
                    if head < size:
                        break
        finally:
            await store.close()
    return 0


def _print(s: Size) -> None:
    per_event = s.database_mb * 2**20 / s.events
    print(f"— {s.events:,} events (PostgreSQL, {s.database_mb:,.0f} MB, {per_event:,.0f} B/event)")
    print(f"  load through the rules {s.load_rate:>9,.0f} ev/s   fold every read model {s.fold_rate:>9,.0f} ev/s")
    print(f"  serve: ready in {s.ready_s:.2f} s; rules' state folded in {s.rules_s:.1f} s; RSS then {s.rss_mb:,.0f} MB")
    print(f"  serve again: rules' state from the snapshot the first start took, in {s.restart_rules_s:.1f} s")
    for name, (p50, p99) in s.latency.items():
        print(f"  {name:<28} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
