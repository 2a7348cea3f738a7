"""The Merkle tiles in the database: written with the events, read back in O(log n), both backends."""

from __future__ import annotations

import asyncio
import random
import sqlite3

import asyncpg
import pytest

from ledger.decider import AcceptAll
from ledger.errors import IntegrityAlarm
from ledger.merkle import MerkleLog
from ledger.store import EventStore
from ledger.store.tiles import TileReader, audit_tiles, read_tiles, stored_size
from ops.bootstrap import ensure_tiles, open_ledger
from tests.contract.dba import change_one_byte, delete_last_event, raw_sql
from tests.helpers import unit_event


async def _tree(store: EventStore) -> MerkleLog:
    """The whole tree as the old in-memory way built it, from the stored hashes."""
    return MerkleLog.from_event_hashes(e.hash for e in await store.read(limit=100_000))


async def test_tiles_are_written_with_the_events(store: EventStore) -> None:
    """Appends of any size leave tiles whose roots and proofs equal the whole tree's."""
    rng = random.Random(7)
    while (await store.head()).position < 1300:
        await store.append([unit_event(f"U{rng.random()}") for _ in range(rng.choice([1, 2, 7, 255, 300]))])
    head = (await store.head()).position
    log = await _tree(store)
    reader = TileReader(store.backend)
    assert await reader.size() == head
    for size in (1, 255, 256, 257, 1000, head):
        assert await reader.root(size) == log.root(size)
        index = rng.randrange(size)
        assert await reader.inclusion_proof(index, size) == log.inclusion_proof(index, size)
        assert await reader.consistency_proof(max(1, size // 3), head) == log.consistency_proof(max(1, size // 3), head)
    assert (await audit_tiles(store.backend, head)).ok


async def test_concurrent_writers_in_two_processes_keep_one_tree(db_url: str) -> None:
    """Two stores on one database (as two processes): each catches up on the other's tiles."""
    first = await open_ledger(db_url, decider=AcceptAll())
    second = await open_ledger(db_url, decider=AcceptAll())
    try:

        async def write(store: EventStore, name: str) -> None:
            for i in range(40):
                await store.append([unit_event(f"{name}{i}-{j}") for j in range(i % 5 + 1)])

        await asyncio.gather(write(first, "a"), write(second, "b"))
        head = (await first.head()).position
        assert (await first.verify()).ok
        log = await _tree(first)
        assert await TileReader(first.backend).root(head) == log.root()
        assert (await audit_tiles(first.backend, head)).ok
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE merkle_tiles SET hashes = substr(hashes, 2) || substr(hashes, 1, 1)",
        "DELETE FROM merkle_tiles",
        "UPDATE merkle_leaves SET start = start + 1",
        "DELETE FROM merkle_leaves",
    ],
)
async def test_the_database_lets_a_tile_grow_and_nothing_else(store: EventStore, db_url: str, statement: str) -> None:
    """Even the owner, with SQL, cannot change a hash already written: a trigger refuses."""
    await store.append([unit_event(str(i)) for i in range(300)])
    with pytest.raises((sqlite3.DatabaseError, asyncpg.PostgresError), match="only grows"):
        await raw_sql(db_url, statement)


async def test_a_ledger_from_before_the_tiles_gets_them_once(store: EventStore, db_url: str) -> None:
    """Tiles missing (a ledger older than them): built at start from the events' canonical bytes."""
    await store.append([unit_event(str(i)) for i in range(700)])
    expected = await read_tiles(store.backend, [(0, 0), (0, 1), (0, 2), (1, 0)])
    await _forget_tiles(db_url)
    assert await stored_size(store.backend) == 0
    assert await ensure_tiles(store.backend) == 700
    assert await read_tiles(store.backend, expected) == expected
    assert await ensure_tiles(store.backend) == 0  # once
    await store.append([unit_event("after")])
    assert await TileReader(store.backend).root(701) == (await _tree(store)).root()


async def test_no_tiles_are_built_over_a_tampered_event(store: EventStore, db_url: str) -> None:
    """The backfill re-hashes each event: a changed byte stops it and refuses every write."""
    await store.append([unit_event(str(i)) for i in range(300)])
    await _forget_tiles(db_url)
    await change_one_byte(db_url, 42)
    assert await ensure_tiles(store.backend) == 0
    assert await stored_size(store.backend) == 0
    assert "position 42" in (store.backend.tiles.alarm or "")
    with pytest.raises(IntegrityAlarm, match="position 42"):
        await store.append([unit_event("next")])


