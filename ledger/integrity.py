"""The ledger's integrity as others check it: signed checkpoints, kept out of the database
administrator's reach, and the alarm when the log no longer holds what was signed.

- ``CheckpointRecord``: every checkpoint of a larger tree than the last is appended, as one
  JSON line, to a file beside the signing key (``<key>.checkpoints``). The database can be
  rewritten by whoever administers it; this file is the ledger's own memory of what it
  signed (make it append-only with ``chattr +a`` on Linux, and back it up with the key).
- ``Notary``: signs checkpoints of the log's Merkle tree (read from its tiles), only ever
  consistent with the largest one it signed before, records them (file and database), and
  keeps the witnesses' cosignatures. ``check()`` at start, and every signing, compares the
  log with the last recorded checkpoint: a log shorter than it, or whose tree no longer has
  its root, raises the alarm — writes refused, ``/readyz`` failing, nothing signed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path
from typing import Protocol

import orjson
import structlog

from ledger.checkpoint import LogKey, SignedCheckpoint, open_checkpoint, posix_text
from ledger.errors import IntegrityAlarm
from ledger.merkle import verify_consistency
from ledger.note import NoteError, NoteSignature, Verifier, parse_signature_line, verifier
from ledger.store import Backend
from ledger.store.tiles import TileReader
from ledger.timeutil import parse_timestamp

__all__ = ["CheckpointRecord", "Cosigners", "Notary", "record_path"]

log = structlog.get_logger("ledger.integrity")

_TAIL = 64 * 1024
#: a checkpoint younger than this is still "the latest", even if the head has moved since
FRESH_SECONDS = 10.0
_SELECT_COSIGNATURES = (
    "SELECT c.line FROM cosignatures c JOIN checkpoints k ON c.checkpoint = k.seq WHERE k.note = ? ORDER BY c.witness"
)
_SELECT_CHECKPOINT = "SELECT note FROM checkpoints WHERE origin = ? AND size = ? ORDER BY seq DESC LIMIT 1"
_INSERT_CHECKPOINT = (
    "INSERT INTO checkpoints (origin, size, root, signed_at, note) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_COSIGNATURE = (
    "INSERT INTO cosignatures (checkpoint, witness, key_id, cosigned_at, line) "
    "SELECT seq, ?, ?, ?, ? FROM checkpoints WHERE note = ? ON CONFLICT DO NOTHING"
)


def record_path(signing_key: str | os.PathLike[str]) -> Path:
    """Where the checkpoints signed with this key are kept: beside it."""
    key = Path(signing_key)
    return key.with_name(key.name + ".checkpoints")


class CheckpointRecord:
    """The append-only file of checkpoints signed with one key (one JSON line each)."""

    def __init__(self, path: Path, key: LogKey) -> None:
        self.path = path
        self.key = key

    def append(self, signed: SignedCheckpoint) -> None:
        """Append and flush to disk before the checkpoint is handed to anyone."""
        line = orjson.dumps({"note": signed.note}) + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)  # one write of O_APPEND: lines of two processes never interleave
            os.fsync(fd)
        finally:
            os.close(fd)

    def latest(self) -> SignedCheckpoint | None:
        """The checkpoint of the largest tree in the file's last lines that carry this key's
        signature; read from the end, so a start never reads the whole file."""
        if not self.path.exists():
            return None
        with self.path.open("rb") as file:
            end = file.seek(0, os.SEEK_END)
            start = end
            while start > 0:
                start = max(0, start - _TAIL)
                file.seek(start)
                lines = file.read(end - start).split(b"\n")
                found = [c for c in map(self._parse, lines[1:] if start else lines) if c is not None]
                if found:
                    return max(found, key=lambda c: c.checkpoint.size)
        return None

    def _parse(self, line: bytes) -> SignedCheckpoint | None:
        if not line.strip():
            return None
        try:
            note = orjson.loads(line)["note"]
            origin = note.split("\n", 1)[0]
            signed, _ = open_checkpoint(note, verifier(origin, self.key.public_key))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError, NoteError):
            log.warning("a line of the checkpoint record is not a checkpoint signed with this key", path=str(self.path))
            return None
        return signed


class Cosigners(Protocol):
    """Whoever gathers witnesses' cosignatures of a checkpoint (``ops.witness.Witnesses``)."""

    status: dict[str, str]

    async def cosign(self, signed: SignedCheckpoint, again: bool = True) -> SignedCheckpoint: ...


