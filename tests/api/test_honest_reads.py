"""Honest reads (SPEC §2): a client that got 201 for an event and asks at once sees it — when
this process folds the read models and when another process (``ledger project``) does —,
every answer states the position it reflects, and a read that cannot be answered in time is a
503 with ``Retry-After``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from api.app import RUNNER
from tests.api.support import Service, service
from tests.projections.support import ledger_with, sample_events

POSTS = 200


def _accident(i: int) -> dict[str, Any]:
    return {
        "type": "accident.occurred",
        "occurred_at": "2019-12-05T08:00:00+08:00",
        "data": {
            "accident_id": f"ACC-RYW-{i}",
            "unit_id": "91371302MA3C4R1X0A",
            "deaths": 0,
            "serious_injuries": 1,
            "direct_loss_cny": 20000,
            "description": "叉车碰撞致1人重伤",
        },
    }


async def _post_then_read(svc: Service, count: int) -> list[str]:
    misses = []
    for i in range(count):
        status, stored = await svc.post(_accident(i))
        assert status == 201, stored
        status, chain = await svc.get(f"/v1/accidents/ACC-RYW-{i}/accountability")
        if status != 200 or chain["as_of"]["position"] < stored["position"]:
            misses.append(f"{i}: {status} {chain.get('detail')}")
    return misses


async def test_every_post_is_seen_by_the_next_read(db_url: str) -> None:
    async with service(db_url) as svc:
        assert await _post_then_read(svc, POSTS) == []
        status, body = await svc.get("/v1/stats", scope="371302")
        assert status == 200
        head = (await svc.store.head()).position
        assert body["as_of"]["position"] == head
        assert body["as_of"]["recorded_at"].endswith("+08:00")  # Beijing time by default


async def test_reads_are_honest_when_another_process_folds(db_url: str, tmp_path: Path) -> None:
    """`ledger project` holds the folding lease; the service folds nothing and waits for it."""
    env = {**os.environ, "LEDGER_DATABASE_URL": db_url, "LEDGER_LOG_FORMAT": "json"}
    async with ledger_with(db_url, sample_events()):
        pass  # the sample, as the service's fixture posts it (a second post is an idempotent replay)
    folder = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.cli", "project", env=env, cwd=tmp_path, stderr=subprocess.DEVNULL
    )
    try:
        await asyncio.sleep(3)  # it takes the lease and catches up
        assert folder.returncode is None
        async with service(db_url) as svc:
            await asyncio.sleep(0.5)
            assert not svc.app[RUNNER].following
            assert await _post_then_read(svc, 50) == []
    finally:
        folder.kill()
        await folder.wait()


async def test_a_read_the_models_cannot_reach_in_time_is_a_503(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import reads

    async with service(db_url) as svc:
        runner = svc.app[RUNNER]

        async def never(position: int, timeout: float) -> bool:
            return False

        monkeypatch.setattr(runner, "wait_for", never)
        monkeypatch.setattr(reads, "WAIT_SECONDS", 0.01)
        response = await svc.client.get("/v1/overdue", headers=svc.auth("investigator"))
        assert response.status == 503
        assert response.headers["Retry-After"] == "1"
        assert response.content_type == "application/problem+json"
        body = await response.json()
        assert body["type"].endswith("/not-ready")
