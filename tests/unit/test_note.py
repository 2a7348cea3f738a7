"""C2SP signed notes and cosignatures, byte for byte against the specifications' examples."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.note import (
    COSIGNATURE,
    ED25519,
    NoteError,
    cosign,
    cosignature_message,
    key_id,
    open_note,
    parse_note,
    parse_vkey,
    sign_note,
    verifier,
    vkey,
)
from tests.signed_note_reference import ed25519_verify, verify_cosignature, verify_note_signature

VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[1] / "vectors/c2sp/vectors.json").read_text("utf-8"))
GO = VECTORS["go_sumdb_note"]


def _go_signer() -> Ed25519PrivateKey:
    """The private key of Go's note tests: ``PRIVATE+KEY+name+id+base64(0x01 ‖ seed)``."""
    seed = base64.b64decode(GO["skey"].split("+", 4)[4])
    assert seed[0] == ED25519
    return Ed25519PrivateKey.from_private_bytes(seed[1:])


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_signing_is_byte_for_byte_the_reference_implementation() -> None:
    """With Go's test key, the note, its key id and its verifier key are the exact bytes Go writes."""
    key = _go_signer()
    assert sign_note(GO["text"], "PeterNeumann", key) == GO["text"] + "\n" + GO["signature_line"]
    assert vkey("PeterNeumann", key.public_key()) == GO["vkey"]
    assert key_id("PeterNeumann", key.public_key()).hex() == "c74f20a3"


def test_the_specification_example_verifies() -> None:
    """signed-note's example note opens with its verifier key, here and in the reference verifier."""
    example = VECTORS["signed_note"]["example"]
    known = parse_vkey(example["vkey"])
    text, signed = open_note(example["note"], [known])
    assert text == example["text"]
    assert signed == [known]
    assert known.vkey() == example["vkey"]
    raw = base64.b64decode(example["vkey"].split("+", 2)[2])[1:]
    assert verify_note_signature(example["note"].encode(), "example.com/foo", raw)


def test_the_text_ends_at_the_last_blank_line() -> None:
    """A text may hold blank lines: the signatures start after the note's last one."""
    vector = VECTORS["signed_note"]["text_with_blank_line"]
    text, signatures = parse_note(vector["note"])
    assert text == vector["text"]
    assert [(s.name, s.key_id.hex()) for s in signatures] == [(vector["key_name"], vector["key_id"])]
    assert len(signatures[0].signature) == 64


def test_unknown_signers_are_ignored_and_a_bad_known_signature_rejects_the_note() -> None:
    peter, enoch = parse_vkey(GO["vkey"]), parse_vkey(GO["other_vkey"])
    note = GO["text"] + "\n" + GO["signature_line"] + GO["other_signature_line"]
    assert open_note(note, [peter])[1] == [peter]
    assert open_note(note, [peter, enoch], threshold=2)[1] == [peter, enoch]
    with pytest.raises(NoteError, match="1 of the required 2"):
        open_note(note, [peter], threshold=2)
    with pytest.raises(NoteError, match="0 of the required 1"):
        open_note(note, [])
    line = GO["signature_line"]
    broken = GO["text"] + "\n" + line[:60] + "ABCD" + line[60:]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(broken, [peter])


@pytest.mark.parametrize(
    "mangle",
    [
        lambda text, sig: text,
        lambda text, sig: text + "\n",
        lambda text, sig: text + "\n" + sig[:-1],
        lambda text, sig: "\x01" + text + "\n" + sig,
        lambda text, sig: text + "\n" + sig.replace("PeterNeumann", "Bad Name"),
        lambda text, sig: text + "\n" + sig + "Unexpected line.\n",
        lambda text, sig: text + "\n" + sig * 101,
    ],
)
def test_malformed_notes_are_refused(mangle: Any) -> None:
    """The malformed notes of Go's tests: no signatures, a cut line, a control byte, a bad name …"""
    with pytest.raises(NoteError):
        open_note(mangle(GO["text"], GO["signature_line"]), [parse_vkey(GO["vkey"])])


def test_a_mangled_verifier_key_is_refused() -> None:
    """Every cut and every changed byte of a verifier key fails, as in Go's TestNewVerifier."""
    text = GO["vkey"]
    for i in range(len(text)):
        for j in range(i + 1, len(text) + 1):
            if (i, j) != (0, len(text)):
                with pytest.raises((NoteError, ValueError)):
                    parse_vkey(text[i:j])
    for i in range(len(text)):
        changed = text[:i] + chr(ord(text[i]) + 1) + text[i + 1 :]
        with pytest.raises((NoteError, ValueError)):
            parse_vkey(changed)


def test_the_cosignature_example_states_its_time_and_message() -> None:
    """tlog-cosignature's example: key id, POSIX time, and the exact signed message."""
    vector = VECTORS["tlog_cosignature"]
    text, signatures = parse_note(vector["note"])
    witness = next(s for s in signatures if s.name == vector["witness"])
    assert witness.key_id.hex() == vector["witness_key_id"]
    assert witness.timestamp == vector["timestamp"]
    assert cosignature_message(text, witness.timestamp) == vector["signed_message"].encode()


def test_a_cosignature_verifies_independently() -> None:
    """A witness's cosignature (type 0x04) checks with the reference verifier and its vkey."""
    witness = Ed25519PrivateKey.generate()
    checkpoint = VECTORS["tlog_checkpoint"]["note"]
    text, _ = parse_note(checkpoint)
    line = cosign(text, "witness.example/w1", witness, 1_700_000_000).line()
    note = checkpoint + line
    assert verify_cosignature(note.encode(), "witness.example/w1", _raw(witness)) == 1_700_000_000
    as_text = vkey("witness.example/w1", witness.public_key(), COSIGNATURE)
    assert base64.b64decode(as_text.split("+", 2)[2])[0] == COSIGNATURE
    known = parse_vkey(as_text)
    assert known.kind == COSIGNATURE
    assert open_note(note, [known])[1] == [known]
    # the same key as a plain note signer has another id: the cosignature is not its signature
    assert open_note(note, [verifier("witness.example/w1", witness.public_key())], threshold=0)[1] == []
    with pytest.raises(NoteError):
        cosign(text, "witness.example/w1", witness, 0)


def test_a_note_signed_here_verifies_independently() -> None:
    key = Ed25519PrivateKey.generate()
    note = sign_note("ledger.example/log\n7\n" + base64.b64encode(bytes(32)).decode() + "\n", "ledger.example/log", key)
    assert verify_note_signature(note.encode(), "ledger.example/log", _raw(key))
    assert not verify_note_signature(note.replace("\n7\n", "\n8\n").encode(), "ledger.example/log", _raw(key))


def test_the_reference_verifier_agrees_with_rfc_8032() -> None:
    """RFC 8032 §7.1 test 2 (one-byte message): the independent verifier is itself right."""
    public = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    signature = bytes.fromhex(
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    )
    assert ed25519_verify(public, bytes([0x72]), signature)
    assert not ed25519_verify(public, bytes([0x73]), signature)
