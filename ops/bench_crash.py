"""``ledger bench crash``: ``kill -9`` a real ``ledger serve`` under concurrent posts, again and again.

Each cycle starts the service on the ledger, lets clients post single events and 3-event
batches concurrently, and kills the process with SIGKILL at a random moment. Afterwards
every acknowledged event must be in the log at the position and with the hash it was
acknowledged with, no batch may be torn (all of its events or none), the chain must
verify, and the read models, caught up from wherever the killed service left them, must
equal a rebuild. The test suite runs a few cycles (``tests/e2e/test_crash.py``); this runs
the long version and prints its figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from ledger.decider import AcceptAll
from ledger.store import backend_kind
from ops.bootstrap import open_ledger
from ops.config import Settings
from ops.local_service import free_port, run_cli, start_service, wait_for_service
from ops.progress import progress_bar

__all__ = ["CrashReport", "bench_crash", "crash_cycles", "read_models_equal_rebuild"]

SEED_FILE = Path(__file__).resolve().parent / "samples" / "linyi-2019q4.jsonl"
ENTERPRISE = "91371302MA3D7K2Y1B"  # a unit of the sample
PREFIX = "HZ-CRASH-"
#: how long the clients post before the kill, in seconds (drawn uniformly)
KILL_AFTER = (0.3, 1.5)


@dataclass
class CrashReport:
    backend: str
    cycles: int = 0
    #: events acknowledged with 201 (each with its position and hash)
    acknowledged: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: every batch posted, acknowledged or not (its events' ids)
    batches: list[list[str]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    torn: list[list[str]] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    chain_ok: bool = False
    events: int = 0
    seconds: float = 0.0
    read_models_equal_rebuild: bool | None = None

    @property
    def sound(self) -> bool:
        return self.chain_ok and not (self.lost or self.changed or self.torn or self.duplicated)


def _hazard(hazard_id: str) -> dict[str, Any]:
    return {
        "type": "hazard.reported",
        "occurred_at": "2019-12-01T10:00:00+08:00",
        "data": {
            "hazard_id": hazard_id,
            "unit_id": ENTERPRISE,
            "severity": "general",
            "description": "消防通道堵塞",
            "source": "self_check",
        },
    }


async def _client(session: aiohttp.ClientSession, base: str, name: str, report: CrashReport) -> None:
    """Post until the service is gone: every fourth post a 3-event batch."""
    for n in range(1, 10**9):
        ids = [f"{PREFIX}{name}-{n}-{j}" for j in range(3 if n % 4 == 0 else 1)]
        body = [_hazard(i) for i in ids] if len(ids) > 1 else _hazard(ids[0])
        if len(ids) > 1:
            report.batches.append(ids)
        try:
            async with session.post(f"{base}/v1/events", data=orjson.dumps(body)) as response:
                if response.status != 201:
                    await response.read()
                    continue
                stored = await response.json()
        except (TimeoutError, aiohttp.ClientError, ConnectionError):
            return  # killed: this post was never acknowledged
        for event in stored if isinstance(stored, list) else [stored]:
            report.acknowledged[event["data"]["hazard_id"]] = (event["position"], event["hash"])


async def _cycle(
    env: dict[str, str], token: str, cycle: int, clients: int, rng: random.Random, report: CrashReport
) -> None:
    port = free_port()
    process = await start_service(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_for_service(f"{base}/healthz", timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
            posting = [asyncio.create_task(_client(session, base, f"{cycle}-{k}", report)) for k in range(clients)]
            await asyncio.sleep(rng.uniform(*KILL_AFTER))
            process.kill()  # SIGKILL: no shutdown, no flush, nothing finished
            await process.wait()
            await asyncio.gather(*posting)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def crash_cycles(
    url: str,
    cycles: int,
    *,
    workdir: Path,
    clients: int = 16,
    seed: int = 2019,
    progress: Callable[[int], None] | None = None,
) -> CrashReport:
    """``cycles`` kills of a service on ``url`` under ``clients`` posting clients; then the checks."""
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_LOG_FORMAT": "json",
        "LEDGER_SIGNING_KEY": str(workdir / "signing.key"),
    }
    await run_cli(env, "import", str(SEED_FILE))
    token = (await run_cli(env, "token", "create", "--role", "admin", "--name", "crash")).strip().splitlines()[-1]
    report = CrashReport(backend=backend_kind(url))
    rng = random.Random(seed)
    started = time.perf_counter()
    for cycle in range(cycles):
        await _cycle(env, token, cycle, clients, rng, report)
        report.cycles += 1
        if progress is not None:
            progress(1)
    report.seconds = time.perf_counter() - started
    await _check(url, report)
    return report


async def _check(url: str, report: CrashReport) -> None:
    """Compare what was acknowledged with what the log holds, and verify the chain."""
    store = await open_ledger(url, decider=AcceptAll(), create=False)
    try:
        found: dict[str, tuple[int, str]] = {}
        position = 0
        while page := await store.read(after=position, limit=5000):
            for event in page:
                hazard_id = str(event.data.get("hazard_id", ""))
                if hazard_id.startswith(PREFIX):
                    if hazard_id in found:
                        report.duplicated.append(hazard_id)
                    found[hazard_id] = (event.position, event.hash)
            position = page[-1].position
        report.events = position
        report.chain_ok = (await store.verify()).ok
    finally:
        await store.close()
    for hazard_id, stored in report.acknowledged.items():
        if hazard_id not in found:
            report.lost.append(hazard_id)
        elif found[hazard_id] != stored:
            report.changed.append(hazard_id)
    report.torn = [ids for ids in report.batches if 0 < sum(i in found for i in ids) < len(ids)]


async def read_models_equal_rebuild(url: str) -> bool:
    """Catch the read models up from where the killed services left them, then rebuild them
    from the log: are the two, table by table, the same?"""
    from projections.installed import all_projectors
    from projections.runner import ProjectionRunner

    store = await open_ledger(url, decider=AcceptAll(), create=False)
    try:
        runner = ProjectionRunner(store, all_projectors())
        await runner.catch_up()
        caught_up = await _read_model_rows(store, runner)
        await runner.rebuild()
        return caught_up == await _read_model_rows(store, runner)
    finally:
        await store.close()


async def _read_model_rows(store: Any, runner: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(await store.backend.fetch(f"SELECT * FROM {table}"), key=repr)
        for projector in runner.projectors
        for table in projector.tables
    }


async def bench_crash(args: argparse.Namespace, settings: Settings) -> int:
    """The long version: ``--cycles`` kills per backend, with figures; exit 1 if anything was lost."""
    from ops.bench import targets

    kinds = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    reports = []
    for kind in kinds:
        async with targets(kind, settings) as (url, _peer):
            with (
                tempfile.TemporaryDirectory(prefix="ledger-crash-") as tmp,
                progress_bar(f"kill -9 cycles, {kind}", args.cycles, unit="cycle") as bar,
            ):
                report = await crash_cycles(
                    url, args.cycles, workdir=Path(tmp), clients=args.clients, progress=bar.update
                )
            report.read_models_equal_rebuild = await read_models_equal_rebuild(url)
            reports.append(report)
    _print(reports)
    return 0 if all(r.sound and r.read_models_equal_rebuild for r in reports) else 1


def _print(reports: list[CrashReport]) -> None:
    print(
        f"{'backend':<9} {'cycles':>6} {'acknowledged':>12} {'lost':>5} {'changed':>7} {'torn':>5} "
        f"{'duplicated':>10} {'batches':>7} {'events':>7}  chain  read models = rebuild  seconds"
    )
    for r in reports:
        print(
            f"{r.backend:<9} {r.cycles:>6} {len(r.acknowledged):>12,} {len(r.lost):>5} {len(r.changed):>7} "
            f"{len(r.torn):>5} {len(r.duplicated):>10} {len(r.batches):>7,} {r.events:>7,}  "
            f"{'holds' if r.chain_ok else 'BROKEN':<6} {'yes' if r.read_models_equal_rebuild else 'NO':<22} "
            f"{r.seconds:>7.0f}"
        )
