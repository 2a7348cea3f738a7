"""``ledger bench append``: this store against the eventsourcing library's recorders, one run.

Same machine, same database server, same event bodies. Our figures include everything an
append costs here (envelope, hash chain, group commit, idempotency and version checks);
the peer's recorder only stores rows. Results are ratios measured side by side, never
absolute promises.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
import orjson

from ledger.decider import AcceptAll
from ledger.envelope import Proposed, parse_proposed
from ledger.store import EventStore, backend_kind
from ops.bootstrap import open_ledger
from ops.config import Settings
from ops.progress import progress_bar

__all__ = ["Result", "peer_rate", "peer_recorder", "run_bench", "targets"]

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Result:
    workload: str
    ours: float
    peer: float
    peer_label: str
    p50_ms: float | None = None
    p99_ms: float | None = None

    @property
    def ratio(self) -> float:
        return self.ours / self.peer if self.peer else float("inf")


def _body(i: int) -> dict[str, Any]:
    """A realistic event body: a hazard handed over with a deadline (~250 bytes)."""
    return {
        "hazard_id": f"HZ-2019-{i:07d}",
        "responsible": "371302001-P0042",
        "deadline": "2019-11-08T18:00:00+08:00",
        "note": "限期整改：消防通道堵塞，责令立即清理",
    }


def _event(i: int) -> Proposed:
    raw = {"type": "hazard.assigned", "occurred_at": "2019-10-08T09:00:00+08:00", "data": _body(i)}
    return parse_proposed(raw, "bench")


# -- ours --------------------------------------------------------------------------------


async def _ours(store: EventStore, events: int, writers: int, batch: int, label: str) -> float:
    counter = iter(range(10**9))
    per_writer = max(1, events // (writers * batch))
    with progress_bar(f"ours   {label}", per_writer * writers * batch) as bar:

        async def write() -> None:
            for _ in range(per_writer):
                await store.append([_event(next(counter)) for _ in range(batch)])
                bar.update(batch)

        started = time.perf_counter()
        await asyncio.gather(*(write() for _ in range(writers)))
        elapsed = time.perf_counter() - started
    return per_writer * writers * batch / elapsed


# -- the peer: eventsourcing's recorders -----------------------------------------------------


def peer_recorder(kind: str, target: str, threads: int) -> Any:
    if kind == "postgres":
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        url = urlparse(target)
        datastore = PostgresDatastore(
            dbname=url.path.lstrip("/"),
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password or "",
            pool_size=threads,
        )
        recorder: Any = PostgresApplicationRecorder(datastore)
    else:
        from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

        recorder = SQLiteApplicationRecorder(SQLiteDatastore(target, pool_size=threads))
    recorder.create_table()
    return recorder


def peer_rate(recorder: Any, events: int, threads: int, batch: int, label: str) -> float:
    from eventsourcing.persistence import StoredEvent

    per_thread = max(1, events // (threads * batch))
    body = orjson.dumps(_body(0))
    with progress_bar(f"peer   {label}", per_thread * threads * batch) as bar:

        def write() -> None:
            for _ in range(per_thread):
                rows = [StoredEvent(uuid.uuid4(), 1, "bench:HazardAssigned", body) for _ in range(batch)]
                recorder.insert_events(rows)
                bar.update(batch)

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            for future in [pool.submit(write) for _ in range(threads)]:
                future.result()
        elapsed = time.perf_counter() - started
    return per_thread * threads * batch / elapsed


# -- scaffolding: throwaway databases -------------------------------------------------------


@contextlib.asynccontextmanager
async def _pg_databases(admin_url: str) -> AsyncIterator[tuple[str, str]]:
    """Two throwaway databases on the same server, ours and the peer's; dropped afterwards."""
    names = [f"ledger_bench_{uuid.uuid4().hex[:8]}_{side}" for side in ("ours", "peer")]
    conn = await asyncpg.connect(admin_url)
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
        base = admin_url.rsplit("/", 1)[0]
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def _bench_backend(kind: str, ours_url: str, peer_target: str, events: int) -> list[Result]:
    store = await open_ledger(ours_url, decider=AcceptAll())
    results = []
    try:
        plan = [
            ("single events, 1 writer", min(events, 3000), 1, 1, 1),
            ("single events, 64 writers (peer: 8 threads)", events, 64, 1, 8),
            ("100-event batches, 1 writer", events, 1, 100, 1),
            ("100-event batches, 8 writers", events, 8, 100, 8),
        ]
        recorder = peer_recorder(kind, peer_target, 8)
        for label, n, writers, batch, threads in plan:
            ours = await _ours(store, n, writers, batch, label)
            peer = await asyncio.to_thread(peer_rate, recorder, n, threads, batch, label)
            results.append(Result(f"{kind}: {label}", ours, peer, f"eventsourcing recorder, {threads} thread(s)"))
        report = await store.verify()
        assert report.ok, f"the benchmark broke the chain at {report.bad_position}"
    finally:
        await store.close()
    return results


@contextlib.asynccontextmanager
async def targets(kind: str, settings: Settings) -> AsyncIterator[tuple[str, str]]:
    """Fresh storage for ours and for the peer: two databases, or two SQLite files."""
    if kind == "postgres":
        admin = settings.database_url if backend_kind(settings.database_url) == "postgres" else None
        admin = admin or os.environ.get("LEDGER_BENCH_PG_URL", DEFAULT_PG_URL)
        async with _pg_databases(admin) as pair:
            yield pair
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'ours.db'}", str(Path(tmp) / "peer.db")


async def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.what == "projections":
        from ops.bench_projections import bench_projections

        return await bench_projections(args, settings)
    if args.what == "crash":
        from ops.bench_crash import bench_crash

        return await bench_crash(args, settings)
    if args.what == "scale":
        from ops.bench_scale import bench_scale

        return await bench_scale(args, settings)
    if args.what == "integrity":
        from ops.bench_integrity import bench_integrity

        return await bench_integrity(args, settings)
    if args.what == "replica":
        from ops.bench_replica import bench_replica

        return await bench_replica(args, settings)
    kinds = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    results: list[Result] = []
    for kind in kinds:
        async with targets(kind, settings) as (ours, peer):
            if args.what == "append":
                results.extend(await _bench_backend(kind, ours, peer, args.events))
            else:
                from ops.bench_http import bench_http

                results.extend(await bench_http(kind, ours, peer, args.events))
    _print(results)
    return 0


def _print(results: list[Result]) -> None:
    width = max(len(r.workload) for r in results)
    print(
        f"{'workload':<{width}}  {'ours ev/s':>10}  {'p50 ms':>7}  {'p99 ms':>7}  {'peer ev/s':>10}  {'ratio':>6}  peer"
    )
    for r in results:
        p50 = f"{r.p50_ms:7.1f}" if r.p50_ms is not None else " " * 7
        p99 = f"{r.p99_ms:7.1f}" if r.p99_ms is not None else " " * 7
        print(
            f"{r.workload:<{width}}  {r.ours:>10,.0f}  {p50}  {p99}  {r.peer:>10,.0f}  {r.ratio:>5.1f}x  {r.peer_label}"
        )
