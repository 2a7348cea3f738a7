"""Snapshots of the rules' state in the database (tables ``rules_snapshots`` and
``rules_snapshot_parts``, migration 180; the bytes are ``ledger/domain/snapshot.py``'s).

A start restores the latest snapshot its own code took and folds only the events after it
(``EventStore.catch_up``): the first append after a restart waits seconds, not the fold of
the whole log. A snapshot is a cache of what the log implies, never a record of its own:

- **whose code**: ``rules_fingerprint`` covers the domain's source, this module's (how the
  bytes are stored), the Python version and the eventsourcing library's; a snapshot of
  other code is not read (the log is folded);
- **which log**: it names the event it reflects by position and hash; a log whose event
  there differs (rewritten by hand) is folded from its start instead, and said loudly;
- **what is stored**: the domain's parts, each compressed (zlib, level 1: a quarter of the
  bytes); the signature covers the stored bytes, checked before anything is decompressed;
- **whose hand**: it is signed with the ledger's key (the checkpoints' Ed25519 key) over its
  fingerprint, position, event hash and every part's SHA-256; nothing of it is unpickled
  before the signature holds. Someone who can write the table but not sign (a database
  administrator) cannot slip a state in: a bad snapshot is refused with an error logged,
  and the log is folded instead, which is always right.

Snapshots are taken by ``ledger snapshot`` (nightly, from cron or a timer) and by the service
after a start that had to fold ``SNAPSHOT_AFTER`` events or more; the newest
``SNAPSHOTS_KEPT`` are kept, older ones deleted with their parts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import hashlib
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import structlog
from cryptography.exceptions import InvalidSignature

from ledger.checkpoint import LogKey
from ledger.domain import snapshot as parts_of
from ledger.store.base import Backend
from ledger.store.sql import SQLTx
from ledger.timeutil import format_recorded, utc_now

__all__ = [
    "SNAPSHOTS_KEPT",
    "SNAPSHOT_AFTER",
    "RulesSnapshots",
    "Snapshot",
    "Snapshotable",
    "rules_fingerprint",
]

log = structlog.get_logger("ledger.snapshots")

#: how many snapshots are kept (the newest, of any code)
SNAPSHOTS_KEPT = 2
#: a service start that folded at least this many events past the latest snapshot takes one
SNAPSHOT_AFTER = 50_000
#: parts read from the database at a time while loading
_READ_PARTS = 32
_DOMAIN = Path(__file__).resolve().parent.parent / "domain"
#: what a snapshot's bytes depend on: the domain's code, the catalogue, and how they are stored
_SOURCES = (*sorted(_DOMAIN.glob("*.py")), _DOMAIN.parent / "catalogue.py", Path(__file__).resolve())


class StateLoading(Protocol):
    @property
    def entities(self) -> int: ...

    def add(self, body: bytes) -> None: ...

    def install(self, position: int) -> None: ...


class Snapshotable(Protocol):
    """The rules' state (``ledger.domain.Domain``): what a snapshot is taken of."""

    position: int

    @property
    def entities(self) -> int: ...

    def state_parts(self) -> Iterator[bytes]: ...

    def loader(self) -> StateLoading: ...


def rules_fingerprint() -> str:
    """Which code a snapshot belongs to: the domain's and this module's source, Python,
    eventsourcing."""
    import eventsourcing

    digest = hashlib.sha256()
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]}\n".encode())
    digest.update(f"eventsourcing {getattr(eventsourcing, '__version__', '?')}\n".encode())
    for path in _SOURCES:
        digest.update(path.name.encode() + b"\n" + path.read_bytes())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Snapshot:
    """One stored snapshot's manifest."""

    fingerprint: str
    position: int
    event_hash: str
    taken_at: str
    parts: int
    entities: int
    size: int
    signature: str = ""

    def message(self, digests: list[bytes]) -> bytes:
        """What the ledger's key signs: the manifest and every part's SHA-256, in order."""
        lines = [
            "duty-ledger rules snapshot v1",
            self.fingerprint,
            str(self.position),
            self.event_hash,
            self.taken_at,
            str(self.parts),
            str(self.entities),
            str(self.size),
            *(d.hex() for d in digests),
        ]
        return "\n".join(lines).encode()


_COLUMNS = "fingerprint, position, event_hash, taken_at, parts, entities, size, signature"


