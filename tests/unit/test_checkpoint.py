"""C2SP checkpoints: the tlog-checkpoint text byte for byte, signed as a note anyone can check."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import (
    Checkpoint,
    LogKey,
    SignedCheckpoint,
    default_origin,
    load_or_create_signing_key,
    load_public_key,
    open_checkpoint,
    public_key_pem,
    raw_public_key,
)
from ledger.merkle import EMPTY_ROOT, MerkleLog, leaf_hash
from ledger.note import COSIGNATURE, cosign, parse_vkey, verifier
from tests.signed_note_reference import verify_cosignature, verify_note_signature

VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[1] / "vectors/c2sp/vectors.json").read_text("utf-8"))
WHEN = datetime(2026, 11, 22, 5, 53, 0, 123456, tzinfo=UTC)


@pytest.fixture
def key() -> LogKey:
    return LogKey(Ed25519PrivateKey.generate(), "ledger.linyi.example/log")


def test_the_text_is_the_specification_example_byte_for_byte() -> None:
    """tlog-checkpoint's example: origin, size, base64 root, and nothing else."""
    vector = VECTORS["tlog_checkpoint"]
    root = base64.b64decode(vector["root_base64"])
    text = vector["note"].split("\n\n")[0] + "\n"
    assert Checkpoint(vector["origin"], vector["size"], root).text() == text
    assert Checkpoint.parse(text) == Checkpoint(vector["origin"], vector["size"], root)
    signed = SignedCheckpoint.from_note(vector["note"])
    assert signed.checkpoint.size == 20852163
    assert [s.name for s in signed.signatures] == ["example.com/behind-the-sofa"]


def test_a_signed_checkpoint_is_the_documented_note(key: LogKey) -> None:
    """Four lines (origin, size, base64 root, time), a blank line, the log's signature line."""
    log = MerkleLog(leaf_hash(bytes([i])) for i in range(7))
    signed = key.sign(7, log.root(), WHEN)
    root64 = base64.b64encode(log.root()).decode()
    text = f"ledger.linyi.example/log\n7\n{root64}\ntime 2026-11-22T05:53:00.123456Z\n"
    assert signed.note.startswith(text + "\n\u2014 ledger.linyi.example/log ")
    assert signed.note.count("\n") == 6
    assert signed.checkpoint.timestamp == "2026-11-22T05:53:00.123456Z"
    # the key name is the origin; the key id is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]
    raw = raw_public_key(key.public_key)
    wanted = hashlib.sha256(b"ledger.linyi.example/log\n\x01" + raw).digest()[:4]
    assert signed.signatures[0].key_id == wanted
    encoded = base64.b64encode(bytes([1]) + raw).decode()
    assert key.vkey == f"ledger.linyi.example/log+{wanted.hex()}+{encoded}"
    assert key.open(signed.note) == signed


def test_an_independent_verifier_accepts_the_ledgers_checkpoint(key: LogKey) -> None:
    """The note checks with nothing but the spec: name, key id, Ed25519 over the text."""
    signed = key.sign(0, EMPTY_ROOT, WHEN)
    raw = raw_public_key(key.public_key)
    assert verify_note_signature(signed.note.encode(), "ledger.linyi.example/log", raw)
    forged = signed.note.replace("\n0\n", "\n1\n", 1)
    assert not verify_note_signature(forged.encode(), "ledger.linyi.example/log", raw)


