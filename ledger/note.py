"""C2SP signed notes (https://c2sp.org/signed-note) and timestamped cosignatures
(https://c2sp.org/tlog-cosignature), with Ed25519 keys.

A signed note is a UTF-8 text ending in a newline, a blank line, then one signature line
per signer::

    <text, each line ending in \\n>
    \\n
    — <key name> <base64(key id ‖ signature)>\\n

``—`` is U+2014 EM DASH followed by a space. A key is named by a string without Unicode
spaces or ``+``; its 4-byte key id is the first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖
public key). Two signature types are used here:

- ``0x01`` Ed25519: the signature covers the text exactly, its final newline included;
- ``0x04`` a witness's timestamped cosignature of a checkpoint: the 72 signature bytes are
  a big-endian u64 POSIX time followed by an Ed25519 signature over
  ``cosignature/v1\\ntime <t>\\n`` ‖ the checkpoint's text.

A verifier key is written ``name+<8 hex key id>+<base64(type ‖ public key)>`` (the form Go's
``golang.org/x/mod/sumdb/note`` reads for type 0x01).

The ledger signs its checkpoints (C2SP tlog-checkpoint) as signed notes, and its witnesses
cosign them, so that any implementation of the specifications can check them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "COSIGNATURE",
    "ED25519",
    "NoteError",
    "NoteSignature",
    "Verifier",
    "check_text",
    "cosign",
    "cosignature_message",
    "key_id",
    "open_note",
    "parse_note",
    "parse_signature_line",
    "parse_vkey",
    "sign_note",
    "verifier",
    "vkey",
]

#: the signature type byte of Ed25519 note signatures
ED25519 = 0x01
#: the signature type byte of timestamped Ed25519 checkpoint cosignatures (tlog-cosignature)
COSIGNATURE = 0x04
DASH = "\u2014 "
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20
_SIGNATURE_BYTES = {ED25519: 64, COSIGNATURE: 8 + 64}
_MAX_TIMESTAMP = 2**63 - 1


class NoteError(ValueError):
    """A note that is malformed, or not signed as required."""


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name and id, and the signature bytes."""

    name: str
    key_id: bytes  # 4 bytes
    signature: bytes  # 64 bytes for Ed25519, 72 for a timestamped cosignature

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"

    @property
    def timestamp(self) -> int:
        """The POSIX time a cosignature states (the first 8 bytes, big-endian)."""
        if len(self.signature) != _SIGNATURE_BYTES[COSIGNATURE]:
            raise NoteError("only a timestamped cosignature carries a time")
        return int(struct.unpack(">Q", self.signature[:8])[0])


@dataclass(frozen=True)
class Verifier:
    """A key that may have signed a note: its name, id, signature type and Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey
    kind: int = ED25519

    def verifies(self, text: str, signature: NoteSignature) -> bool:
        if signature.name != self.name or signature.key_id != self.key_id:
            return False
        if len(signature.signature) != _SIGNATURE_BYTES[self.kind]:
            return False
        if self.kind == COSIGNATURE:
            timestamp = signature.timestamp
            if timestamp > _MAX_TIMESTAMP:
                return False
            message, raw = cosignature_message(text, timestamp), signature.signature[8:]
        else:
            message, raw = text.encode(), signature.signature
        try:
            self.public_key.verify(raw, message)
        except InvalidSignature:
            return False
        return True

    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.kind]) + _raw(self.public_key)).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: Ed25519PublicKey, kind: int = ED25519) -> bytes:
    """The 4-byte key id of an Ed25519 key named ``name``, for signatures of type ``kind``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + _raw(public_key)).digest()[:4]


def verifier(name: str, public_key: Ed25519PublicKey, kind: int = ED25519) -> Verifier:
    """The verifier of ``name``'s key for signatures of type ``kind``."""
    _check_name(name)
    return Verifier(name, key_id(name, public_key, kind), public_key, kind)


def vkey(name: str, public_key: Ed25519PublicKey, kind: int = ED25519) -> str:
    """The verifier key text: ``name+hex(key id)+base64(type ‖ public key)``."""
    return verifier(name, public_key, kind).vkey()


