"""Snapshots of the rules' state: a start that restores one decides exactly as one that folds
the whole log, and a snapshot that is not the ledger's own, or not of this log or this code,
is never read (ledger/store/snapshots.py)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from structlog.testing import capture_logs

import ledger.domain.snapshot as parts_of
from ledger.checkpoint import LogKey, load_or_create_signing_key
from ledger.domain import Domain
from ledger.envelope import parse_proposed
from ledger.errors import DomainRefused
from ledger.store import EventStore
from ledger.store import snapshots as snapshots_module
from ops.bootstrap import open_ledger
from ops.demo import generate
from tests.contract.dba import raw_sql
from tests.helpers import unit_event

ENTERPRISES = 40
CITY = "371300"  # the generated city's


@pytest.fixture
def key(tmp_path: Path) -> LogKey:
    return LogKey(load_or_create_signing_key(str(tmp_path / "key.pem")))


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts_of, "PART_ENTITIES", 25)  # many parts, as a city has


async def _append(store: EventStore, envelopes: list[dict[str, Any]]) -> None:
    it = iter(envelopes)
    while batch := list(islice(it, 500)):
        await store.append([parse_proposed(e, "test") for e in batch])


def _state(store: EventStore) -> dict[str, Any]:
    domain = store.decider
    assert isinstance(domain, Domain)
    return {**domain.snapshot(), "anomalies": domain.anomalies, "position": domain.position}


@pytest.fixture
async def city(db_url: str, key: LogKey) -> tuple[str, int]:
    """A small generated city whose rules' state was snapshotted two-thirds of the way."""
    events = list(generate(seed=11, enterprises=ENTERPRISES, years=1))
    cut = len(events) * 2 // 3
    store = await open_ledger(db_url, key=key)
    try:
        await _append(store, events[:cut])
        taken = await store.take_snapshot()
        assert taken.parts > 3
        assert taken.entities > 100
        await _append(store, events[cut:])
    finally:
        await store.close()
    return db_url, taken.position


async def _folded_whole(url: str) -> dict[str, Any]:
    store = await open_ledger(url)  # no key: no snapshot, the whole log folded
    try:
        assert store.snapshots is None
        return _state(store)
    finally:
        await store.close()


async def test_a_start_from_the_snapshot_equals_a_fold_of_the_whole_log(city: tuple[str, int], key: LogKey) -> None:
    url, position = city
    whole = await _folded_whole(url)
    store = await open_ledger(url, key=key)
    try:
        assert store.snapshots is not None
        assert store.snapshots.restored_at == position
        assert position < whole["position"]  # the events after it were folded on top
        assert _state(store) == whole
        # and it decides as the fold does: a change to a registered unit taken, to none refused
        await store.append([unit_event(CITY)])
        with pytest.raises(DomainRefused, match="no unit 'NO-SUCH-UNIT' is registered"):
            await store.append([unit_event("NO-SUCH-UNIT")])
    finally:
        await store.close()


async def test_an_append_before_the_fold_starts_from_the_snapshot(city: tuple[str, int], key: LogKey) -> None:
    """The service folds in the background; an append that comes first restores, then replays."""
    url, position = city
    store = await open_ledger(url, key=key, catch_up=False)
    try:
        await store.append([unit_event(CITY)])
        assert store.snapshots is not None
        assert store.snapshots.restored_at == position
    finally:
        await store.close()
    assert (await _folded_whole(url))["aggregates"][f"unit:{CITY}"]["name"] == f"单位{CITY}"


async def _refused(url: str, key: LogKey, why: str) -> None:
    whole = await _folded_whole(url)
    with capture_logs() as logs:
        store = await open_ledger(url, key=key)
    try:
        assert store.snapshots is not None
        assert store.snapshots.restored_at == 0
        assert _state(store) == whole  # folded from the log instead, which is always right
    finally:
        await store.close()
    errors = [e["event"] for e in logs if e["log_level"] == "error"]
    assert any(why in e for e in errors), errors


