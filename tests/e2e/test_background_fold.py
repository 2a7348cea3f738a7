"""The service answers at once: the rules' state (the decider) is folded in the background
(issue 14: a start that does not grow with the log). An append, a scoped read or a stream's
state asked for before that fold ends first folds what is left — the rules judge every event
on the whole log, and nothing is folded twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from api.app import STORE, create_app
from ledger.domain import Domain
from ledger.envelope import parse_proposed
from ledger.errors import DomainRefused
from ledger.store import snapshots
from ops.bootstrap import open_ledger
from ops.config import Settings
from tests.api.support import LedgerTestServer, service
from tests.projections.support import ledger_with, sample_events

REOPENED = {  # HZ-2019-0001 was closed (销号) in the sample: nothing more can be recorded on it
    "type": "hazard.assigned",
    "occurred_at": "2019-12-01T10:00:00+08:00",
    "data": {"hazard_id": "HZ-2019-0001", "responsible": "P-371302001-002", "deadline": "2019-12-09T18:00:00+08:00"},
}


async def _folded_alone(url: str) -> dict[str, object]:
    store = await open_ledger(url)
    try:
        assert isinstance(store.decider, Domain)
        return store.decider.snapshot()
    finally:
        await store.close()


async def test_an_append_during_the_background_fold_is_judged_on_the_whole_log(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()):
        pass
    expected = await _folded_alone(db_url)
    store = await open_ledger(db_url, catch_up=False)
    try:
        assert store.decider.position == 0
        fold = asyncio.create_task(store.catch_up())
        await asyncio.sleep(0)  # the fold has begun
        with pytest.raises(DomainRefused) as refused:
            await store.append([parse_proposed(REOPENED, "test")])
        assert refused.value.rule == "hazard.lifecycle"
        head = (await store.head()).position
        assert await fold == head
        assert isinstance(store.decider, Domain)
        assert store.decider.anomalies == []
        assert store.decider.snapshot() == expected  # every event folded once, in order
    finally:
        await store.close()


async def test_the_service_judges_scope_and_state_on_the_whole_log_from_its_first_request(sqlite_url: str) -> None:
    """A recorder of 兰山区 posts about an enterprise of 兰山区 the moment the service is up;
    a stream's state is the folded one."""
    async with service(sqlite_url) as svc:
        hazard = {
            "type": "hazard.reported",
            "occurred_at": "2019-12-01T10:00:00+08:00",
            "data": {
                "hazard_id": "HZ-FOLD-1",
                "unit_id": "91371302MA3D7K2Y1B",
                "severity": "general",
                "description": "配电箱未接地",
                "source": "self_check",
            },
        }
        status, body = await svc.post(hazard, role="recorder")
        assert status == 201, body
        status, body = await svc.get("/v1/streams/hazard:HZ-2019-0001")
        assert status == 200
        assert body["state"]["state"] == "closed"


async def test_a_long_fold_leaves_a_snapshot_the_next_start_begins_from(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start that had to fold many events takes a signed snapshot of the rules' state; the
    next start restores it and folds only what came after (ledger/store/snapshots.py)."""
    monkeypatch.setattr(snapshots, "SNAPSHOT_AFTER", 100)  # a city's 50,000, scaled to the sample
    async with ledger_with(sqlite_url, sample_events()):
        pass
    head = await _head(sqlite_url)
    settings = Settings(database_url=sqlite_url, signing_key=str(tmp_path / "signing.key"))
    for start in ("first", "second"):
        client = TestClient(LedgerTestServer(create_app(settings)))
        await client.start_server()
        try:
            store = client.app[STORE]
            assert store.snapshots is not None
            for _ in range(200):  # the fold, and then the snapshot, run in the background
                taken = await store.snapshots.latest()
                if taken is not None and store.decider.position == head:
                    break
                await asyncio.sleep(0.05)
            assert taken is not None
            assert taken.position == head
            assert store.snapshots.restored_at == (0 if start == "first" else head)
            rules = (await (await client.get("/readyz")).json())["rules"]
            assert rules == {"folded": head, "from_snapshot": None if start == "first" else head}
        finally:
            await client.close()


async def _head(url: str) -> int:
    store = await open_ledger(url)
    try:
        return (await store.head()).position
    finally:
        await store.close()
