"""Many processes, one folder (SPEC §12): two `ledger project` processes on one database —
exactly one folds at a time; `kill -9` it and the other takes over within seconds; no page is
folded twice (the read models equal a rebuild)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from ops.bootstrap import open_ledger
from projections.installed import all_projectors
from projections.runner import ProjectionRunner
from tests.projections.support import dump_tables, post, sample_events

pytestmark = pytest.mark.slow


def _hazard(i: int) -> dict[str, Any]:
    return {
        "type": "hazard.reported",
        "occurred_at": "2019-12-01T10:00:00+08:00",
        "data": {
            "hazard_id": f"HZ-ELECT-{i}",
            "unit_id": "91371302MA3D7K2Y1B",
            "severity": "general",
            "description": "消防通道堵塞",
            "source": "self_check",
        },
    }


async def _folding(process: asyncio.subprocess.Process, seen: list[bytes]) -> None:
    assert process.stderr is not None
    async for line in process.stderr:
        seen.append(line)


def _logged(lines: list[bytes], event: str) -> bool:
    return any(orjson.loads(line).get("event") == event for line in lines if line.startswith(b"{"))


def _folds(lines: list[bytes]) -> bool:
    return _logged(lines, "folding the read models")


async def _stored(store: Any) -> int:
    rows = await store.backend.fetch("SELECT MIN(position) FROM projection_positions")
    return int(rows[0][0] or 0)


async def test_one_folder_and_a_takeover_after_kill_9(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "LEDGER_DATABASE_URL": db_url, "LEDGER_LOG_FORMAT": "json"}
    store = await open_ledger(db_url)
    try:
        await post(store, sample_events())
        processes, logs, readers = [], [], []
        for _ in range(2):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ops.cli", "project", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
            )
            lines: list[bytes] = []
            processes.append(process)
            logs.append(lines)
            readers.append(asyncio.create_task(_folding(process, lines)))
        try:
            for _ in range(300):  # both started; one of them folds
                started = all(_logged(lines, "following the log") for lines in logs)
                if started and await _stored(store) == (await store.head()).position:
                    break
                await asyncio.sleep(0.1)
            assert [_folds(lines) for lines in logs].count(True) == 1  # exactly one folds
            folder = next(i for i, lines in enumerate(logs) if _folds(lines))
            other = 1 - folder
            for start in range(0, 60, 10):
                await post(store, [_hazard(i) for i in range(start, start + 10)])
            processes[folder].send_signal(signal.SIGKILL)
            await processes[folder].wait()
            await post(store, [_hazard(i) for i in range(60, 80)])
            head = (await store.head()).position
            for _ in range(100):  # the other takes over within seconds
                if await _stored(store) == head:
                    break
                await asyncio.sleep(0.1)
            assert await _stored(store) == head
            for _ in range(50):
                if _folds(logs[other]):
                    break
                await asyncio.sleep(0.1)
            assert _folds(logs[other])
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            for task in readers:
                task.cancel()
        runner = ProjectionRunner(store, all_projectors())
        await runner.load_positions()
        folded = await dump_tables(store, runner)
        await runner.rebuild()
        assert await dump_tables(store, runner) == folded  # no page folded twice, none skipped
    finally:
        await store.close()
