"""The projection machinery: tracked positions, catch-up, following the log, rebuild."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from ledger.store import EventStore
from projections.installed import all_projectors
from projections.registry import chain_at, rules_at
from projections.runner import ProjectionRunner
from projections.timekeys import utc_key
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
        head = (await store.head()).position
        at = utc_key("2019-11-01T00:00:00+08:00")
        chain = await chain_at(store.backend, "91371302MA3C4R1X0A", at, head)
        assert [u["unit_id"] for u in chain] == ["91371302MA3C4R1X0A", "371302001", "371302", "371300", "370000"]
        rules = (await rules_at(store.backend, ["371302001"], at, head))["371302001"]
        assert rules.source("covering_visit_days")["policy_id"] == "POL-371300-2019-119"
        assert rules.get("covering_visit_days") == 7
        assert rules.source("illegal_sites_dismissal")["policy_id"] == "POL-370000-ILLEGAL-SITES"
        # the national baseline: the sample's policy sets no reporting rule
        assert rules.get("accident_report_minutes") == {"initial": 60}
        assert rules.source("accident_report_minutes")["national"] is True
        outside = (await rules_at(store.backend, ["371302001"], utc_key("2020-02-01T00:00:00+08:00"), head))[
            "371302001"
        ]
        assert [p.policy_id for p in outside.in_force] == ["POL-370000-ILLEGAL-SITES"]  # the province's, no end
        assert outside.get("covering_visit_days") is None  # a local rule of the campaign, off after it


async def test_a_read_waits_for_the_folding_of_its_position(db_url: str) -> None:
    """Honest reads: wait_for returns once the read models reflect the position, in this
    process (the follower) or when only the stored positions tell (another process folds)."""
    events = sample_events()
    async with ledger_with(db_url, events[:10]) as (store, runner):
        task = asyncio.create_task(runner.run())
        try:
            await post(store, events[10:20])
            assert await runner.wait_for(20, 2.0)
            assert runner.position() == 20
        finally:
            task.cancel()
        other = ProjectionRunner(store, all_projectors())  # a reader that does not fold
        assert await other.wait_for(20, 0.5)
        await post(store, events[20:30])
        assert not await other.wait_for(30, 0.2)  # nobody folds: it gives up


async def test_a_projector_that_fails_leaves_the_others_folded_and_folds_again(db_url: str) -> None:
    """Each projector commits its page with its own position (side by side on PostgreSQL,
    together on SQLite): one that fails rolls back alone, and the next catch-up folds exactly
    what it missed — the same tables as a rebuild."""
    events = sample_events()
    async with ledger_with(db_url, events[:40]) as (store, runner):
        await post(store, events[40:])
        hazards = next(p for p in runner.projectors if p.name == "hazards")
        folded = hazards.apply

        async def broken(tx: object, page: object) -> None:
            raise RuntimeError("the hazards projector fails once")

        hazards.apply = broken  # type: ignore[method-assign,assignment]
        try:
            await runner.catch_up()
        except RuntimeError:
            pass
        else:
            raise AssertionError("the failure was not raised")
        hazards.apply = folded  # type: ignore[method-assign]
        stored = await runner.load_positions()
        assert stored["hazards"] == 40
        side_by_side = store.backend.fold_concurrency > 1
        assert stored["registry"] == (len(events) if side_by_side else 40)
        assert await runner.catch_up() == len(events)
        incremental = await dump_tables(store, runner)
        await runner.rebuild()
        assert await dump_tables(store, runner) == incremental


async def test_a_rebuild_leaves_the_planner_statistics_fresh(db_url: str) -> None:
    """After a rebuild the database knows the new tables at once (ANALYZE; VACUUM on
    PostgreSQL, whose index-only scans need it) instead of whenever autovacuum comes by."""
    async with ledger_with(db_url, sample_events()) as (store, runner):
        await runner.rebuild(["hazards"])
        db = store.backend
        if db.kind == "postgres":
            rows = await db.fetch(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'hazard_transitions'"
            )
            assert rows == [(True, True)]
        else:
            rows = await db.fetch("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'hazard_transitions'")
            assert rows[0][0] > 0


async def _indexes(store: EventStore) -> set[tuple[str, str]]:
    """(table, index) of every index the read models and the log have."""
    db = store.backend
    if db.kind == "postgres":
        rows = await db.fetch("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()")
    else:
        rows = await db.fetch("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'")
    return {(r[0], r[1]) for r in rows}


async def test_a_rebuild_drops_the_secondary_indexes_while_it_fills_and_builds_them_after(db_url: str) -> None:
    """Rows go in without index updates (the unique ones stay: upserts need them; so do the
    ones a fold reads through); afterwards every index is back, and nothing stays parked."""
    async with ledger_with(db_url, sample_events()) as (store, runner):
        before = await _indexes(store)
        incremental = await dump_tables(store, runner)
        seen: list[set[tuple[str, str]]] = []
        registry = next(p for p in runner.projectors if p.name == "registry")
        folded = registry.apply

        async def watching(tx: object, page: object) -> None:
            seen.append(await _indexes(store))
            await folded(tx, page)  # type: ignore[arg-type]

        registry.apply = watching  # type: ignore[method-assign,assignment]
        await runner.rebuild()
        registry.apply = folded  # type: ignore[method-assign]
        during = seen[0]
        assert ("hazard_transitions", "hazard_transitions_unit") not in during
        assert ("unit_tree", "unit_tree_ancestor") in during  # registry.fold_indexes
        assert ("events", "events_type") in during  # the log's are never touched
        assert await _indexes(store) == before
        assert await store.backend.fetch("SELECT COUNT(*) FROM parked_indexes") == [(0,)]
        assert await dump_tables(store, runner) == incremental


async def test_indexes_a_dead_rebuild_left_dropped_are_built_again_by_the_next_folder(db_url: str) -> None:
    """A rebuild killed half-way leaves its indexes recorded in ``parked_indexes`` (dropped in
    the same transaction): the next process to fold builds them again before it folds."""
    async with ledger_with(db_url, sample_events()) as (store, runner):
        before = await _indexes(store)
        hazards = next(p for p in runner.projectors if p.name == "hazards")
        parked = await store.backend.park_indexes(hazards.tables, set())
        assert "hazard_current_unit" in parked
        assert ("hazard_current", "hazard_current_unit") not in await _indexes(store)
        task = asyncio.create_task(ProjectionRunner(store, all_projectors()).run())
        try:
            for _ in range(200):
                if await _indexes(store) == before:
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert await _indexes(store) == before
        assert await store.backend.fetch("SELECT COUNT(*) FROM parked_indexes") == [(0,)]


async def test_a_rebuild_that_fails_builds_its_indexes_again(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, runner):
        before = await _indexes(store)
        hazards = next(p for p in runner.projectors if p.name == "hazards")

        async def broken(tx: object, page: object) -> None:
            raise RuntimeError("the hazards projector fails")

        hazards.apply = broken  # type: ignore[method-assign,assignment]
        with pytest.raises(RuntimeError):
            await runner.rebuild(["hazards"])
        assert await _indexes(store) == before


async def test_a_catch_up_cancelled_or_whose_read_fails_ends_at_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Service shutdown mid-catch-up, or the database lost mid-read: the catch-up ends (the
    failure raised), never left waiting on a page nobody will read or send."""
    import projections.runner as runner_module

    monkeypatch.setattr(runner_module, "PAGE", 10)  # many pages of the small sample
    events = sample_events()
    async with ledger_with(db_url) as (store, _runner):
        await post(store, events)
        runner = ProjectionRunner(store, all_projectors())
        hazards = next(p for p in runner.projectors if p.name == "hazards")
        folded = hazards.apply

        async def slow(tx: object, page: object) -> None:
            await asyncio.sleep(0.5)
            await folded(tx, page)  # type: ignore[arg-type]

        hazards.apply = slow  # type: ignore[method-assign,assignment]
        task = asyncio.create_task(runner.catch_up())
        await asyncio.sleep(0.3)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        hazards.apply = folded  # type: ignore[method-assign]

        reads = 0
        read = store.read

        async def failing(*args: object, **kwargs: object) -> object:
            nonlocal reads
            reads += 1
            if reads == 3:
                raise OSError("the database went away")
            return await read(*args, **kwargs)  # type: ignore[arg-type]

        store.read = failing  # type: ignore[method-assign,assignment]
        again = ProjectionRunner(store, all_projectors())
        with pytest.raises(OSError, match="went away"):
            await asyncio.wait_for(again.catch_up(), 10)
        store.read = read  # type: ignore[method-assign]
        assert await again.catch_up() == len(events)  # and the next one folds the rest


