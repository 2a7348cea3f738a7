"""Signed checkpoints: the ledger's word, under Ed25519, that its tree of ``size`` events has ``root``.

The signed bytes are a short ASCII text of four lines, each ended by a line feed (0x0A)::

    duty-ledger checkpoint v1
    <size>
    <root>
    <timestamp>

- ``<size>``: the number of events in the tree (positions 1..size), decimal, no sign, no
  leading zeros (``0`` for the empty tree);
- ``<root>``: the RFC 9162 Merkle tree hash of those events (``ledger.merkle``), 64
  lower-case hex digits;
- ``<timestamp>``: when the ledger signed it, RFC 3339 in UTC with a ``Z``:
  ``YYYY-MM-DDTHH:MM:SS[.fraction]Z`` (the ledger writes six fraction digits).

For example, the empty tree at 2026-11-22T05:53:00.123456Z is signed as these 121 bytes
(Python notation)::

    b"duty-ledger checkpoint v1\\n0\\n"
    b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\\n"
    b"2026-11-22T05:53:00.123456Z\\n"

The signature is Ed25519 (RFC 8032, pure, no pre-hash) over exactly those bytes. As JSON::

    {"size": 0, "root": "<64 hex>", "timestamp": "<RFC 3339 Z>",
     "key_id": "<16 hex>", "signature": "<base64 of the 64-byte signature>"}

``key_id`` names the key: the first 16 hex digits of SHA-256 over the 32 raw bytes of the
Ed25519 public key. It is not signed; a verifier checks that it names the key it holds.
The signing key lives in a PEM file (PKCS #8, unencrypted, mode 0600), created on first use;
reviewers get the public key as PEM (SubjectPublicKeyInfo).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.timeutil import format_recorded, parse_timestamp, utc_now

__all__ = [
    "HEADER",
    "Checkpoint",
    "key_id",
    "load_or_create_signing_key",
    "load_public_key",
    "public_key_pem",
    "sign_checkpoint",
    "verify_checkpoint",
]

#: the first line of the signed text; a new layout gets a new version, never a new meaning
HEADER = "duty-ledger checkpoint v1"

_SIZE = re.compile(r"^(0|[1-9][0-9]*)$")
_ROOT = re.compile(r"^[0-9a-f]{64}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")
_SIGNATURE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint asserts. Construction refuses anything the signed text could not carry."""

    size: int
    root_hex: str
    timestamp: str
    key_id: str

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"size must be a non-negative integer, got {self.size!r}")
        if not isinstance(self.root_hex, str) or not _ROOT.match(self.root_hex):
            raise ValueError("root must be 64 lower-case hex digits")
        if not _is_utc_timestamp(self.timestamp):
            raise ValueError(f"timestamp must be RFC 3339 in UTC (…Z), got {self.timestamp!r}")
        if not isinstance(self.key_id, str) or not _KEY_ID.match(self.key_id):
            raise ValueError("key_id must be 16 lower-case hex digits")

    @property
    def root(self) -> bytes:
        return bytes.fromhex(self.root_hex)

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers (module docstring)."""
        return f"{HEADER}\n{self.size}\n{self.root_hex}\n{self.timestamp}\n".encode("ascii")

    def to_dict(self, signature: bytes) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": self.root_hex,
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": base64.b64encode(signature).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: object) -> Checkpoint:
        """The checkpoint a JSON object states (its signature unchecked); ValueError if malformed."""
        if not isinstance(data, dict):
            raise ValueError("a checkpoint is a JSON object")
        missing = {"size", "root", "timestamp", "key_id"} - data.keys()
        if missing:
            raise ValueError(f"checkpoint lacks {', '.join(sorted(missing))}")
        return cls(data["size"], data["root"], data["timestamp"], data["key_id"])


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """First 16 hex digits of SHA-256 over the 32 raw bytes of the public key."""
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


def sign_checkpoint(
    private_key: Ed25519PrivateKey,
    size: int,
    root: bytes | str,
    timestamp: datetime | str | None = None,
) -> dict[str, Any]:
    """Sign (size, root, time) and return the JSON-ready checkpoint.

    ``root`` as 32 bytes or 64 hex digits; ``timestamp`` an aware datetime (written in UTC
    with microseconds), an RFC 3339 UTC text kept as given, or None for now.
    """
    checkpoint = Checkpoint(size, _root_hex(root), _timestamp_text(timestamp), key_id(private_key))
    return checkpoint.to_dict(private_key.sign(checkpoint.signed_bytes()))


def verify_checkpoint(public_key: Ed25519PublicKey, checkpoint: object) -> bool:
    """True only for a well-formed checkpoint signed by this key; never raises on bad input."""
    if not isinstance(checkpoint, dict):
        return False
    try:
        stated = Checkpoint.from_dict(checkpoint)
        signature = _decode_signature(checkpoint.get("signature"))
    except ValueError:
        return False
    if stated.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(signature, stated.signed_bytes())
    except InvalidSignature:
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


def _raw_public(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _root_hex(root: bytes | str) -> str:
    if isinstance(root, bytes):
        if len(root) != 32:
            raise ValueError(f"a root hash is 32 bytes, got {len(root)}")
        return root.hex()
    return root.lower()


def _timestamp_text(timestamp: datetime | str | None) -> str:
    if timestamp is None:
        return format_recorded(utc_now())
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            raise ValueError("a checkpoint time must be timezone-aware")
        return format_recorded(timestamp)
    return timestamp


def _is_utc_timestamp(text: object) -> bool:
    if not isinstance(text, str) or not _TIMESTAMP.match(text):
        return False
    try:
        parse_timestamp(text)  # also a real date: no 2026-02-30
    except ValueError:
        return False
    return True


def _decode_signature(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("signature must be base64 text")
    try:
        signature = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("signature is not base64") from exc
    if len(signature) != _SIGNATURE_SIZE:
        raise ValueError(f"an Ed25519 signature is {_SIGNATURE_SIZE} bytes")
    return signature