class Notary:
    """Signs the log's checkpoints and answers for them (see the module docstring)."""

    def __init__(self, backend: Backend, key: LogKey, record: CheckpointRecord) -> None:
        self.backend = backend
        self.key = key
        self.record = record
        self.reader = TileReader(backend)
        self.latest: SignedCheckpoint | None = None
        self._latest_at = 0.0  # when it was signed (POSIX time)
        self._checked: tuple[int, str | None] | None = None  # (head, latest note) last found sound
        #: the witnesses each new checkpoint goes to, when the ledger has any (wired at start)
        self.witnesses: Cosigners | None = None
        self._lock = asyncio.Lock()

    @property
    def alarm(self) -> str | None:
        return self.backend.tiles.alarm

    @property
    def verifier(self) -> Verifier:
        return self.key.verifier

    async def check(self) -> str | None:
        """At start: is the log still the one the last recorded checkpoint signed? O(log n)
        reads. Sets (and returns) the alarm when it is not."""
        self.latest = await asyncio.to_thread(self.record.latest)
        if self.latest is not None and self.latest.checkpoint.timestamp:
            self._latest_at = parse_timestamp(self.latest.checkpoint.timestamp).timestamp()
        with contextlib.suppress(IntegrityAlarm):
            await self._check_head((await self.backend.head()).position)
        if self.alarm is None:
            log.info(
                "integrity checked",
                origin=self.key.origin,
                checkpoint=self.latest.checkpoint.size if self.latest else None,
            )
        return self.alarm

    async def checkpoint(self, size: int | None = None) -> SignedCheckpoint:
        """The checkpoint of the tree of ``size`` (at most the head), or without a size the
        latest one, signed anew when the head moved and it is older than ``FRESH_SECONDS``.

        A checkpoint already signed for that size is reused: the record of checkpoints grows
        with the log's activity, never with the number of requests."""
        async with self._lock:
            head = (await self.backend.head()).position
            await self._check_head(head)
            latest = self.latest
            if size is None:
                fresh = latest is not None and time.time() - self._latest_at < FRESH_SECONDS
                if latest is not None and (latest.checkpoint.size == head or fresh):
                    return latest
                size = head
            if not 0 <= size <= head:
                raise ValueError(f"a tree size from 0 to {head}")
            if latest is not None and latest.checkpoint.size == size:
                return latest
            return await self._stored(size) or await self._sign(size)

    async def _sign(self, size: int) -> SignedCheckpoint:
        latest = self.latest
        signed = self.key.sign(size, await self.reader.root(size))
        await self._check_consistent(signed)
        if latest is None or size > latest.checkpoint.size:
            await asyncio.to_thread(self.record.append, signed)  # on disk before anyone sees it
            self.latest, self._latest_at = signed, time.time()
        await self._store(signed)
        return signed

    async def _stored(self, size: int) -> SignedCheckpoint | None:
        """A checkpoint of ``size`` this key signed before (the database's copy, checked)."""
        rows = await self.backend.fetch(_SELECT_CHECKPOINT, self.key.origin, size)
        if not rows:
            return None
        try:
            return self.key.open(rows[0][0])
        except ValueError:
            log.warning("a stored checkpoint does not verify with the ledger's key", size=size)
            return None

    async def cosign(self, signed: SignedCheckpoint, again: bool = True) -> SignedCheckpoint:
        """``signed`` with the cosignatures of every witness that gives one (asked now when
        missing; a witness that refuses or does not answer is logged and left out; with
        ``again`` False, one that already failed on this checkpoint is not asked twice)."""
        if self.witnesses is None:
            return await self.cosigned(signed)
        return await self.witnesses.cosign(signed, again)

    async def cosigned(self, signed: SignedCheckpoint) -> SignedCheckpoint:
        """``signed`` with every cosignature stored for it."""
        rows = await self.backend.fetch(_SELECT_COSIGNATURES, signed.note)
        return signed.with_cosignatures([parse_signature_line(row[0].rstrip("\n")) for row in rows])

    async def add_cosignatures(self, signed: SignedCheckpoint, lines: list[NoteSignature]) -> None:
        """Keep witnesses' cosignatures of ``signed`` (already verified by the caller)."""
        async with self.backend.transaction() as tx:
            await tx.executemany(
                _INSERT_COSIGNATURE,
                [(s.name, s.key_id.hex(), posix_text(s.timestamp), s.line(), signed.note) for s in lines],
            )

    async def follow(self, interval: float) -> None:
        """Every ``interval`` seconds: a checkpoint of the head if it moved (at most one each
        ``FRESH_SECONDS``), cosigned by the witnesses; runs until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                if self.alarm is not None:
                    continue
                latest = await self.checkpoint()  # the head's, unless the last is still fresh
                if self.witnesses is not None:
                    await self.cosign(latest, again=False)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the next round tries again; the error is in the log
                log.error("signing or pushing a checkpoint failed", error=repr(exc))

    # -- checks -----------------------------------------------------------------------------

    async def watch(self) -> str | None:
        """The alarm, raised now if the log's head is below the last checkpoint (cheap: one
        read of the head, for every ``/readyz``). The checkpoint is taken before the head is
        read: one signed meanwhile covers a head read after ours, never a shorter log."""
        latest = self.latest
        if self.alarm is not None or latest is None:
            return self.alarm
        head = (await self.backend.head()).position
        if head < latest.checkpoint.size:
            with contextlib.suppress(IntegrityAlarm):
                self.backend.tiles.raise_alarm(_shorter(head, latest))
        return self.alarm

    async def _check_head(self, head: int) -> None:
        """Before signing or answering: the log still holds the last checkpoint. The tiles are
        read again only when the head or that checkpoint changed since the last check."""
        if self.alarm is not None:
            raise IntegrityAlarm(f"integrity alarm, nothing is signed: {self.alarm}")
        checking = (head, self.latest.note if self.latest else None)
        if checking == self._checked:
            return
        await self._check_tree(head)
        self._checked = checking

    async def _check_tree(self, head: int) -> None:
        stored = await self.reader.size()
        if stored > head:  # an append may have committed between the two reads: read the head again
            head = max(head, (await self.backend.head()).position)
        if stored > head:
            self.backend.tiles.raise_alarm(
                f"positions {head + 1}..{stored} are missing: the log ends at {head} "
                f"but its Merkle tree holds {stored} leaves (events deleted from the database)"
            )
        latest = self.latest
        if latest is None:
            return
        cp = latest.checkpoint
        if head < cp.size:
            self.backend.tiles.raise_alarm(_shorter(head, latest))
        root = await self.reader.root(cp.size) if stored >= cp.size else None
        if root != cp.root:
            self.backend.tiles.raise_alarm(
                f"the log is not the one signed: its first {cp.size} events have the Merkle root "
                f"{root.hex() if root else '(none)'}, the checkpoint signed at {cp.timestamp} says {cp.root.hex()}"
            )

    async def _check_consistent(self, signed: SignedCheckpoint) -> None:
        """Never sign a tree that the largest checkpoint signed before is not a prefix of (or
        the reverse): checked with a consistency proof, as a witness would."""
        latest = self.latest
        if latest is None:
            return
        old, new = latest.checkpoint, signed.checkpoint
        small, large = (old, new) if old.size <= new.size else (new, old)
        proof = await self.reader.consistency_proof(small.size, large.size) if small.size else []
        if small.size and not verify_consistency(small.size, large.size, small.root, large.root, proof):
            self.backend.tiles.raise_alarm(
                f"the tree of {new.size} events is not consistent with the checkpoint of {old.size} "
                f"signed at {old.timestamp}"
            )

    async def _store(self, signed: SignedCheckpoint) -> None:
        """Also in the database: cosignatures refer to it, and every process sees it."""
        cp = signed.checkpoint
        async with self.backend.transaction() as tx:
            await tx.execute(_INSERT_CHECKPOINT, cp.origin, cp.size, cp.root.hex(), cp.timestamp or "", signed.note)


def _shorter(head: int, latest: SignedCheckpoint) -> str:
    cp = latest.checkpoint
    return (
        f"positions {head + 1}..{cp.size} are missing: the log ends at {head}, "
        f"but the checkpoint signed at {cp.timestamp} covers {cp.size} events (root {cp.root.hex()}) "
        "— unless that key signs another ledger (each ledger needs its own: LEDGER_SIGNING_KEY)"
    )