async def test_upserts_through_the_staging_table_fold_the_same_tables(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild's large pages upsert through a staging table on PostgreSQL (a page followed
    live, one statement a row): both ways, the same tables as the incremental build."""
    import ledger.store.postgres

    events = sample_events()
    async with ledger_with(db_url) as (store, runner):
        for start in range(0, len(events), 9):
            await post(store, events[start : start + 9])
            await runner.catch_up()
        incremental = await dump_tables(store, runner)
        monkeypatch.setattr(ledger.store.postgres, "STAGE_ROWS", 1)  # every upsert staged
        await runner.rebuild()
        assert await dump_tables(store, runner) == incremental
        await runner.rebuild()  # the staging table of the connection is there, and empty
        assert await dump_tables(store, runner) == incremental


async def test_a_migration_finds_the_indexes_a_dead_rebuild_left_dropped(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ledger migrate`` builds parked indexes again before it applies anything: a migration
    that rebuilds one of them (as 150 and 170 rebuilt ``hazard_current_unit``) would
    otherwise find it missing."""
    import ops.migrate
    from ops.migrate import Migration, migrate

    async with ledger_with(db_url, sample_events()) as (store, runner):
        hazards = next(p for p in runner.projectors if p.name == "hazards")
        await store.backend.park_indexes(hazards.tables, set())
        real = ops.migrate.load_migrations
        later = Migration(
            999,
            "later",
            "DROP INDEX hazard_current_unit;\nCREATE INDEX hazard_current_unit ON hazard_current (unit_id, state);\n",
        )
        monkeypatch.setattr(ops.migrate, "load_migrations", lambda kind: [*real(kind), later])
        assert [m.version for m in await migrate(store.backend)] == [999]
        assert await store.backend.fetch("SELECT COUNT(*) FROM parked_indexes") == [(0,)]
        assert ("hazard_transitions", "hazard_transitions_unit") in await _indexes(store)
        assert ("hazard_current", "hazard_current_unit") in await _indexes(store)