def parse_vkey(text: str) -> Verifier:
    """A verifier from its text; ``NoteError`` when malformed or inconsistent."""
    parts = text.strip().split("+", 2)  # the base64 key may itself hold "+"
    if len(parts) != 3:
        raise NoteError("a verifier key reads name+keyid+key")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
        wanted = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise NoteError("a verifier key's id must be hex and its key base64") from None
    if len(raw) != 33 or raw[0] not in _SIGNATURE_BYTES or len(wanted) != 4 or len(hex_id) != 8:
        raise NoteError("only Ed25519 verifier keys (type 0x01 or 0x04, 32 bytes) are supported")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public_key, raw[0]) != wanted:
        raise NoteError(f"the key id {hex_id} does not match the key named {name}")
    return Verifier(name, wanted, public_key, raw[0])


def check_text(text: str) -> None:
    """What a note's text must be: non-empty, ending in a newline, no control characters."""
    if not text.endswith("\n") or text == "\n":
        raise NoteError("a note's text must be non-empty and end in a newline")
    _check_characters(text)


def _check_characters(note: str) -> None:
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note must not hold control characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in note):
        raise NoteError("a note must be valid UTF-8")


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """``text`` signed by one key (type 0x01), as a signed note."""
    check_text(text)
    _check_name(name)
    signature = NoteSignature(name, key_id(name, private_key.public_key()), private_key.sign(text.encode()))
    return f"{text}\n{signature.line()}"


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What a witness signs (tlog-cosignature, Ed25519): a header, the time, the checkpoint."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> NoteSignature:
    """A witness's timestamped cosignature (type 0x04) of a checkpoint's text."""
    check_text(text)
    _check_name(name)
    if not 0 < timestamp <= _MAX_TIMESTAMP:
        raise NoteError("a cosignature's time is a positive POSIX time")
    signed = private_key.sign(cosignature_message(text, timestamp))
    return NoteSignature(
        name, key_id(name, private_key.public_key(), COSIGNATURE), struct.pack(">Q", timestamp) + signed
    )


def parse_signature_line(line: str) -> NoteSignature:
    """One ``— name base64`` line (without its newline)."""
    if not line.startswith(DASH):
        raise NoteError("a signature line starts with an em dash and a space")
    name, _, encoded = line[len(DASH) :].partition(" ")
    _check_name(name)
    try:
        blob = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise NoteError("a signature must be base64") from None
    if len(blob) < 5:
        raise NoteError("a signature holds a key id and at least one byte")
    return NoteSignature(name, blob[:4], blob[4:])


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and its signature lines (none is verified).

    The text is separated from the signatures by the note's last blank line; it may hold
    blank lines itself."""
    if len(note.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise NoteError("the note is too large")
    _check_characters(note)
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is a text, a blank line and signature lines")
    text, lines = note[: cut + 1], note[cut + 2 :].split("\n")[:-1]
    check_text(text)
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a signed note carries 1 to {MAX_SIGNATURES} signatures")
    return text, [parse_signature_line(line) for line in lines]


def open_note(note: str, verifiers: list[Verifier], threshold: int = 1) -> tuple[str, list[Verifier]]:
    """The note's text, if at least ``threshold`` of ``verifiers`` signed it; and which did.

    Signatures by unknown keys are ignored (a note may carry witnesses' cosignatures); a
    signature line of a known key that does not verify rejects the whole note, as the
    specification asks."""
    text, signatures = parse_note(note)
    signed: list[Verifier] = []
    for known in verifiers:
        mine = [s for s in signatures if s.name == known.name and s.key_id == known.key_id]
        if not mine:
            continue
        if not all(known.verifies(text, s) for s in mine):
            raise NoteError(f"the signature of {known.name} does not verify")
        if known not in signed:
            signed.append(known)
    if len(signed) < threshold:
        raise NoteError(f"the note is signed by {len(signed)} of the required {threshold} known key(s)")
    return text, signed