async def test_a_deleted_last_event_stops_every_write(store: EventStore, db_url: str) -> None:
    """The tree remembers the deleted event: its position is never handed out again."""
    await store.append([unit_event(str(i)) for i in range(12)])
    await delete_last_event(db_url)
    with pytest.raises(IntegrityAlarm, match=r"positions 12\.\.12 are missing"):
        await store.append([unit_event("next")])
    with pytest.raises(IntegrityAlarm):
        await store.append([unit_event("again")])
    assert (await store.head()).position == 11
    audit = await audit_tiles(store.backend, 11)
    assert not audit.ok
    assert "positions 12..12 are missing" in (audit.problem or "")
    # and a fresh process finds the same
    again = await open_ledger(db_url, decider=AcceptAll())
    try:
        with pytest.raises(IntegrityAlarm, match="missing"):
            await again.append([unit_event("from another process")])
    finally:
        await again.close()


async def test_a_head_whose_hash_was_changed_stops_every_write(store: EventStore, db_url: str) -> None:
    await store.append([unit_event(str(i)) for i in range(5)])
    guard = (
        "DROP TRIGGER events_no_update;" if db_url.startswith("sqlite") else "SET session_replication_role = replica;"
    )
    await raw_sql(db_url, f"{guard} UPDATE events SET hash = '{'0' * 64}' WHERE position = 5;")
    with pytest.raises(IntegrityAlarm, match="position 5"):
        await store.append([unit_event("next")])


async def test_another_process_events_are_rehashed(db_url: str) -> None:
    """A writer catching up on another's events re-hashes them: one altered is an alarm."""
    first = await open_ledger(db_url, decider=AcceptAll())
    second = await open_ledger(db_url, decider=AcceptAll())
    try:
        await first.append([unit_event("a")])
        await second.append([unit_event(str(i)) for i in range(30)])
        await change_one_byte(db_url, 17)
        with pytest.raises(IntegrityAlarm, match="position 17"):
            await first.append([unit_event("b")])
    finally:
        await first.close()
        await second.close()


async def test_the_audit_names_an_event_whose_hash_is_not_its_leaf(store: EventStore, db_url: str) -> None:
    await store.append([unit_event(str(i)) for i in range(600)])
    guard = (
        "DROP TRIGGER events_no_update;" if db_url.startswith("sqlite") else "SET session_replication_role = replica;"
    )
    await raw_sql(db_url, f"{guard} UPDATE events SET hash = '{'1' * 64}' WHERE position = 333;")
    audit = await audit_tiles(store.backend, 600)
    assert audit.problem == "position 333: its hash is not the leaf the Merkle tree holds for it"


async def _forget_tiles(url: str) -> None:
    """Empty the tiles table (as if the ledger predated it), triggers dropped by the owner."""
    if url.startswith("sqlite"):
        drop = "DROP TRIGGER merkle_tiles_no_delete; DROP TRIGGER merkle_leaves_no_delete;"
    else:
        drop = (
            "DROP TRIGGER merkle_tiles_grow_only ON merkle_tiles;"
            "DROP TRIGGER merkle_leaves_append_only ON merkle_leaves;"
        )
    await raw_sql(url, f"{drop} DELETE FROM merkle_tiles; DELETE FROM merkle_leaves;")


async def test_a_cut_of_the_events_and_their_tiles_is_noticed_by_the_writer(store: EventStore, db_url: str) -> None:
    """A careful intruder deletes the last event and its leaf: the writer still remembers it."""
    await store.append([unit_event(str(i)) for i in range(12)])
    await delete_last_event(db_url)
    if db_url.startswith("sqlite"):
        drop = "DROP TRIGGER merkle_leaves_no_update;"
    else:
        drop = "DROP TRIGGER merkle_leaves_append_only ON merkle_leaves;"
    await raw_sql(db_url, f"{drop} UPDATE merkle_leaves SET hashes = substr(hashes, 1, 11 * 32);")
    assert await stored_size(store.backend) == 11
    with pytest.raises(IntegrityAlarm, match=r"positions 12\.\.12 are missing: this process appended them"):
        await store.append([unit_event("next")])
