"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A signed note is a UTF-8 text ending in a newline, a blank line, then one signature line
per signer::

    <text, each line ending in \\n>
    \\n
    — <key name> <base64(key id ‖ signature)>\\n

``—`` is U+2014 EM DASH followed by a space. The Ed25519 signature covers the text exactly,
its final newline included. A key is named by a string without spaces or ``+``; its
4-byte key id is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), 0x01
being the Ed25519 signature type. A verifier key is written ``name+<8 hex key id>+<base64(
0x01 ‖ public key)>`` (the form Go's ``golang.org/x/mod/sumdb/note`` reads).

The ledger signs its checkpoints (C2SP tlog-checkpoint) and its dossiers' manifests as
signed notes, so that any implementation of the specification can check them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ED25519",
    "NoteError",
    "NoteSignature",
    "Verifier",
    "check_text",
    "key_id",
    "open_note",
    "parse_note",
    "parse_vkey",
    "sign_note",
    "vkey",
]

#: the signature type byte of Ed25519 in key ids and verifier keys
ED25519 = 0x01
DASH = "\u2014 "
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20


class NoteError(ValueError):
    """A note that is malformed, or not signed as required."""


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes  # 4 bytes
    signature: bytes  # 64 bytes for Ed25519

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Verifier:
    """A key that may have signed a note: its name, id and Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    def verifies(self, text: str, signature: NoteSignature) -> bool:
        if signature.name != self.name or signature.key_id != self.key_id:
            return False
        try:
            self.public_key.verify(signature.signature, text.encode())
        except InvalidSignature:
            return False
        return True


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key id of an Ed25519 key named ``name``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + _raw(public_key)).digest()[:4]


def vkey(name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key text: ``name+hex(key id)+base64(0x01 ‖ public key)``."""
    _check_name(name)
    encoded = base64.b64encode(bytes([ED25519]) + _raw(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


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
    if len(raw) != 33 or raw[0] != ED25519 or len(wanted) != 4:
        raise NoteError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public_key) != wanted:
        raise NoteError(f"the key id {hex_id} does not match the key named {name}")
    return Verifier(name, wanted, public_key)


def check_text(text: str) -> None:
    """What a note's text must be: non-empty, ending in a newline, no blank line, no controls."""
    if not text.endswith("\n") or text == "\n":
        raise NoteError("a note's text must be non-empty and end in a newline")
    if "\n\n" in text:
        raise NoteError("a note's text must not hold a blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note's text must not hold control characters")


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """``text`` signed by one key, as a signed note."""
    check_text(text)
    _check_name(name)
    signature = NoteSignature(name, key_id(name, private_key.public_key()), private_key.sign(text.encode()))
    return f"{text}\n{signature.line()}"


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and its signature lines (none is verified)."""
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise NoteError("the note is too large")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is a text, a blank line and signature lines")
    text, lines = note[: cut + 1], note[cut + 2 :].splitlines()
    check_text(text)
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a signed note carries 1 to {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(DASH):
            raise NoteError("a signature line starts with an em dash and a space")
        name, _, encoded = line[len(DASH) :].rpartition(" ")
        _check_name(name)
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError("a signature must be base64") from None
        if len(blob) < 5:
            raise NoteError("a signature holds a key id and at least one byte")
        signatures.append(NoteSignature(name, blob[:4], blob[4:]))
    return text, signatures


def open_note(note: str, verifiers: list[Verifier], threshold: int = 1) -> tuple[str, list[Verifier]]:
    """The note's text, if at least ``threshold`` of ``verifiers`` signed it; and which did.

    Signatures by unknown keys are ignored (a note may carry witnesses' cosignatures); a
    signature line of a known key that does not verify rejects the whole note, as the
    specification asks."""
    text, signatures = parse_note(note)
    signed: list[Verifier] = []
    for verifier in verifiers:
        mine = [s for s in signatures if s.name == verifier.name and s.key_id == verifier.key_id]
        if not mine:
            continue
        if not verifier.verifies(text, mine[0]):
            raise NoteError(f"the signature of {verifier.name} does not verify")
        signed.append(verifier)
    if len(signed) < threshold:
        raise NoteError(f"the note is signed by {len(signed)} of the required {threshold} known key(s)")
    return text, signed
