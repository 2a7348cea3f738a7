"""`ledger serve` as an operator runs it: it migrates an empty database on first start, and a
SIGTERM in the middle of a burst of posts loses no acknowledged event."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import orjson

from ledger.decider import AcceptAll
from ops.bootstrap import open_ledger
from ops.local_service import free_port, wait_for_service

ROOT = Path(__file__).resolve().parents[2]


def _hazard(i: int) -> bytes:
    return orjson.dumps(
        {
            "type": "hazard.reported",
            "occurred_at": "2019-12-01T10:00:00+08:00",
            "data": {
                "hazard_id": f"HZ-TERM-{i}",
                "unit_id": "91371302MA3D7K2Y1B",
                "severity": "general",
                "description": "消防通道堵塞",
                "source": "self_check",
            },
        }
    )


async def test_sigterm_mid_burst_loses_no_acknowledged_event(db_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": db_url,
        "LEDGER_SIGNING_KEY": str(tmp_path / "key.pem"),
        "LEDGER_LOG_FORMAT": "json",
    }
    sample = str(ROOT / "ops" / "samples" / "linyi-2019q4.jsonl")
    for args in (["import", sample], ["token", "create", "--role", "admin", "--name", "t"]):
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "ops.cli", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.cli", "serve", "--port", str(port), env=env, stderr=asyncio.subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[int] = []
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
            await wait_for_service(f"{base}/healthz")

            async def post(i: int) -> None:
                try:
                    async with session.post(
                        f"{base}/v1/events", data=_hazard(i), headers={"Content-Type": "application/json"}
                    ) as response:
                        if response.status == 201:
                            acknowledged.append((await response.json())["position"])
                except aiohttp.ClientError:
                    pass  # refused or cut after the signal: never acknowledged

            burst = [asyncio.create_task(post(i)) for i in range(400)]
            for _ in range(300):  # mid-burst: once the first posts are acknowledged (a loaded machine is slow)
                if acknowledged:
                    break
                await asyncio.sleep(0.1)
            server.send_signal(signal.SIGTERM)
            await asyncio.gather(*burst)
        assert await asyncio.wait_for(server.wait(), 60) == 0
    finally:
        if server.returncode is None:
            server.kill()
    assert acknowledged, "no post was acknowledged before the signal"
    ledger = await open_ledger(db_url, decider=AcceptAll())
    try:
        stored = {e.position for e in await ledger.read(after=0, limit=10_000)}
        assert set(acknowledged) <= stored
        assert (await ledger.verify()).ok
    finally:
        await ledger.close()


async def test_first_start_on_an_empty_sqlite_file_migrates_it(tmp_path: Path) -> None:
    env = {**os.environ, "LEDGER_SIGNING_KEY": str(tmp_path / "key.pem"), "LEDGER_LOG_FORMAT": "json"}
    env.pop("LEDGER_DATABASE_URL", None)  # the embedded default: ./ledger.db in the working directory
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ops.cli",
        "serve",
        "--port",
        str(port),
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_for_service(f"http://127.0.0.1:{port}/readyz")
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/readyz") as response:
            assert (await response.json())["head"] == 0
        assert (tmp_path / "ledger.db").exists()
        assert (tmp_path / "key.pem").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.wait(), 60) == 0