def test_witness_cosignatures_ride_on_the_same_note(key: LogKey) -> None:
    """Cosignatures are appended lines; the checkpoint opens with a threshold of known witnesses."""
    signed = key.sign(3, EMPTY_ROOT, WHEN)
    witnesses = [Ed25519PrivateKey.generate() for _ in range(3)]
    lines = [
        cosign(signed.checkpoint.text(), f"w{i}.example/witness", w, 1_800_000_000 + i) for i, w in enumerate(witnesses)
    ]
    cosigned = signed.with_cosignatures(lines[:2]).with_cosignatures(lines[:1])
    assert cosigned.note.count("\u2014 ") == 3  # the log and two witnesses, none twice
    known = [verifier(f"w{i}.example/witness", w.public_key(), COSIGNATURE) for i, w in enumerate(witnesses)]
    opened, cosigners = open_checkpoint(cosigned.note, key.verifier, known, threshold=2)
    assert opened.checkpoint == signed.checkpoint
    assert cosigners == known[:2]
    with pytest.raises(ValueError, match="2 of the required 3"):
        open_checkpoint(cosigned.note, key.verifier, known, threshold=3)
    raw = raw_public_key(witnesses[1])
    assert verify_cosignature(cosigned.note.encode(), "w1.example/witness", raw) == 1_800_000_001
    body = cosigned.to_json(key.verifier)
    assert [c["timestamp"] for c in body["cosignatures"]] == [
        "2027-01-15T08:00:00.000000Z",
        "2027-01-15T08:00:01.000000Z",
    ]
    assert body["vkey"] == key.vkey
    assert body["note"] == cosigned.note
    assert body["root"] == EMPTY_ROOT.hex()


def test_another_key_or_an_altered_note_is_refused(key: LogKey) -> None:
    signed = key.sign(5, EMPTY_ROOT, WHEN)
    other = LogKey(Ed25519PrivateKey.generate(), key.origin)
    with pytest.raises(ValueError, match="0 of the required 1"):
        other.open(signed.note)
    with pytest.raises(ValueError, match="does not verify"):
        key.open(signed.note.replace("\n5\n", "\n6\n"))
    with pytest.raises(ValueError, match="0 of the required 1"):
        key.open(signed.note.replace("ledger.linyi", "ledger.linyl"))


@pytest.mark.parametrize(
    "text",
    [
        "origin\n7\n",
        "origin\n07\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n+7\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n7\n" + base64.b64encode(bytes(31)).decode() + "\n",
        "origin\n7\n" + base64.b64encode(bytes(32)).decode(),
        "origin\n7\n" + base64.b64encode(bytes(32)).decode() + "\n\n",
        "has space\n7\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "\n7\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n\u0667\n" + base64.b64encode(bytes(32)).decode() + "\n",
    ],
)
def test_malformed_checkpoint_texts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"checkpoint|size|root|origin|extension"):
        Checkpoint.parse(text)


def test_the_default_origin_follows_the_key() -> None:
    """Without LEDGER_ORIGIN the origin is fixed by the key: duty-ledger/<16 hex of its digest>."""
    private = Ed25519PrivateKey.generate()
    digest = hashlib.sha256(raw_public_key(private)).hexdigest()[:16]
    assert default_origin(private.public_key()) == f"duty-ledger/{digest}"
    assert LogKey(private).origin == f"duty-ledger/{digest}"
    assert parse_vkey(LogKey(private).vkey).name == f"duty-ledger/{digest}"
    with pytest.raises(ValueError, match="origin"):
        LogKey(private, "a+b")


def test_times(key: LogKey) -> None:
    """An aware time is written in UTC with microseconds; a naive one is refused."""
    beijing = datetime(2026, 11, 22, 13, 53, tzinfo=timezone(timedelta(hours=8)))
    assert key.sign(0, EMPTY_ROOT, beijing).checkpoint.timestamp == "2026-11-22T05:53:00.000000Z"
    now = key.sign(0, EMPTY_ROOT).checkpoint.timestamp
    assert now is not None
    assert abs(datetime.fromisoformat(now) - datetime.now(UTC)) < timedelta(minutes=1)
    with pytest.raises(ValueError, match="timezone"):
        key.sign(0, EMPTY_ROOT, datetime(2026, 11, 22))


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    """The first use creates the key (owner-only); later uses load the very same key."""
    path = tmp_path / "keys" / "checkpoint.pem"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    assert content.startswith(b"-----BEGIN PRIVATE KEY-----")
    again = load_or_create_signing_key(str(path))
    assert path.read_bytes() == content
    assert public_key_pem(again) == public_key_pem(first)
    assert LogKey(first).vkey == LogKey(again).vkey
    assert sorted(p.name for p in path.parent.iterdir()) == ["checkpoint.pem"]  # no temporary left


def test_other_key_types_are_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "ec.pem"
    path.write_bytes(
        other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_or_create_signing_key(path)
    public = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_public_key(public.decode())
