"""``ledger bench projections``: rebuild throughput and query latency on a generated city.

Loads the demo city (``ops.demo.generate``) into a throwaway PostgreSQL database through
the validated path, then measures in one run:
- rebuilding every projection from scratch (events/s), against the eventsourcing library
  merely reading the same number of events from its notification log (no projecting);
- p50/p99 latency of ``responsibility`` (random enterprises, random moments) and of the
  ``accountability`` chain (random accidents).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from typing import Any

import orjson

from ledger.store import EventStore
from ops.bench import peer_recorder, targets
from ops.bootstrap import open_ledger
from ops.config import Settings
from ops.demo import append_generated, generate
from ops.progress import progress_bar
from projections.accountability import accountability
from projections.duty import responsibility
from projections.installed import all_projectors
from projections.runner import ProjectionRunner
from projections.timekeys import utc_key

__all__ = ["bench_projections"]


async def _load(store: EventStore, seed: int, enterprises: int, years: int) -> int:
    with progress_bar("loading the demo city", enterprises * years * 42) as bar:
        await append_generated(store, generate(seed, enterprises, years), bar.update)
    return (await store.head()).position


def _peer_read(recorder: Any, events: list[bytes]) -> float:
    """Insert the same bodies into the peer's table, then time reading them back in pages."""
    from eventsourcing.persistence import StoredEvent

    for i in range(0, len(events), 1000):
        recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "bench:Event", body) for body in events[i : i + 1000]])
    started = time.perf_counter()
    position, seen = 0, 0
    while True:
        page = recorder.select_notifications(start=position + 1, limit=5000)
        if not page:
            break
        seen += len(page)
        position = page[-1].id
    return seen / (time.perf_counter() - started)


def _quantiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


async def bench_projections(args: argparse.Namespace, settings: Settings) -> int:
    async with targets("postgres", settings) as (ours_url, peer_url):
        store = await open_ledger(ours_url)
        try:
            head = await _load(store, args.seed, args.enterprises, args.years)
            runner = ProjectionRunner(store, all_projectors())
            with progress_bar("rebuilding every projection", head) as bar:
                started = time.perf_counter()
                await runner.rebuild(progress=bar.update)
                rebuild_rate = head / (time.perf_counter() - started)
            bodies = [orjson.dumps(e.data) for e in await store.read(after=0, limit=head)]
            peer_rate = await asyncio.to_thread(_peer_read, peer_recorder("postgres", peer_url, 1), bodies)
            rng = random.Random(args.seed)
            db = store.backend
            enterprises = [
                r[0] for r in await db.fetch("SELECT DISTINCT unit_id FROM unit_versions WHERE kind = 'enterprise'")
            ]
            accidents = [r[0] for r in await db.fetch("SELECT accident_id FROM accidents")]
            resp, chain = [], []
            for _ in range(args.queries):
                moment = f"2019-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00+08:00"
                started = time.perf_counter()
                await responsibility(db, rng.choice(enterprises), (utc_key(moment), head))
                resp.append(time.perf_counter() - started)
            for _ in range(args.queries):
                started = time.perf_counter()
                await accountability(db, rng.choice(accidents), head)
                chain.append(time.perf_counter() - started)
        finally:
            await store.close()
    r50, r99 = _quantiles(resp)
    c50, c99 = _quantiles(chain)
    print(f"ledger of {head:,} events ({args.enterprises:,} enterprises, {args.years} year(s)), PostgreSQL")
    print(f"rebuild, all projections        {rebuild_rate:>10,.0f} events/s")
    print(f"eventsourcing notification read {peer_rate:>10,.0f} events/s   (reading only)")
    print(f"ratio                           {rebuild_rate / peer_rate:>10.2f}x")
    print(f"responsibility query            p50 {r50:6.1f} ms   p99 {r99:6.1f} ms   ({args.queries} queries)")
    print(f"accountability chain            p50 {c50:6.1f} ms   p99 {c99:6.1f} ms   ({args.queries} queries)")
    return 0
