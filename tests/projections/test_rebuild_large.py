"""Rebuilt == incrementally built, table by table, on a generated city of 100,000+ events."""

from __future__ import annotations

from itertools import islice

from ledger.envelope import parse_proposed
from ops.demo import generate
from projections.installed import all_projectors
from projections.runner import ProjectionRunner
from tests.projections.support import dump_tables, ledger_with

ENTERPRISES = 2400  # about 100,000 events over one year


async def test_rebuild_equals_incremental_on_a_generated_city(db_url: str) -> None:
    events = generate(seed=7, enterprises=ENTERPRISES, years=1)
    async with ledger_with(db_url) as (store, runner):
        while batch := list(islice(events, 1000)):
            await store.append([parse_proposed(e, "test") for e in batch])
            await runner.catch_up()  # folded page by page, as the service does while events arrive
        head = (await store.head()).position
        assert head >= 100_000
        incremental = await dump_tables(store, runner)
        assert sum(len(rows) for rows in incremental.values()) > head // 2
        fresh = ProjectionRunner(store, all_projectors())  # a new process: no in-memory caches
        assert await fresh.rebuild() == head
        assert await dump_tables(store, fresh) == incremental
