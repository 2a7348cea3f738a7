"""Group commit isolation: no request's values can fail another request's append.

Every value is checked before it joins a group; and should the database still refuse a
group's rows, the appender writes the group again in halves until the request at fault
stands alone, refuses it alone and commits every other one. Both backends.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest

from ledger.errors import InvalidEnvelope, RowsRefused
from ledger.store import EventStore
from ledger.store.base import StoredRow, WriteTx
from tests.helpers import unit_event

POISON = "refused by the database"


class _RefusingTx:
    """A write transaction whose database refuses any row holding POISON (a fake of a
    database refusing a value it cannot hold, which the checks before did not foresee)."""

    def __init__(self, tx: WriteTx) -> None:
        self._tx = tx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    async def insert(self, rows: Sequence[StoredRow]) -> None:
        for index, row in enumerate(rows):
            if POISON in str(row.event.data):
                raise RowsRefused("a value it cannot hold", "data", index)
        await self._tx.insert(rows)


def _refusing(store: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
    original = store.backend.write_transaction

    @asynccontextmanager
    async def write_transaction() -> AsyncIterator[_RefusingTx]:
        async with original() as tx:
            yield _RefusingTx(tx)

    monkeypatch.setattr(store.backend, "write_transaction", write_transaction)


async def _thirty_and_one(store: EventStore, bad_index: int, bad: Any) -> list[Any]:
    requests = [[unit_event(f"U{i}")] for i in range(30)]
    requests.insert(bad_index, bad)
    return await asyncio.gather(*(store.append(r) for r in requests), return_exceptions=True)


@pytest.mark.parametrize("bad_index", [0, 17, 30])
async def test_a_group_the_database_refuses_is_written_again_without_the_request_at_fault(
    store: EventStore, monkeypatch: pytest.MonkeyPatch, bad_index: int
) -> None:
    """31 concurrent posts share a group; the database refuses one post's row: that post
    alone is refused (naming its event and field), the 30 others are appended, in order."""
    _refusing(store, monkeypatch)
    await store.append([unit_event("warm-up")])
    before = store.groups_written
    bad = [unit_event("V1"), _with_name(unit_event("V2"), POISON)]
    results = await _thirty_and_one(store, bad_index, bad)
    refused = results.pop(bad_index)
    assert isinstance(refused, InvalidEnvelope)
    assert (refused.index, refused.errors[0].path) == (1, "data")
    assert all(isinstance(r, list) for r in results), results
    streams = [e.stream for e in await store.read(after=1)]
    assert streams == [f"unit:U{i}" for i in range(30)]
    assert store.groups_written - before > 1  # written again, in parts
    assert (await store.verify()).ok
    assert (await store.append([unit_event("after")]))[0].position == 32


async def test_a_value_no_database_can_hold_is_refused_before_it_joins_a_group(store: EventStore) -> None:
    """The store's own guard, for every caller: NUL or a lone surrogate in any string of an
    event, a control character, or an over-long key, is refused with the field named."""
    cases = {
        "stream": dataclasses.replace(unit_event("A"), stream="unit:A\x00"),
        "actor": dataclasses.replace(unit_event("A"), actor="test\ud800"),
        "idempotency_key": dataclasses.replace(unit_event("A"), idempotency_key="k" * 201),
        "data/changes/name": _with_name(unit_event("A"), "名称\x00"),
    }
    for field, event in cases.items():
        results = await asyncio.gather(store.append([unit_event("B")]), store.append([event]), return_exceptions=True)
        assert isinstance(results[0], list)
        assert isinstance(results[1], InvalidEnvelope), field
        assert results[1].errors[0].path == field
    assert [e.stream for e in await store.read()] == ["unit:B"] * len(cases)


async def test_postgres_refusing_a_nul_fails_only_the_request_at_fault(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the guard, PostgreSQL itself refuses a NUL in a stream name: the appender
    finds the request among 31 and refuses it alone (saying why), the 30 are appended."""
    from ledger.decider import AcceptAll
    from ops.bootstrap import open_ledger

    monkeypatch.setattr("ledger.store.base.check_storable", lambda events: None)
    store = await open_ledger(pg_url, decider=AcceptAll())
    try:
        bad = [dataclasses.replace(unit_event("V"), stream="unit:V\x00")]
        results = await _thirty_and_one(store, 11, bad)
        refused = results.pop(11)
        assert isinstance(refused, InvalidEnvelope)
        assert "0x00" in refused.errors[0].message
        assert all(isinstance(r, list) for r in results)
        assert len(await store.read()) == 30
        assert (await store.verify()).ok
    finally:
        await store.close()


def _with_name(event: Any, name: str) -> Any:
    data = {**event.data, "changes": {"name": name}}
    return dataclasses.replace(event, data=data, data_bytes=b"")