class RulesSnapshots:
    """Take and restore snapshots of ``domain`` (wired by ``ops.bootstrap.open_ledger``)."""

    def __init__(self, backend: Backend, key: LogKey, domain: Snapshotable) -> None:
        self.backend, self.key, self.domain = backend, key, domain
        self.fingerprint = rules_fingerprint()
        #: the position the domain was restored at (0: folded from the log's start)
        self.restored_at = 0

    async def latest(self, head: int | None = None) -> Snapshot | None:
        """The newest snapshot this code can read (at or below ``head`` when given); not
        checked: ``load`` checks."""
        bound, args = ("", []) if head is None else (" AND position <= ?", [head])
        rows = await self.backend.fetch(
            f"SELECT {_COLUMNS} FROM rules_snapshots WHERE fingerprint = ?{bound} ORDER BY position DESC LIMIT 1",
            self.fingerprint,
            *args,
        )
        return Snapshot(*rows[0]) if rows else None

    async def stored_at(self, position: int) -> Snapshot | None:
        """This code's snapshot of the state at ``position``, if one is stored."""
        rows = await self.backend.fetch(
            f"SELECT {_COLUMNS} FROM rules_snapshots WHERE fingerprint = ? AND position = ?", self.fingerprint, position
        )
        return Snapshot(*rows[0]) if rows else None

    async def due(self) -> bool:
        """Has the domain folded ``SNAPSHOT_AFTER`` events or more past the newest snapshot?"""
        latest = await self.latest()
        return self.domain.position - (latest.position if latest else 0) >= SNAPSHOT_AFTER

    # -- taking --------------------------------------------------------------------------

    async def dump(self, progress: Callable[[int], None] | None = None) -> tuple[int, int, list[bytes]]:
        """The domain's state as parts, yielding to other tasks between parts: the caller
        keeps every decision out meanwhile (``EventStore.take_snapshot`` holds the lock).
        ``progress`` is told of the entities each part holds."""
        position, entities = self.domain.position, self.domain.entities
        parts: list[bytes] = []
        told = 0
        for body in self.domain.state_parts():
            parts.append(zlib.compress(body, 1))  # a quarter of the bytes to write, in ~1 ms
            if progress is not None:  # the aggregates' parts come first, PART_ENTITIES each
                done = min(entities, parts_of.PART_ENTITIES * len(parts))
                progress(done - told)
                told = done
            await asyncio.sleep(0)
        return position, entities, parts

    async def save(self, position: int, entities: int, parts: list[bytes]) -> Snapshot:
        """Sign and store the parts of the state at ``position``; delete the oldest."""
        if position <= 0:
            raise ValueError("the rules' state has folded no event: nothing to snapshot")
        event_hash = await self._event_hash(position)
        if event_hash is None:
            raise ValueError(f"the log has no event {position}: the state is of another log")
        snapshot = Snapshot(
            self.fingerprint,
            position,
            event_hash,
            format_recorded(utc_now()),
            len(parts),
            entities,
            sum(len(p) for p in parts),
        )
        signature = self.key.private_key.sign(snapshot.message(await _digests(parts))).hex()
        async with self.backend.transaction() as tx:
            await tx.execute("DELETE FROM rules_snapshot_parts WHERE fingerprint = ? AND position = ?", *_key(snapshot))
            await tx.execute("DELETE FROM rules_snapshots WHERE fingerprint = ? AND position = ?", *_key(snapshot))
            values = (*_key(snapshot), event_hash, snapshot.taken_at, snapshot.parts, entities, snapshot.size)
            await tx.execute(
                f"INSERT INTO rules_snapshots ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", *values, signature
            )
            await tx.insert(
                "rules_snapshot_parts",
                ("fingerprint", "position", "part", "body"),
                [(*_key(snapshot), i, body) for i, body in enumerate(parts)],
            )
            await _delete_older(tx)
        log.info(
            "rules' state snapshot taken",
            position=position,
            entities=entities,
            parts=snapshot.parts,
            mb=round(snapshot.size / 1e6, 1),
        )
        return dataclasses.replace(snapshot, signature=signature)

    # -- restoring -----------------------------------------------------------------------

    async def restore(self, head: int, progress: Callable[[int], None] | None = None) -> int:
        """Load the newest usable snapshot at or below ``head`` into the domain (which has
        folded nothing); return its position, or 0 when there is none it may use."""
        snapshot = await self.latest(head)
        if snapshot is None:
            log.info("no snapshot of the rules' state this code can read: folding the log from its start")
            return 0
        started = time.perf_counter()
        why = await self.load(snapshot, self.domain)
        if why is not None:
            log.error(f"a snapshot of the rules' state is refused: {why}; folding the log", position=snapshot.position)
            return 0
        self.restored_at = snapshot.position
        if progress is not None:
            progress(snapshot.position)
        log.info(
            "rules' state restored from a snapshot",
            position=snapshot.position,
            entities=self.domain.entities,
            mb=round(snapshot.size / 1e6, 1),
            seconds=round(time.perf_counter() - started, 2),
        )
        return snapshot.position

    async def load(self, snapshot: Snapshot, domain: Snapshotable) -> str | None:
        """Check ``snapshot`` and load it into ``domain`` (which has folded nothing); why it
        was not loaded, or None. ``domain`` is only changed once every part has loaded."""
        parts, why = await self._checked(snapshot)
        if why is not None:
            return why
        loader = domain.loader()
        try:
            for body in parts:
                _load_part(loader, zlib.decompress(body))
                await asyncio.sleep(0)  # a part at a time: the service answers meanwhile
            loader.install(snapshot.position)
        except Exception as exc:  # signed by us, yet unreadable: a bug
            return f"it could not be read ({exc!r})"
        return None

    async def stored(self) -> list[Snapshot]:
        """Every stored snapshot, of any code (``ledger verify`` checks each)."""
        rows = await self.backend.fetch(f"SELECT {_COLUMNS} FROM rules_snapshots ORDER BY position")
        return [Snapshot(*r) for r in rows]

    async def check(self, snapshot: Snapshot) -> str | None:
        """Why ``snapshot`` would be refused, without loading it (None: it holds)."""
        return (await self._checked(snapshot))[1]

    async def _checked(self, snapshot: Snapshot) -> tuple[list[bytes], str | None]:
        """Its parts, and why it may not be read (None: it may)."""
        if await self._event_hash(snapshot.position) != snapshot.event_hash:
            why = "it names an event the log does not hold as it was (the log was changed after it was taken)"
            return [], why
        parts = await self._parts(snapshot)
        return parts, await self._refused(snapshot, parts)

    async def _refused(self, snapshot: Snapshot, parts: list[bytes]) -> str | None:
        if len(parts) != snapshot.parts:
            return f"it has {len(parts)} parts of {snapshot.parts}"
        message = snapshot.message(await _digests(parts))
        try:
            self.key.public_key.verify(bytes.fromhex(snapshot.signature), message)
        except (InvalidSignature, ValueError):
            return "its signature does not hold under the ledger's key (changed, or signed by another key)"
        return None

    async def _parts(self, snapshot: Snapshot) -> list[bytes]:
        parts: list[bytes] = []
        while True:
            rows = await self.backend.fetch(
                "SELECT part, body FROM rules_snapshot_parts WHERE fingerprint = ? AND position = ? AND part >= ? "
                "ORDER BY part LIMIT ?",
                *_key(snapshot),
                len(parts),
                _READ_PARTS,
            )
            for number, body in rows:
                if number != len(parts):
                    return parts  # a part missing: _refused says so
                parts.append(bytes(body))
            if len(rows) < _READ_PARTS:
                return parts

    async def _event_hash(self, position: int) -> str | None:
        events = await self.backend.read(position - 1, 1)
        return events[0].hash if events and events[0].position == position else None


async def _digests(parts: list[bytes]) -> list[bytes]:
    """Each part's SHA-256, letting other tasks run between parts (a city's parts hash in
    ~50 ms: not in one stall of the service)."""
    out = []
    for body in parts:
        out.append(hashlib.sha256(body).digest())
        await asyncio.sleep(0)
    return out


def _key(snapshot: Snapshot) -> tuple[str, int]:
    return snapshot.fingerprint, snapshot.position


async def _delete_older(tx: SQLTx) -> None:
    kept = await tx.fetch("SELECT fingerprint, position FROM rules_snapshots ORDER BY taken_at DESC, position DESC")
    for key in kept[SNAPSHOTS_KEPT:]:
        await tx.execute("DELETE FROM rules_snapshot_parts WHERE fingerprint = ? AND position = ?", *key)
        await tx.execute("DELETE FROM rules_snapshots WHERE fingerprint = ? AND position = ?", *key)


def _load_part(loader: StateLoading, body: bytes) -> None:
    """One part, without the cyclic collector walking every object it makes (3x faster)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        loader.add(body)
    finally:
        if enabled:
            gc.enable()
