"""A cut or rewritten log is noticed (issue 10 item 4), on both backends.

A database administrator deletes the last event (dropping the append-only trigger) or
changes one byte of one event. The ledger never signs a root over the changed event,
``ledger verify`` names what is missing or altered (exit 1), and a log shorter than a
checkpoint it signed is an alarm: ``/readyz`` fails and every write is refused (503).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application, Request

from api.app import create_app
from api.tokens import create_token
from ledger.checkpoint import LogKey, load_or_create_signing_key, open_checkpoint
from ledger.domain import Domain
from ledger.envelope import StoredEvent
from ledger.merkle import event_leaf_hash, proof_from_hex, verify_consistency
from ledger.note import parse_vkey
from ops.bootstrap import open_ledger
from ops.config import Settings
from tests.contract.dba import change_one_byte, delete_last_event, raw_sql
from tests.projections.support import ledger_with, sample_events

HAZARD = {
    "type": "hazard.reported",
    "occurred_at": "2019-12-30T09:00:00+08:00",
    "data": {
        "hazard_id": "HZ-TAMPER-1",
        "unit_id": "91371302MA3C4R1X0A",
        "severity": "general",
        "description": "消防通道堵塞",
        "source": "self_check",
    },
}


@asynccontextmanager
async def _service(url: str, key: Path) -> AsyncIterator[TestClient[Request, Application]]:
    client = TestClient(TestServer(create_app(Settings(database_url=url, signing_key=str(key)))))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def _ledger(url: str) -> str:
    """The 临沂 sample, its read models caught up; an admin token."""
    async with ledger_with(url, sample_events()) as (store, _runner):
        _, token = await create_token(store.backend, role="admin", scope=None, name="tamper test")
    return token


def _verify(url: str, key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", "--database", url, "verify"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "LEDGER_SIGNING_KEY": str(key), "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


async def test_a_deleted_last_event_is_noticed(db_url: str, tmp_path: Path) -> None:
    token = await _ledger(db_url)
    auth = {"Authorization": f"Bearer {token}"}
    key = tmp_path / "signing.key"
    head = len(sample_events())
    async with _service(db_url, key) as client:
        checkpoint = await (await client.get("/v1/integrity/checkpoint", headers=auth)).json()
        assert checkpoint["size"] == head
        assert (await client.get("/readyz")).status == 200
        await delete_last_event(db_url)  # behind the running service's back
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert f"positions {head}..{head} are missing" in (await ready.json())["integrity"]
        refused = await client.post("/v1/events", json=HAZARD, headers=auth)
        assert refused.status == 503
        problem = await refused.json()
        assert problem["type"].endswith("/integrity-alarm")
        assert f"positions {head}..{head} are missing" in problem["detail_en"]

    checked = await asyncio.to_thread(_verify, db_url, key)
    assert checked.returncode == 1
    assert f"positions {head}..{head} are missing" in checked.stderr
    assert "Merkle tree" in checked.stderr
    assert "checkpoint" in checked.stderr

    async with _service(db_url, key) as client:  # a restarted service notices at once
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["status"] == "integrity alarm"
        assert (await client.post("/v1/events", json=HAZARD, headers=auth)).status == 503
        assert (await client.get("/v1/integrity/checkpoint", headers=auth)).status == 503
        assert (await client.get("/log/checkpoint")).status == 503
    checked = await asyncio.to_thread(_verify, db_url, key)
    assert checked.returncode == 1  # nothing was appended: the position was not reused


async def test_a_changed_byte_is_never_signed_over(db_url: str, tmp_path: Path) -> None:
    token = await _ledger(db_url)
    auth = {"Authorization": f"Bearer {token}"}
    key = tmp_path / "signing.key"
    head = len(sample_events())
    position = 42
    async with _service(db_url, key) as client:
        before = await (await client.get("/v1/integrity/checkpoint", headers=auth)).json()
        page = await (await client.get("/v1/events", headers=auth, params={"after": position - 1, "limit": 1})).json()
        original = page["events"][0]
        name = original["data"]["name"]  # 赵敏, a person.registered
        await change_one_byte(db_url, position, name, name[:-1] + "民")
        posted = await client.post("/v1/events", json=HAZARD, headers=auth)
        assert posted.status == 201, await posted.text()
        consistency = await (
            await client.get("/v1/integrity/consistency", headers=auth, params={"from": head, "to": head + 1})
        ).json()
        log = parse_vkey(before["vkey"])
        old, new = (open_checkpoint(c["note"], log)[0].checkpoint for c in (before, consistency["checkpoints"][1]))
        assert new.size == head + 1
        # the tree signed after the change is the tree of the original event …
        assert verify_consistency(head, head + 1, old.root, new.root, proof_from_hex(consistency["proof"]))
        # … and the changed event, hashed as it now reads, is in neither
        page = await (await client.get("/v1/events", headers=auth, params={"after": position - 1, "limit": 1})).json()
        changed = page["events"][0]
        assert changed["data"] != original["data"]
        rehashed = StoredEvent(**changed).expected_hash()
        assert rehashed != original["hash"] == changed["hash"]
        tile = await (await client.get(f"/log/tile/0/000.p/{head + 1}")).read()  # public: no token
        leaf = tile[(position - 1) * 32 : position * 32]
        assert leaf == event_leaf_hash(original["hash"]) != event_leaf_hash(rehashed)
        # asked for a proof of the changed event itself, the service refuses and raises the alarm
        refused = await client.get(f"/v1/integrity/proof/{position}", headers=auth)
        assert refused.status == 503
        assert f"position {position}" in (await refused.json())["detail_en"]
        assert (await client.get("/readyz")).status == 503

    checked = await asyncio.to_thread(_verify, db_url, key)
    assert checked.returncode == 1
    assert f"chain broken at position {position}" in checked.stderr


async def test_a_changed_snapshot_of_the_rules_state_is_noticed(db_url: str, tmp_path: Path) -> None:
    """`ledger verify` checks the stored snapshots too: one changed in the database (a state
    slipped in that the log does not imply) fails it, before a restart would refuse it."""
    await _ledger(db_url)
    key = tmp_path / "signing.key"
    store = await open_ledger(db_url, key=LogKey(load_or_create_signing_key(str(key))))
    try:
        taken = await store.take_snapshot()
    finally:
        await store.close()
    checked = await asyncio.to_thread(_verify, db_url, key)
    assert checked.returncode == 0, checked.stderr
    assert f"snapshot of the rules' state at position {taken.position} holds (signed, of this log, and the log" in (
        checked.stdout
    )
    await raw_sql(db_url, "UPDATE rules_snapshots SET entities = entities + 1")
    checked = await asyncio.to_thread(_verify, db_url, key)
    assert checked.returncode == 1
    assert f"snapshot of the rules' state at position {taken.position}: its signature does not hold" in checked.stderr


async def test_a_snapshot_signed_yet_unlike_the_log_fails_verify(db_url: str, tmp_path: Path) -> None:
    """A snapshot signed with the ledger's key whose state the log does not imply (a bug of
    ours, or a forgery by whoever holds the key): `ledger verify` folds the log to its
    position, compares, and names the difference."""
    await _ledger(db_url)
    key = tmp_path / "signing.key"
    store = await open_ledger(db_url, key=LogKey(load_or_create_signing_key(str(key))))
    try:
        assert isinstance(store.decider, Domain)
        hazard = next(s for s in store.decider.tables.aggregates if s.startswith("hazard:"))
        del store.decider.tables.aggregates[hazard]  # a state that forgot a hazard, then signed
        taken = await store.take_snapshot()
    finally:
        await store.close()
    checked = await asyncio.to_thread(_verify, db_url, key)
    assert checked.returncode == 1
    assert (
        f"snapshot of the rules' state at position {taken.position}: its state is not what the log implies "
        f"there: 1 entities differ, e.g. {hazard}"
    ) in checked.stderr
