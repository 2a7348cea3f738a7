"""Crash safety: `kill -9` of a real `ledger serve` under concurrent posts, a few cycles on
each backend (`ledger bench crash --cycles N` runs the long version).

Every acknowledged event is in the log at the position and with the hash it was
acknowledged with, no batch is torn, the chain verifies, and the read models the killed
services left behind, once caught up, equal a rebuild.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger.decider import AcceptAll
from ops.bench_crash import crash_cycles
from ops.bootstrap import open_ledger
from ops.local_service import run_cli
from projections.installed import all_projectors
from projections.runner import ProjectionRunner
from tests.projections.support import dump_tables

CYCLES = 3


async def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    store = await open_ledger(url, decider=AcceptAll(), create=False)
    try:
        return await dump_tables(store, ProjectionRunner(store, all_projectors()))
    finally:
        await store.close()


@pytest.mark.slow
async def test_kill_9_under_concurrent_posts_loses_no_acknowledged_event(db_url: str, tmp_path: Path) -> None:
    report = await crash_cycles(db_url, CYCLES, workdir=tmp_path, clients=12)
    assert report.cycles == CYCLES
    assert len(report.acknowledged) > 100, "too few posts were acknowledged to prove anything"
    assert report.batches, "no batch was posted"
    assert (report.lost, report.changed, report.torn, report.duplicated) == ([], [], [], [])
    assert report.chain_ok

    env = {**os.environ, "LEDGER_DATABASE_URL": db_url, "LEDGER_SIGNING_KEY": str(tmp_path / "signing.key")}
    await run_cli(env, "project", "--once")  # from wherever the killed services left the read models
    caught_up = await _dump(db_url)
    await run_cli(env, "rebuild")
    assert await _dump(db_url) == caught_up
