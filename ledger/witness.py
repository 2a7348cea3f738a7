"""A C2SP tlog-witness (https://c2sp.org/tlog-witness): it cosigns a log's checkpoint only
if it is consistent with the last checkpoint it cosigned for that log, and never forgets.

The witness follows a list of logs (origin and verifier keys). An ``add-checkpoint`` request
is an ``old <size>`` line, the consistency proof from that size (base64 hashes, one a line),
a blank line and the signed checkpoint. The answer (``Answer``) is, as the specification
fixes it: 404 for an unknown origin, 403 when no trusted key signed it (or a trusted key's
signature fails), 400 when old > size or the request is malformed, 409 with the size last
cosigned (``text/x.tlog.size``) when ``old`` is not that size, 422 when the proof does not
verify, an empty tree has another root or the same size another root, and 200 with the
witness's timestamped cosignature (tlog-cosignature, Ed25519) otherwise. The new state is
written to disk (``WitnessState``) before the answer leaves, under a lock, so that two
requests can never roll the state back.

The same module builds requests and reads answers for the ledger's side
(``add_checkpoint_body``, ``parse_size``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import fcntl
import hashlib
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import Checkpoint
from ledger.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from ledger.note import COSIGNATURE, ED25519, NoteError, Verifier, cosign, open_note, verifier

__all__ = [
    "Answer",
    "Witness",
    "WitnessState",
    "WitnessedLog",
    "add_checkpoint_body",
    "origin_hash",
    "parse_add_checkpoint",
    "parse_size",
]

log = structlog.get_logger("ledger.witness")

MAX_PROOF_LINES = 63
MAX_BODY_BYTES = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"^old (0|[1-9][0-9]{0,18})$", re.ASCII)


@dataclass(frozen=True)
class WitnessedLog:
    """A log the witness follows: its origin and the keys that may sign its checkpoints."""

    origin: str
    verifiers: tuple[Verifier, ...]


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body, content type (``title`` for an error's problem document)."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    title: str = ""


def origin_hash(origin: str) -> str:
    """The monitoring path's name of a log: SHA-256 of its origin, lower-case hex."""
    return hashlib.sha256(origin.encode()).hexdigest()


