"""The projection machinery: tracked positions, catch-up, following the log, rebuild."""

from __future__ import annotations

import asyncio

from projections.installed import all_projectors
from projections.runner import ProjectionRunner
from projections.units import ancestors, policy_rules
from tests.projections.support import dump_tables, ledger_with, post, sample_events


async def test_projections_catch_up_and_survive_a_restart(db_url: str) -> None:
    """Positions are tracked in the database: a new runner starts where the last one stopped."""
    events = sample_events()
    async with ledger_with(db_url, events[:50]) as (store, runner):
        assert runner.position() == 50
        await post(store, events[50:])
        again = ProjectionRunner(store, all_projectors())
        assert min((await again.load_positions()).values()) == 50
        assert await again.catch_up() == len(events)


async def test_a_running_projection_follows_an_append_within_a_second(db_url: str) -> None:
    events = sample_events()
    async with ledger_with(db_url, events[:10]) as (store, runner):
        task = asyncio.create_task(runner.run())
        try:
            await post(store, events[10:20])
            for _ in range(100):
                if runner.position() == 20:
                    break
                await asyncio.sleep(0.01)
            assert runner.position() == 20
        finally:
            task.cancel()


async def test_rebuild_equals_the_incremental_build(db_url: str) -> None:
    events = sample_events()
    async with ledger_with(db_url) as (store, runner):
        for start in range(0, len(events), 7):  # many small pages
            await post(store, events[start : start + 7])
            await runner.catch_up()
        incremental = await dump_tables(store, runner)
        await runner.rebuild()
        assert await dump_tables(store, runner) == incremental


async def test_the_unit_tree_and_the_policy_in_force(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        chain = await ancestors(store.backend, "91371302MA3C4R1X0A")
        assert [u["unit_id"] for u in chain] == ["91371302MA3C4R1X0A", "371302001", "371302", "371300", "370000"]
        rules, sources = await policy_rules(store.backend, "371302001", "2019-11-01T00:00:00.000000Z")
        assert [s["policy_id"] for s in sources] == ["POL-370000-ILLEGAL-SITES", "POL-371300-2019-119"]
        assert rules["covering_visit_days"] == 7
        assert rules["accident_report_minutes"] == {"initial": 20, "written": 60, "detailed": 120}
        after, still = await policy_rules(store.backend, "371302001", "2020-02-01T00:00:00.000000Z")
        assert [s["policy_id"] for s in still] == [
            "POL-370000-ILLEGAL-SITES"
        ]  # the campaign ended, the province's rule did not
        assert after["illegal_sites_dismissal"] == {"township": 1, "county": 2}
