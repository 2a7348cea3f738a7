"""The store contract (SPEC §3), run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio

import pytest

from ledger.canonical import GENESIS_HASH
from ledger.envelope import StoredEvent
from ledger.errors import ConcurrencyConflict, IdempotencyConflict
from ledger.store import EventStore
from tests.helpers import unit_event


async def test_positions_are_gapless_and_versions_count_per_stream(store: EventStore) -> None:
    """Positions run 1, 2, 3 … across the log; versions run 1, 2, 3 … within each stream."""
    stored = await store.append([unit_event("A"), unit_event("B"), unit_event("A")])
    stored += await store.append([unit_event("B")])
    assert [e.position for e in stored] == [1, 2, 3, 4]
    assert [(e.stream, e.version) for e in stored] == [("unit:A", 1), ("unit:B", 1), ("unit:A", 2), ("unit:B", 2)]
    assert [e.position for e in await store.read()] == [1, 2, 3, 4]
    assert [e.version for e in await store.read_stream("unit:B")] == [1, 2]


async def test_expected_version_mismatch_is_refused_with_the_current_version(store: EventStore) -> None:
    """A stale writer learns the stream's real version, and nothing is appended."""
    await store.append([unit_event("A"), unit_event("A")])
    with pytest.raises(ConcurrencyConflict) as caught:
        await store.append([unit_event("A", expected_version=1)])
    assert (caught.value.stream, caught.value.expected, caught.value.actual) == ("unit:A", 1, 2)
    assert (await store.head()).position == 2
    stored = await store.append([unit_event("A", expected_version=2)])
    assert stored[0].version == 3


async def test_a_batch_is_atomic(store: EventStore) -> None:
    """One refused event in a batch leaves the log as it was; the error says which event."""
    await store.append([unit_event("A")])
    batch = [unit_event("B"), unit_event("C"), unit_event("A", expected_version=0), unit_event("D")]
    with pytest.raises(ConcurrencyConflict) as caught:
        await store.append(batch)
    assert caught.value.index == 2
    assert [e.stream for e in await store.read()] == ["unit:A"]
    assert (await store.append([unit_event("B")]))[0].position == 2


async def test_batches_in_one_group_stay_independent(store: EventStore) -> None:
    """Concurrent posts share a transaction, but a refused one does not sink the others."""
    await store.append([unit_event("A")])
    results = await asyncio.gather(
        store.append([unit_event("X"), unit_event("Y")]),
        store.append([unit_event("Z"), unit_event("A", expected_version=5)]),
        store.append([unit_event("W")]),
        return_exceptions=True,
    )
    assert isinstance(results[1], ConcurrencyConflict)
    assert [e.stream for e in await store.read()] == ["unit:A", "unit:X", "unit:Y", "unit:W"]
    assert (await store.verify()).ok


async def test_idempotent_retry_returns_the_first_result_and_appends_nothing(store: EventStore) -> None:
    first = await store.append([unit_event("A", idempotency_key="post-1")])
    again = await store.append([unit_event("A", idempotency_key="post-1")])
    assert again == first
    assert (await store.head()).position == 1


async def test_idempotency_key_reused_with_another_body_is_refused(store: EventStore) -> None:
    await store.append([unit_event("A", idempotency_key="post-1")])
    with pytest.raises(IdempotencyConflict):
        await store.append([unit_event("B", idempotency_key="post-1")])
    assert (await store.head()).position == 1


async def test_idempotent_retries_racing_each_other_append_once(store: EventStore) -> None:
    """Two retries in the same group commit: the second sees the first's key."""
    results = await asyncio.gather(*(store.append([unit_event("A", idempotency_key="k")]) for _ in range(5)))
    assert all(r == results[0] for r in results)
    assert (await store.head()).position == 1


async def test_recorded_at_is_set_by_the_server_and_never_decreases(store: EventStore) -> None:
    for i in range(5):
        await store.append([unit_event(str(i)), unit_event(f"{i}b")])
    times = [e.recorded_at for e in await store.read()]
    assert times == sorted(times)
    assert all(t.endswith("Z") and len(t) == 27 for t in times)


async def test_the_hash_chain_links_every_event(store: EventStore) -> None:
    stored = await store.append([unit_event("A"), unit_event("B")])
    assert stored[0].prev_hash == GENESIS_HASH
    assert stored[1].prev_hash == stored[0].hash
    assert all(e.hash == e.expected_hash() for e in stored)
    report = await store.verify()
    assert (report.ok, report.count, report.head_hash) == (True, 2, stored[1].hash)


async def test_group_commit_gathers_concurrent_appends(store: EventStore) -> None:
    """64 concurrent single-event posts take far fewer than 64 transactions."""
    await store.append([unit_event("warm-up")])
    before = store.groups_written
    await asyncio.gather(*(store.append([unit_event(f"U{i}")]) for i in range(64)))
    assert store.groups_written - before < 32
    assert (await store.verify()).ok


async def test_read_filters_by_stream_and_type_and_pages(store: EventStore) -> None:
    await store.append([unit_event(str(i)) for i in range(10)])
    assert [e.position for e in await store.read(after=3, limit=4)] == [4, 5, 6, 7]
    assert [e.position for e in await store.read(stream="unit:7")] == [8]
    assert await store.read(types=["hazard.reported"]) == []
    assert len(await store.read(types=["unit.updated"])) == 10


async def test_position_at_maps_transaction_time_to_a_position(store: EventStore) -> None:
    first = await store.append([unit_event("A")])
    await asyncio.sleep(0.01)
    await store.append([unit_event("B")])
    assert await store.position_at(first[0].recorded_at) == 1
    assert await store.position_at("2000-01-01T00:00:00.000000Z") == 0
    assert await store.position_at("2999-01-01T00:00:00.000000Z") == 2


async def test_a_subscriber_gets_every_later_event_once_in_order(store: EventStore) -> None:
    await store.append([unit_event(str(i)) for i in range(5)])
    seen: list[int] = []

    async def tail() -> None:
        async for event in store.subscribe(after=2):
            seen.append(event.position)
            if event.position == 8:
                return

    task = asyncio.create_task(tail())
    await asyncio.sleep(0.05)
    await store.append([unit_event("x"), unit_event("y"), unit_event("z")])
    await asyncio.wait_for(task, 10)
    assert seen == [3, 4, 5, 6, 7, 8]


async def test_a_subscriber_is_woken_by_the_append_not_by_polling(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With polling set to a minute, a new event still arrives at once (NOTIFY / in-process signal)."""
    import ledger.store.base as base

    monkeypatch.setattr(base, "POLL_SECONDS", 60.0)
    iterator = store.subscribe(after=0).__aiter__()
    waiting: asyncio.Future[StoredEvent] = asyncio.ensure_future(iterator.__anext__())
    await asyncio.sleep(0.2)  # the subscriber is asleep now
    loop = asyncio.get_running_loop()
    started = loop.time()
    await store.append([unit_event("A")])
    event = await asyncio.wait_for(waiting, 10)
    assert event.position == 1
    assert loop.time() - started < 5
