"""`ledger bench integrity` runs on an existing ledger and writes nothing to it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.projections.support import ledger_with, sample_events

ROOT = Path(__file__).resolve().parents[2]


async def test_bench_integrity_reads_the_tiles(sqlite_url: str) -> None:
    async with ledger_with(sqlite_url, sample_events()) as (store, _):
        before = await store.backend.fetch("SELECT COUNT(*) FROM checkpoints")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "ops.cli", "--database", sqlite_url, "bench", "integrity", "--queries", "5"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert f"ledger of {len(sample_events())} events" in done.stdout
    for line in ("start:", "first checkpoint:", "before the tiles:", "inclusion proof", "consistency proof"):
        assert line in done.stdout
    async with ledger_with(sqlite_url) as (store, _):
        assert await store.backend.fetch("SELECT COUNT(*) FROM checkpoints") == before