async def test_a_changed_part_is_refused(city: tuple[str, int], key: LogKey) -> None:
    url, _ = city
    # a valid part of the same snapshot, in the wrong place: it would unpickle, but is refused
    await raw_sql(
        url,
        "UPDATE rules_snapshot_parts SET body = (SELECT body FROM rules_snapshot_parts WHERE part = 3) WHERE part = 2",
    )
    await _refused(url, key, "its signature does not hold")


async def test_a_snapshot_signed_by_another_key_is_refused(city: tuple[str, int], key: LogKey) -> None:
    """Someone who can write the table but not sign cannot slip a state in."""
    url, _ = city
    await _refused(url, LogKey(Ed25519PrivateKey.generate()), "its signature does not hold")


async def test_a_missing_part_is_refused(city: tuple[str, int], key: LogKey) -> None:
    url, _ = city
    await raw_sql(url, "DELETE FROM rules_snapshot_parts WHERE part = 1")
    await _refused(url, key, "parts of")


async def test_a_snapshot_of_another_log_is_refused(city: tuple[str, int], key: LogKey) -> None:
    url, _ = city
    await raw_sql(url, "UPDATE rules_snapshots SET event_hash = 'ab' || substr(event_hash, 3)")
    await _refused(url, key, "names an event the log does not hold")


async def test_another_codes_snapshot_is_not_read(
    city: tuple[str, int], key: LogKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = city
    monkeypatch.setattr(snapshots_module, "rules_fingerprint", lambda: "0" * 32)
    with capture_logs() as logs:
        store = await open_ledger(url, key=key)
    try:
        assert store.snapshots is not None
        assert store.snapshots.restored_at == 0
        assert _state(store) == await _folded_whole(url)
    finally:
        await store.close()
    assert any("no snapshot of the rules' state this code can read" in e["event"] for e in logs)


async def test_the_newest_snapshots_are_kept(city: tuple[str, int], key: LogKey) -> None:
    url, first = city
    store = await open_ledger(url, key=key)
    try:
        second = await store.take_snapshot()
        assert await store.take_snapshot() == second  # nothing folded since: the same one, not cut again
        await store.append([unit_event(CITY)])
        third = await store.take_snapshot()
        assert first < second.position < third.position
        rows = await store.backend.fetch("SELECT position FROM rules_snapshots ORDER BY position")
        assert [r[0] for r in rows] == [second.position, third.position]
        kept = await store.backend.fetch("SELECT DISTINCT position FROM rules_snapshot_parts ORDER BY position")
        assert [r[0] for r in kept] == [second.position, third.position]
        assert not await store.snapshots.due()  # type: ignore[union-attr]
    finally:
        await store.close()


async def test_progress_counts_every_entity(city: tuple[str, int], key: LogKey) -> None:
    url, _ = city
    store = await open_ledger(url, key=key)
    told: list[int] = []
    tell: Callable[[int], None] = told.append
    try:
        taken = await store.take_snapshot(tell)
    finally:
        await store.close()
    assert sum(told) == taken.entities
    assert len(told) == taken.parts


async def test_a_store_without_rules_keeps_no_snapshots(db_url: str, key: LogKey) -> None:
    from ledger.decider import AcceptAll

    with pytest.raises(TypeError, match="rules' state"):
        await open_ledger(db_url, decider=AcceptAll(), key=key)
    store = await open_ledger(db_url, decider=AcceptAll())
    try:
        with pytest.raises(RuntimeError, match="keeps no snapshots"):
            await store.take_snapshot()
    finally:
        await store.close()


async def test_a_signed_snapshot_that_cannot_be_read_is_not_used(
    city: tuple[str, int], key: LogKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed, of this log and code, yet unreadable (a bug of ours): the error is logged, the
    state is not half-loaded, the log is folded."""
    url, _ = city
    store = await open_ledger(url, key=key)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(Domain, "state_parts", lambda self: iter([b"not a pickle"]))
            await store.take_snapshot()
    finally:
        await store.close()
    await _refused(url, key, "could not be read")
