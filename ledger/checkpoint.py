"""Signed checkpoints: C2SP tlog-checkpoint note text, signed as a C2SP signed note (Ed25519).

A checkpoint is the ledger's word that its Merkle tree (RFC 9162, ``ledger.merkle``) of
``size`` events has ``root``. Its text (https://c2sp.org/tlog-checkpoint) is::

    <origin>\\n                      the log's name, e.g. duty-ledger/3f9c… or ledger.linyi.example/log
    <size>\\n                        decimal, no leading zeros (0 for the empty tree)
    <base64 of the 32-byte root>\\n
    time <RFC 3339 UTC>\\n           an extension line: when the ledger signed it

signed as a note (https://c2sp.org/signed-note) by the ledger's Ed25519 key under the key
name ``<origin>``: key id = SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ public key)[:4], verifier key
``<origin>+<hex key id>+<base64(0x01 ‖ public key)>``. Witnesses append their timestamped
cosignatures (``ledger.note.cosign``) to the same note.

The origin is configurable (``LEDGER_ORIGIN``); by default it is ``duty-ledger/`` and the
first 16 hex digits of SHA-256 over the raw public key, so it is fixed as long as the key
is. The signing key lives in a PEM file (PKCS #8, mode 0600) created on first use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.note import COSIGNATURE, NoteError, NoteSignature, Verifier, open_note, parse_note, sign_note, verifier
from ledger.timeutil import format_recorded, parse_timestamp, utc_now

__all__ = [
    "Checkpoint",
    "LogKey",
    "SignedCheckpoint",
    "check_origin",
    "default_origin",
    "is_utc_timestamp",
    "load_or_create_signing_key",
    "load_public_key",
    "open_checkpoint",
    "posix_text",
    "public_key_pem",
    "raw_public_key",
]

TIME_PREFIX = "time "
_SIZE = re.compile(r"^(0|[1-9][0-9]*)$", re.ASCII)
_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$", re.ASCII)


def check_origin(origin: str) -> str:
    """An origin is also the key name: non-empty, no Unicode spaces, no ``+``, no control bytes."""
    if not origin or any(c.isspace() or c == "+" or ord(c) < 0x20 for c in origin):
        raise ValueError(f"origin {origin!r} must be non-empty, without spaces or '+' (e.g. ledger.example.gov.cn/log)")
    return origin


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint asserts. Construction refuses anything the note text could not carry."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_origin(self.origin)
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"size must be a non-negative integer, got {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise ValueError("a root hash is 32 bytes")
        if any(not line or "\n" in line or any(ord(c) < 0x20 for c in line) for line in self.extensions):
            raise ValueError("extension lines are non-empty single lines")

    def text(self) -> str:
        """The note text (tlog-checkpoint), every line ended by a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The checkpoint a note text states; ValueError when it is not a tlog-checkpoint."""
        if not text.endswith("\n"):
            raise ValueError("a checkpoint's text ends in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise ValueError("a checkpoint has an origin, a size and a root hash")
        origin, size, root, *extensions = lines
        if not _SIZE.match(size):
            raise ValueError(f"the tree size {size!r} is not a decimal without leading zeros")
        try:
            raw = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise ValueError("the root hash is not base64") from None
        if base64.b64encode(raw).decode() != root:
            raise ValueError("the root hash is not canonical base64")
        return cls(origin, int(size), raw, tuple(extensions))

    @property
    def timestamp(self) -> str | None:
        """The time the ledger signed it (its ``time`` extension line), RFC 3339 UTC."""
        for line in self.extensions:
            if line.startswith(TIME_PREFIX) and _UTC.match(line[len(TIME_PREFIX) :]):
                return line[len(TIME_PREFIX) :]
        return None


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint and its signed note: the log's signature, then any witness cosignatures."""

    checkpoint: Checkpoint
    note: str
    signatures: tuple[NoteSignature, ...] = field(default=(), compare=False)

    @classmethod
    def from_note(cls, note: str) -> SignedCheckpoint:
        """Parse (no signature is checked here: see ``LogKey.open`` and ``open_checkpoint``)."""
        try:
            text, signatures = parse_note(note)
        except NoteError as exc:
            raise ValueError(str(exc)) from None
        return cls(Checkpoint.parse(text), note, tuple(signatures))

    def with_cosignatures(self, lines: list[NoteSignature]) -> SignedCheckpoint:
        """The same note with more signature lines (those it already carries are kept once)."""
        have = {s.line() for s in self.signatures}
        extra = [s for s in lines if s.line() not in have]
        return SignedCheckpoint(
            self.checkpoint, self.note + "".join(s.line() for s in extra), (*self.signatures, *extra)
        )

    def to_json(self, log: Verifier) -> dict[str, Any]:
        """The checkpoint as the API and dossiers carry it: the note and its fields."""
        cp = self.checkpoint
        own = next((s for s in self.signatures if s.name == log.name and s.key_id == log.key_id), None)
        return {
            "format": "c2sp-checkpoint",
            "origin": cp.origin,
            "size": cp.size,
            "root": cp.root.hex(),
            "root_base64": base64.b64encode(cp.root).decode(),
            "timestamp": cp.timestamp,
            "key_name": log.name,
            "key_id": log.key_id.hex(),
            "signature": base64.b64encode(own.key_id + own.signature).decode() if own else None,
            "vkey": log.vkey(),
            "note": self.note,
            "cosignatures": [
                {"name": s.name, "key_id": s.key_id.hex(), "timestamp": posix_text(s.timestamp)}
                for s in self.signatures
                if len(s.signature) == 72
            ],
        }


