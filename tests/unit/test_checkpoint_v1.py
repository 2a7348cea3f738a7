"""The first checkpoint format (v1): dossiers issued with it keep verifying with the public key."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import load_public_key, public_key_pem
from ledger.checkpoint_v1 import Checkpoint, key_id, sign_checkpoint, verify_checkpoint
from ledger.merkle import EMPTY_ROOT, MerkleLog, leaf_hash

WHEN = "2026-11-22T05:53:00.123456Z"


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signed(key: Ed25519PrivateKey) -> dict[str, Any]:
    log = MerkleLog(leaf_hash(bytes([i])) for i in range(7))
    return sign_checkpoint(key, 7, log.root(), WHEN)


def test_round_trip(key: Ed25519PrivateKey, signed: dict[str, Any]) -> None:
    """A checkpoint verifies with the signer's public key, also after a trip through PEM."""
    assert set(signed) == {"size", "root", "timestamp", "key_id", "signature"}
    assert verify_checkpoint(key.public_key(), signed)
    assert verify_checkpoint(load_public_key(public_key_pem(key)), signed)


def test_signed_bytes_are_the_documented_text(key: Ed25519PrivateKey) -> None:
    """The signature covers exactly the four documented lines."""
    signed = sign_checkpoint(key, 0, EMPTY_ROOT, WHEN)
    text = f"duty-ledger checkpoint v1\n0\n{EMPTY_ROOT.hex()}\n{WHEN}\n".encode()
    assert len(text) == 121
    assert Checkpoint.from_dict(signed).signed_bytes() == text
    key.public_key().verify(base64.b64decode(signed["signature"]), text)  # raises if not


def test_key_id_is_a_prefix_of_the_public_key_digest(key: Ed25519PrivateKey, signed: dict[str, Any]) -> None:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert signed["key_id"] == key_id(key) == key_id(key.public_key()) == hashlib.sha256(raw).hexdigest()[:16]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", 8),
        ("size", 6),
        ("root", EMPTY_ROOT.hex()),
        ("timestamp", "2026-11-22T05:53:01.123456Z"),
        ("key_id", "0" * 16),
        ("signature", base64.b64encode(bytes(64)).decode()),
    ],
)
def test_a_tampered_field_fails(key: Ed25519PrivateKey, signed: dict[str, Any], field: str, value: Any) -> None:
    assert not verify_checkpoint(key.public_key(), {**signed, field: value})


def test_a_flipped_signature_bit_fails(key: Ed25519PrivateKey, signed: dict[str, Any]) -> None:
    signature = bytearray(base64.b64decode(signed["signature"]))
    signature[10] ^= 0x04
    assert not verify_checkpoint(key.public_key(), {**signed, "signature": base64.b64encode(signature).decode()})


def test_the_wrong_key_fails(signed: dict[str, Any]) -> None:
    other = Ed25519PrivateKey.generate()
    assert not verify_checkpoint(other.public_key(), signed)
    # even when the key id is changed to name the other key
    assert not verify_checkpoint(other.public_key(), {**signed, "key_id": key_id(other)})


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: None,
        lambda c: [c],
        lambda c: {k: v for k, v in c.items() if k != "signature"},
        lambda c: {k: v for k, v in c.items() if k != "root"},
        lambda c: {**c, "size": "7"},
        lambda c: {**c, "size": True},
        lambda c: {**c, "size": -1},
        lambda c: {**c, "root": c["root"].upper()},
        lambda c: {**c, "root": c["root"][:-2]},
        lambda c: {**c, "timestamp": "2026-11-22T13:53:00.123456+08:00"},
        lambda c: {**c, "timestamp": "2026-02-30T00:00:00Z"},
        lambda c: {**c, "timestamp": WHEN + "\n"},
        lambda c: {**c, "signature": "***"},
        lambda c: {**c, "signature": c["signature"][:-4]},
        lambda c: {**c, "signature": 5},
    ],
)
def test_malformed_checkpoints_are_rejected_not_raised(
    key: Ed25519PrivateKey, signed: dict[str, Any], mangle: Any
) -> None:
    assert not verify_checkpoint(key.public_key(), mangle(signed))


def test_timestamps(key: Ed25519PrivateKey) -> None:
    """An aware datetime is written in UTC with microseconds; a naive one is refused."""
    beijing = datetime(2026, 11, 22, 13, 53, tzinfo=timezone(timedelta(hours=8)))
    assert sign_checkpoint(key, 0, EMPTY_ROOT, beijing)["timestamp"] == "2026-11-22T05:53:00.000000Z"
    now = sign_checkpoint(key, 0, EMPTY_ROOT)["timestamp"]
    assert abs(datetime.fromisoformat(now) - datetime.now(UTC)) < timedelta(minutes=1)
    with pytest.raises(ValueError, match="timezone"):
        sign_checkpoint(key, 0, EMPTY_ROOT, datetime(2026, 11, 22))
    with pytest.raises(ValueError, match="UTC"):
        sign_checkpoint(key, 0, EMPTY_ROOT, "2026-11-22T13:53:00+08:00")


def test_bad_roots_are_refused_when_signing(key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        sign_checkpoint(key, 1, b"short", WHEN)
    with pytest.raises(ValueError, match="hex"):
        sign_checkpoint(key, 1, "zz" * 32, WHEN)
    assert sign_checkpoint(key, 1, EMPTY_ROOT.hex().upper(), WHEN)["root"] == EMPTY_ROOT.hex()


def test_public_key_loads_from_pem_text_or_file(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    pem = public_key_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    path = tmp_path / "public.pem"
    path.write_text(pem)
    for source in (pem, path, str(path)):
        assert key_id(load_public_key(source)) == key_id(key)
