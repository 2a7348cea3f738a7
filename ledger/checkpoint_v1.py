"""The ledger's first checkpoint format (``duty-ledger checkpoint v1``), kept to verify old dossiers.

Dossiers issued before the C2SP checkpoints (``ledger.checkpoint``) carry this format; the
ledger no longer signs it in production, but ``ledger verify DOSSIER`` keeps accepting it.

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
Reviewers got the public key as PEM (SubjectPublicKeyInfo).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.checkpoint import is_utc_timestamp, raw_public_key
from ledger.timeutil import format_recorded, utc_now

__all__ = [
    "HEADER",
    "Checkpoint",
    "key_id",
    "sign_checkpoint",
    "verify_checkpoint",
]

#: the first line of the signed text; a new layout gets a new version, never a new meaning
HEADER = "duty-ledger checkpoint v1"

_SIZE = re.compile(r"^(0|[1-9][0-9]*)$")
_ROOT = re.compile(r"^[0-9a-f]{64}$")
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
        if not is_utc_timestamp(self.timestamp):
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
    return hashlib.sha256(raw_public_key(key)).hexdigest()[:16]


def sign_checkpoint(
    private_key: Ed25519PrivateKey,
    size: int,
    root: bytes | str,
    timestamp: datetime | str | None = None,
) -> dict[str, Any]:
    """Sign (size, root, time) and return the JSON-ready checkpoint (tests: old dossiers' format).

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