def add_checkpoint_body(old: int, proof: Sequence[bytes], note: str) -> bytes:
    """An add-checkpoint request: ``old N``, the proof lines, a blank line, the checkpoint."""
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], str]:
    """``(old size, proof, checkpoint note)``; ValueError when malformed."""
    if len(body) > MAX_BODY_BYTES:
        raise ValueError(f"the request is larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the request is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    lines = head.split("\n")
    if not blank or not _OLD.match(lines[0]):
        raise ValueError("the request starts with an 'old <size>' line and ends its proof with a blank line")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ValueError(f"a consistency proof has at most {MAX_PROOF_LINES} lines")
    proof = []
    for line in lines[1:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise ValueError("a proof line is one base64 hash") from None
        if len(digest) != HASH_SIZE:
            raise ValueError(f"a proof hash is {HASH_SIZE} bytes")
        proof.append(digest)
    return int(lines[0][4:]), proof, note


def parse_size(body: bytes) -> int:
    """The size a 409 answer states (``<size>\\n``)."""
    text = body.decode("ascii", "replace")
    if not re.fullmatch(r"(0|[1-9][0-9]{0,18})\n", text, re.ASCII):
        raise ValueError(f"not a tree size: {text[:40]!r}")
    return int(text)


class WitnessState:
    """What the witness last cosigned for each log, in one JSON file replaced atomically.

    The file is locked for the life of the process: two witnesses on one state could
    otherwise each accept a different next checkpoint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock_fd)
            raise ValueError(f"another witness process holds {path}") from None
        self._logs: dict[str, dict[str, Any]] = orjson.loads(path.read_bytes())["logs"] if path.exists() else {}

    def latest(self, origin: str) -> tuple[int, bytes, str] | None:
        """(size, root, cosigned note) of the last checkpoint cosigned for ``origin``."""
        entry = self._logs.get(origin)
        return (entry["size"], base64.b64decode(entry["root"]), entry["note"]) if entry else None

    def put(self, origin: str, size: int, root: bytes, note: str) -> None:
        """Record a cosigned checkpoint, on disk before this returns."""
        logs = {**self._logs, origin: {"size": size, "root": base64.b64encode(root).decode(), "note": note}}
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        with temporary.open("wb") as file:
            file.write(orjson.dumps({"logs": logs}, option=orjson.OPT_INDENT_2))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._logs = logs

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)


class Witness:
    """Cosigns checkpoints of the logs it follows (see the module docstring)."""

    def __init__(
        self, name: str, private_key: Ed25519PrivateKey, logs: Sequence[WitnessedLog], state: WitnessState
    ) -> None:
        self.name = name
        self.private_key = private_key
        self.verifier = verifier(name, private_key.public_key(), COSIGNATURE)
        self.logs = {entry.origin: entry for entry in logs}
        self.state = state
        self._lock = asyncio.Lock()

    @property
    def vkey(self) -> str:
        return self.verifier.vkey()

    async def add_checkpoint(self, body: bytes) -> Answer:
        try:
            old, proof, note = parse_add_checkpoint(body)
        except ValueError as exc:
            return _refuse(400, "Malformed request", str(exc))
        origin = note.split("\n", 1)[0]
        followed = self.logs.get(origin)
        if followed is None:
            return _refuse(404, "Unknown log", f"this witness does not follow the log {origin!r}")
        try:
            text, _ = open_note(note, [v for v in followed.verifiers if v.kind == ED25519])
            checkpoint = Checkpoint.parse(text)
        except NoteError as exc:
            return _refuse(403, "Not signed by the log", str(exc))
        except ValueError as exc:
            return _refuse(400, "Malformed checkpoint", str(exc))
        if old > checkpoint.size:
            return _refuse(400, "Old size too large", f"old size {old} exceeds the checkpoint's {checkpoint.size}")
        async with self._lock:  # check and persist as one step (the specification's race)
            return self._cosign_if_consistent(old, proof, text, checkpoint, note)

    def _cosign_if_consistent(self, old: int, proof: list[bytes], text: str, cp: Checkpoint, note: str) -> Answer:
        latest = self.state.latest(cp.origin)
        size, root = (latest[0], latest[1]) if latest else (0, EMPTY_ROOT)
        if old != size:
            return Answer(409, f"{size}\n".encode(), SIZE_CONTENT_TYPE, "Conflict")
        problem = _inconsistency(old, root, proof, cp)
        if problem is not None:
            log.warning("refused an inconsistent checkpoint", origin=cp.origin, old=old, size=cp.size, why=problem)
            return _refuse(422, "Inconsistent checkpoint", problem)
        line = cosign(text, self.name, self.private_key, int(time.time())).line()
        own = note.rstrip("\n").split("\n")
        others = [s for s in own if not s.startswith(f"\u2014 {self.name} ")]
        self.state.put(cp.origin, cp.size, cp.root, "\n".join(others) + "\n" + line)
        log.info("cosigned", origin=cp.origin, size=cp.size, old=old)
        return Answer(200, line.encode())

    def monitored(self, name: str) -> str | None:
        """The checkpoint last cosigned for the log whose origin hashes to ``name``."""
        for origin in self.logs:
            if origin_hash(origin) == name:
                latest = self.state.latest(origin)
                return latest[2] if latest else None
        return None


def _inconsistency(old: int, root: bytes, proof: list[bytes], cp: Checkpoint) -> str | None:
    """Why the checkpoint does not extend the tree (old, root), or None when it does."""
    if cp.size == 0 and cp.root != EMPTY_ROOT:
        return "a checkpoint of size 0 must have the empty tree's root"
    if old == 0:
        return "the consistency proof from size 0 must be empty" if proof else None
    if old == cp.size:
        if proof:
            return "the consistency proof between equal sizes must be empty"
        return None if cp.root == root else f"the tree of {old} was cosigned with another root (a forked log)"
    if not verify_consistency(old, cp.size, root, cp.root, proof):
        return f"the consistency proof from the cosigned size {old} to {cp.size} does not verify (a forked log)"
    return None


def _refuse(status: int, title: str, detail: str) -> Answer:
    return Answer(status, detail.encode(), "application/problem+json", title)
