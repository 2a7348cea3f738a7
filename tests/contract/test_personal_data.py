"""Crypto-shredding on both backends (SPEC §4): personal fields are stored sealed under a key
per person kept outside the hash chain; ``person.erased`` destroys the key; the chain, its
hashes and proofs are untouched."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from ledger.envelope import Proposed, parse_proposed
from ledger.errors import DomainRefused, InvalidEnvelope
from ledger.personal import ERASED, is_sealed
from ledger.store import EventStore
from ops.bootstrap import open_ledger, personal_data

ID_NUMBER = "37130219900101123X"
PHONE = "13853912345"


def _event(type_: str, data: dict[str, Any], key: str | None = None) -> Proposed:
    envelope = {"type": type_, "occurred_at": "2019-10-01T09:00:00+08:00", "data": data, "idempotency_key": key}
    return parse_proposed(envelope, "test")


REGISTER = {"person_id": "P-1", "name": "杨娜颖", "title": "安监站站长", "unit_id": "371302", "id_number": ID_NUMBER}


async def _registered(url: str) -> EventStore:
    store = await open_ledger(url)
    await store.append([_event("unit.registered", {"unit_id": "371302", "kind": "county", "name": "兰山区"})])
    await store.append([_event("person.registered", {**REGISTER, "phone": PHONE}, "reg-1")])
    return store


async def _dump(url: str, tmp_path: Path) -> bytes:
    """Every byte the database holds for us: the SQLite files, or a pg_dump of the database."""
    if url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump is needed to read the whole PostgreSQL database (apt-get install postgresql-client)")
    out = tmp_path / "dump.sql"
    command = [pg_dump, "--no-owner", "--file", str(out), url]
    await asyncio.to_thread(subprocess.run, command, check=True, timeout=120)
    return out.read_bytes()


def _forms(value: str) -> list[bytes]:
    """The value and what could betray it: its SHA-256 (hex and raw)."""
    digest = hashlib.sha256(value.encode())
    return [value.encode(), digest.hexdigest().encode(), digest.digest()]


async def test_personal_fields_are_stored_sealed_and_nothing_derived_from_them_in_clear(
    db_url: str, tmp_path: Path
) -> None:
    """The log holds the sealed text; the request fingerprint covers the sealed text too; a
    retried post with the same idempotency key stores nothing new."""
    store = await _registered(db_url)
    try:
        (event,) = await store.read_stream("person:P-1")
        assert is_sealed(event.data["id_number"])
        assert is_sealed(event.data["phone"])
        plain = _event("person.registered", {**REGISTER, "phone": PHONE}, "reg-1")
        retried = await store.append([plain])
        assert retried == [event]
        assert (await store.head()).position == 2
        dump = await _dump(db_url, tmp_path)
        for secret in (ID_NUMBER, PHONE):
            for form in _forms(secret):
                assert form not in dump, (secret, form)
        assert plain.request_hash().encode() not in dump  # the fingerprint of the plain body
        revealed = await personal_data(store).reveal([event])
        assert revealed == {2: {("id_number",): ID_NUMBER, ("phone",): PHONE}}
    finally:
        await store.close()


async def test_erasure_destroys_the_key_and_the_chain_still_holds(db_url: str, tmp_path: Path) -> None:
    """After person.erased the fields read as erased; the chain verifies; a person erased
    stays erased (no second erasure, no new personal data); other changes are still taken."""
    store = await _registered(db_url)
    try:
        personal = personal_data(store)
        (registered,) = await store.read_stream("person:P-1")
        await store.append([_event("person.erased", {"person_id": "P-1", "reason": "本人申请删除"})])
        assert await personal.keys(["P-1"]) == {"P-1": None}
        assert await personal.reveal([registered]) == {2: {("id_number",): ERASED, ("phone",): ERASED}}
        (shown,) = await personal.present([registered], may_read=True)
        assert shown["data"]["id_number"] == ERASED
        assert shown["sealed"]["id_number"] == registered.data["id_number"]
        assert shown["hash"] == registered.hash
        report = await store.verify()
        assert report.ok
        assert report.count == 3

        with pytest.raises(DomainRefused, match="erased"):
            await store.append([_event("person.erased", {"person_id": "P-1", "reason": "再次"})])
        with pytest.raises(DomainRefused, match="erased"):
            await store.append([_event("person.updated", {"person_id": "P-1", "changes": {"phone": PHONE}})])
        await store.append([_event("person.updated", {"person_id": "P-1", "changes": {"title": "副站长"}})])
        assert (await store.head()).position == 4
        assert await personal.keys(["P-1"]) == {"P-1": None}  # no key is ever made again
    finally:
        await store.close()


async def test_a_malformed_personal_value_is_refused_and_appends_nothing(db_url: str) -> None:
    store = await _registered(db_url)
    try:
        bad = {**REGISTER, "person_id": "P-2", "id_number": "37130219900101123"}
        with pytest.raises(InvalidEnvelope) as refused:
            await store.append([_event("person.registered", bad)])
        assert "data/id_number" in str(refused.value)
        assert "37130219900101123" not in str(refused.value)
        assert (await store.head()).position == 2
    finally:
        await store.close()


async def test_an_erasure_interrupted_before_the_key_went_is_finished_when_the_ledger_opens(db_url: str) -> None:
    """A crash between the append of person.erased and the key's destruction leaves the key
    behind; the next open_ledger destroys it."""
    store = await _registered(db_url)
    try:
        step = store.step
        store.step = None  # as if the process died right after the append
        await store.append([_event("person.erased", {"person_id": "P-1", "reason": "本人申请删除"})])
        store.step = step
        assert (await personal_data(store).keys(["P-1"]))["P-1"] is not None
    finally:
        await store.close()
    reopened = await open_ledger(db_url)
    try:
        assert await personal_data(reopened).keys(["P-1"]) == {"P-1": None}
    finally:
        await reopened.close()


async def test_the_destroyed_key_leaves_no_trace_in_the_sqlite_files(sqlite_url: str) -> None:
    """SQLite overwrites the key where it stood and empties its WAL, while the ledger runs."""
    store = await _registered(sqlite_url)
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    try:
        rows = await store.backend.fetch("SELECT key FROM person_keys WHERE person_id = ?", "P-1")
        key_text = rows[0][0].encode()
        assert key_text in b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        await store.append([_event("person.erased", {"person_id": "P-1", "reason": "本人申请删除"})])
        assert key_text not in b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    finally:
        await store.close()


async def test_the_service_role_may_destroy_keys_but_never_touch_events(pg_url: str) -> None:
    """PostgreSQL: ledger_app deletes a key; UPDATE and DELETE of the log stay refused to it."""
    store = await _registered(pg_url)
    await store.close()
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("SET ROLE ledger_app")
        await conn.execute("DELETE FROM person_keys WHERE person_id = 'P-1'")
        for sql in ("UPDATE events SET actor = 'x' WHERE position = 2", "DELETE FROM events WHERE position = 2"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(sql)
    finally:
        await conn.close()


async def test_ledger_import_seals_personal_fields_like_a_post(db_url: str, tmp_path: Path) -> None:
    """`ledger import` appends through the same step: the file's id number is stored sealed."""
    from ops.importer import import_file

    store = await _registered(db_url)
    try:
        line = {
            "type": "person.registered",
            "occurred_at": "2019-10-01T09:00:00+08:00",
            "data": {**REGISTER, "person_id": "P-2", "id_number": "371302198001010011"},
        }
        path = tmp_path / "people.jsonl"
        path.write_bytes(orjson.dumps(line) + b"\n")
        result = await import_file(store, path, actor="cli:test")
        assert result.appended == 1
        (event,) = await store.read_stream("person:P-2")
        assert is_sealed(event.data["id_number"])
        assert await personal_data(store).reveal([event]) == {3: {("id_number",): "371302198001010011"}}
    finally:
        await store.close()
