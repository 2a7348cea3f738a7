"""The notary signs only what the log still holds, and remembers what it signed outside the database."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import LogKey
from ledger.errors import IntegrityAlarm
from ledger.integrity import CheckpointRecord, Notary, record_path
from ledger.merkle import MerkleLog
from ledger.store import EventStore
from tests.contract.dba import raw_sql
from tests.helpers import unit_event


def _notary(store: EventStore, key: LogKey, tmp_path: Path) -> Notary:
    return Notary(store.backend, key, CheckpointRecord(record_path(tmp_path / "signing.key"), key))


@pytest.fixture
def key() -> LogKey:
    return LogKey(Ed25519PrivateKey.generate(), "ledger.test/log")


async def test_checkpoints_are_signed_from_the_tiles_recorded_and_reused(
    store: EventStore, key: LogKey, tmp_path: Path
) -> None:
    await store.append([unit_event(str(i)) for i in range(300)])
    notary = _notary(store, key, tmp_path)
    assert await notary.check() is None
    first = await notary.checkpoint()
    log = MerkleLog.from_event_hashes(e.hash for e in await store.read(limit=1000))
    assert (first.checkpoint.size, first.checkpoint.root) == (300, log.root())
    assert await notary.checkpoint() == first  # the head has not moved: the same note
    old = await notary.checkpoint(100)
    assert old.checkpoint.root == log.root(100)
    assert await notary.checkpoint(100) == old  # a size signed before is reused, not signed again
    assert notary.record.latest() == first  # the record keeps the largest tree
    rows = await store.backend.fetch("SELECT size FROM checkpoints ORDER BY seq")
    assert [r[0] for r in rows] == [300, 100]


async def test_the_record_is_read_from_its_end(key: LogKey, tmp_path: Path) -> None:
    """Lines of other keys or garbage are skipped; the largest tree of the last lines wins."""
    record = CheckpointRecord(tmp_path / "r.checkpoints", key)
    assert record.latest() is None
    other = LogKey(Ed25519PrivateKey.generate(), key.origin)
    for size in range(1, 2000):
        record.append(key.sign(size, bytes(32)))
    record.append(key.sign(5, bytes(32)))  # a smaller one written last (another process)
    record.append(other.sign(9999, bytes(32)))  # not ours
    with record.path.open("ab") as file:
        file.write(b"not json\n" + orjson.dumps({"note": "x"}) + b"\n")
    assert record.path.stat().st_size > 200_000
    latest = record.latest()
    assert latest is not None
    assert latest.checkpoint.size == 1999


async def test_a_log_shorter_than_the_record_is_an_alarm_at_start(
    store: EventStore, key: LogKey, tmp_path: Path
) -> None:
    await store.append([unit_event(str(i)) for i in range(10)])
    notary = _notary(store, key, tmp_path)
    await notary.check()
    await notary.checkpoint()
    notary.record.append(key.sign(12, bytes(32)))  # as if signed by a process whose events were then deleted
    again = _notary(store, key, tmp_path)
    alarm = await again.check()
    assert alarm is not None
    assert "positions 11..12 are missing" in alarm
    with pytest.raises(IntegrityAlarm):
        await again.checkpoint()
    with pytest.raises(IntegrityAlarm):
        await store.append([unit_event("next")])


async def test_altered_tiles_stop_the_signing(store: EventStore, key: LogKey, db_url: str, tmp_path: Path) -> None:
    """A hash in the stored tree changed by hand: the next checkpoint is refused, the alarm raised."""
    await store.append([unit_event(str(i)) for i in range(20)])
    notary = _notary(store, key, tmp_path)
    await notary.check()
    await notary.checkpoint()
    guard = (
        "DROP TRIGGER merkle_leaves_no_update;"
        if db_url.startswith("sqlite")
        else "DROP TRIGGER merkle_leaves_append_only ON merkle_leaves;"
    )
    zeros = "zeroblob(length(hashes))" if db_url.startswith("sqlite") else "decode(repeat('00', length(hashes)), 'hex')"
    await raw_sql(db_url, f"{guard} UPDATE merkle_leaves SET hashes = {zeros};")
    fresh = _notary(store, key, tmp_path)  # as after a restart: no tile cached
    assert "not the one signed" in (await fresh.check() or "")
    with pytest.raises(IntegrityAlarm):
        await fresh.checkpoint(5)


async def test_an_append_between_two_reads_is_no_alarm(store: EventStore, key: LogKey, tmp_path: Path) -> None:
    """The head is read, then an append commits, then the tiles are read: the tree holds one
    leaf more than the head said. That is the log growing, not events deleted; nor is a
    checkpoint signed while ``/readyz`` was reading the head."""
    await store.append([unit_event(str(i)) for i in range(10)])
    notary = _notary(store, key, tmp_path)
    await notary.check()
    stale_head = (await store.head()).position
    await store.append([unit_event("meanwhile")])
    await notary._check_tree(stale_head)
    assert notary.alarm is None
    await notary.checkpoint()
    assert await notary.watch() is None
    assert notary.alarm is None
