"""The key table of personal data (crypto-shredding, SPEC §4) and the step around every append.

``person_keys`` holds one 64-byte key per person, outside the hash chain: the log stores
only what ``ledger.personal`` sealed under it. ``PersonalData`` is wired into the store by
``ops.bootstrap.open_ledger``, so every append (``POST /v1/events``, ``ledger import``, the
demo) goes through it:

- ``seal`` (before the append): each posted personal value is checked and replaced by its
  sealed text under the person's key (created on first need). A person whose key was
  destroyed gets no new personal data.
- ``settle`` (after the append): the key of each person a ``person.erased`` names is
  destroyed — the row keeps the person id and ``erased_position``, the key becomes NULL.
  A crash between the append and this step is mended by ``reconcile`` when the ledger opens.
- ``reveal`` / ``present`` (reads): a sealed value opened for those who may read it,
  ``WITHHELD`` for those who may not, ``ERASED`` once the key is gone.

SQLite overwrites the destroyed key in place (``secure_delete``) and truncates its WAL, so
the key's bytes do not stay in the database files. PostgreSQL keeps a dead row version until
VACUUM reuses the space, and its WAL and backups keep what they kept: there, erasure is
complete once those have aged out (README, "Personal data").
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, Final

import orjson
import structlog

from ledger.canonical import canonical_bytes
from ledger.envelope import Proposed, StoredEvent
from ledger.errors import DomainRefused, InvalidEnvelope
from ledger.personal import (
    ERASED,
    PERSONAL_TYPES,
    WITHHELD,
    check_plain,
    is_sealed,
    new_key,
    open_sealed,
    personal_values,
    replace_values,
    seal,
)
from ledger.store.base import Backend
from ledger.timeutil import format_recorded, utc_now

__all__ = ["PersonalData"]

log = structlog.get_logger("ledger.personal")

_CHUNK: Final = 500


class PersonalData:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    # -- the key table ------------------------------------------------------------------

    async def keys(self, person_ids: Iterable[str]) -> dict[str, bytes | None]:
        """The key of each person that has a row: bytes, or None once destroyed."""
        ids = sorted(set(person_ids))
        found: dict[str, bytes | None] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            rows = await self.backend.fetch(
                f"SELECT person_id, key FROM person_keys WHERE person_id IN ({', '.join('?' * len(chunk))})", *chunk
            )
            found.update({r[0]: base64.b64decode(r[1]) if r[1] is not None else None for r in rows})
        return found

    async def _create(self, person_ids: Sequence[str]) -> dict[str, bytes | None]:
        """A key for each person without a row (a concurrent creation keeps the first)."""
        now = format_recorded(utc_now())
        async with self.backend.transaction() as tx:
            await tx.executemany(
                "INSERT INTO person_keys (person_id, key, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(p, base64.b64encode(new_key()).decode("ascii"), now) for p in person_ids],
            )
        return await self.keys(person_ids)

    async def destroy(self, erased: dict[str, int]) -> None:
        """Destroy the keys of ``{person_id: position of its person.erased}``, for good."""
        if not erased:
            return
        now = format_recorded(utc_now())
        async with self.backend.transaction() as tx:
            if self.backend.kind == "sqlite":
                await tx.execute("PRAGMA secure_delete = ON")  # zero the old key in the page
            await tx.executemany(
                "INSERT INTO person_keys (person_id, key, created_at, erased_at, erased_position) "
                "VALUES (?, NULL, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE "
                "SET key = NULL, erased_at = excluded.erased_at, erased_position = excluded.erased_position "
                "WHERE person_keys.erased_position IS NULL",  # the first erasure stays on record
                [(person, now, now, position) for person, position in sorted(erased.items())],
            )
        if self.backend.kind == "sqlite":
            # the WAL still holds the page as it was before: copy back and empty it
            await self.backend.fetch("PRAGMA wal_checkpoint(TRUNCATE)")
        log.info("personal data erased", people=sorted(erased))

    async def reconcile(self) -> int:
        """Destroy any key whose person.erased is in the log but whose key survived (a crash
        between the append and ``settle``); return how many."""
        rows = await self.backend.fetch(
            "SELECT e.position, e.data FROM events e WHERE e.type = ? AND NOT EXISTS "
            "(SELECT 1 FROM person_keys k WHERE k.erased_position = e.position)",
            "person.erased",
        )
        erased = {orjson.loads(data)["person_id"]: int(position) for position, data in rows}
        await self.destroy(erased)
        return len(erased)

    # -- around the append ----------------------------------------------------------------

    async def seal(self, events: Sequence[Proposed]) -> Sequence[Proposed]:
        """``events`` with every personal value sealed; refuses malformed values (naming the
        field, never the value) and new personal data of an erased person."""
        found = [(i, personal_values(e.type, e.data)) for i, e in enumerate(events) if e.type in PERSONAL_TYPES]
        found = [(i, values) for i, values in found if values]
        if not found:
            return events
        owners = sorted({owner for _, values in found for _, owner, _ in values})
        keys = await self.keys(owners)
        missing = [o for o in owners if o not in keys]
        if missing:
            keys.update(await self._create(missing))
        sealed = list(events)
        for index, values in found:
            sealed[index] = _sealed(events[index], values, keys, index)
        return sealed

    async def settle(self, stored: Sequence[StoredEvent]) -> None:
        """After an append: destroy the keys of the people it erased."""
        erased = {e.data["person_id"]: e.position for e in stored if e.type == "person.erased"}
        if erased:
            await asyncio.shield(self.destroy(erased))  # the caller going away must not stop it

    # -- reading --------------------------------------------------------------------------

    async def reveal(self, events: Sequence[StoredEvent]) -> dict[int, dict[tuple[str, ...], Any]]:
        """For each event carrying personal fields, ``{path: plain value or ERASED}``."""
        found = [(e, personal_values(e.type, e.data)) for e in events if e.type in PERSONAL_TYPES]
        found = [(e, values) for e, values in found if values]
        if not found:
            return {}
        keys = await self.keys({owner for _, values in found for _, owner, _ in values})
        out: dict[int, dict[tuple[str, ...], Any]] = {}
        for event, values in found:
            out[event.position] = {f.path: _open(keys.get(owner), owner, f.name, v) for f, owner, v in values}
        return out

    async def present(self, events: Sequence[StoredEvent], may_read: bool) -> list[dict[str, Any]]:
        """Events as an answer shows them: each personal field as its plain value (``may_read``:
        investigators and admins), ``WITHHELD`` or ``ERASED``; an event that carries any also
        carries ``sealed`` ({field path: stored text}), so that its hash still recomputes."""
        opened = await self.reveal(events) if may_read else {}
        out = []
        for event in events:
            body = event.to_json()
            values = personal_values(event.type, event.data) if event.type in PERSONAL_TYPES else []
            if values:
                shown = {f.path: _shown(f.path, event.position, opened, may_read) for f, _, _ in values}
                body["data"] = replace_values(event.data, shown)
                body["sealed"] = {f.pointer: v for f, _, v in values}
            out.append(body)
        if not may_read:
            await self._mark_erased(events, out)
        return out

    async def _mark_erased(self, events: Sequence[StoredEvent], bodies: list[dict[str, Any]]) -> None:
        """Even to those who may not read it, erased data says it is erased, not withheld."""
        people = {owner for e in events for _, owner, _ in personal_values(e.type, e.data)}
        if not people:
            return
        keys = await self.keys(people)
        for event, body in zip(events, bodies, strict=True):
            values = personal_values(event.type, event.data)
            erased = {f.path: ERASED for f, owner, _ in values if owner in keys and keys[owner] is None}
            if erased:
                body["data"] = replace_values(body["data"], erased)


def _shown(path: tuple[str, ...], position: int, opened: dict[int, dict[tuple[str, ...], Any]], may_read: bool) -> Any:
    if not may_read:
        return WITHHELD
    return opened.get(position, {}).get(path, ERASED)


def _open(key: bytes | None, owner: str, name: str, stored: Any) -> Any:
    if key is None or not is_sealed(stored):
        return ERASED
    try:
        return open_sealed(key, owner, name, stored)
    except ValueError:
        log.error("a sealed value does not open under its person's key", person=owner, field=name)
        return ERASED


def _sealed(event: Proposed, values: list[tuple[Any, str, Any]], keys: dict[str, bytes | None], index: int) -> Proposed:
    errors = [e for e in (check_plain(f, v) for f, _, v in values) if e is not None]
    if errors:
        raise InvalidEnvelope(errors, index)
    replacements = {}
    for f, owner, value in values:
        key = keys.get(owner)
        if key is None:
            raise DomainRefused(
                "person.erased",
                f"the personal data of {owner} was erased: no new personal data can be recorded",
                field=f"{f.pointer}",
                index=index,
            )
        replacements[f.path] = seal(key, owner, f.name, value)
    data = replace_values(event.data, replacements)
    return replace(event, data=data, data_bytes=canonical_bytes(data))