def open_checkpoint(
    note: str, log: Verifier, witnesses: Sequence[Verifier] = (), threshold: int = 0
) -> tuple[SignedCheckpoint, list[Verifier]]:
    """The checkpoint of a note signed by ``log``, and the witnesses (of ``witnesses``) that
    cosigned it, at least ``threshold`` of them; ``ValueError`` saying what is missing."""
    try:
        text, _ = open_note(note, [log])
        _, cosigners = open_note(note, [w for w in witnesses if w.kind == COSIGNATURE], threshold)
    except NoteError as exc:
        raise ValueError(str(exc)) from None
    signed = SignedCheckpoint.from_note(note)
    if signed.checkpoint.text() != text:
        raise ValueError("the checkpoint's text is not in its canonical form")
    return signed, cosigners


class LogKey:
    """The ledger's signing key under its origin: signs checkpoints, names itself as a vkey."""

    def __init__(self, private_key: Ed25519PrivateKey, origin: str | None = None) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.origin = check_origin(origin or default_origin(self.public_key))
        self.verifier = verifier(self.origin, self.public_key)

    @property
    def vkey(self) -> str:
        return self.verifier.vkey()

    def sign(self, size: int, root: bytes, when: datetime | None = None) -> SignedCheckpoint:
        """Sign the tree of ``size`` with ``root`` (at ``when``, default now)."""
        moment = when if when is not None else utc_now()
        if moment.tzinfo is None:
            raise ValueError("a checkpoint time must be timezone-aware")
        checkpoint = Checkpoint(self.origin, size, root, (TIME_PREFIX + format_recorded(moment),))
        return SignedCheckpoint.from_note(sign_note(checkpoint.text(), self.origin, self.private_key))

    def open(self, note: str) -> SignedCheckpoint:
        """A note this key signed, parsed; ValueError otherwise."""
        signed, _ = open_checkpoint(note, self.verifier)
        if signed.checkpoint.origin != self.origin:
            raise ValueError(f"the checkpoint is of {signed.checkpoint.origin}, not {self.origin}")
        return signed


def default_origin(public_key: Ed25519PublicKey) -> str:
    """``duty-ledger/`` and the first 16 hex digits of SHA-256 over the raw public key."""
    return "duty-ledger/" + hashlib.sha256(raw_public_key(public_key)).hexdigest()[:16]


def posix_text(timestamp: int) -> str:
    """A cosignature's POSIX time as the ledger writes times (RFC 3339 UTC)."""
    return format_recorded(datetime.fromtimestamp(timestamp, UTC))


def is_utc_timestamp(text: object) -> bool:
    """RFC 3339 in UTC with a ``Z``, and a real date."""
    if not isinstance(text, str) or not _UTC.match(text):
        return False
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


# -- keys -----------------------------------------------------------------------------------


def load_or_create_signing_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The Ed25519 signing key kept at ``path`` (PEM, PKCS #8), created there (mode 0600) if absent."""
    target = Path(path)
    if not target.exists():
        _create_key_file(target)
    key = serialization.load_pem_private_key(target.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{target} does not hold an Ed25519 private key")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo), what a reviewer is given."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


def load_public_key(path_or_pem: str | os.PathLike[str]) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text or from a file holding it."""
    if isinstance(path_or_pem, str) and "-----BEGIN" in path_or_pem:
        pem = path_or_pem.encode("ascii")
    else:
        pem = Path(path_or_pem).read_bytes()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def raw_public_key(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key (RFC 8032)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _create_key_file(target: Path) -> None:
    """Write a new key so that no one ever reads a partial file or a key that lost a race.

    The PEM goes to a private temporary file first and is then hard-linked into place:
    linking fails if the name exists, so of two processes starting at once exactly one key
    wins and both load it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask: the key is the owner's alone
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, target)
    except FileExistsError:
        pass  # another process created it first: use theirs
    finally:
        temporary.unlink()
