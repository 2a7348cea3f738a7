"""A C2SP tlog-witness: cosigns only what extends what it cosigned, answers as the spec fixes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import LogKey, SignedCheckpoint, raw_public_key
from ledger.merkle import EMPTY_ROOT, MerkleLog, leaf_hash
from ledger.note import COSIGNATURE, open_note, parse_signature_line, verifier
from ledger.witness import (
    SIZE_CONTENT_TYPE,
    Witness,
    WitnessedLog,
    WitnessState,
    add_checkpoint_body,
    origin_hash,
    parse_add_checkpoint,
    parse_size,
)
from tests.signed_note_reference import verify_cosignature

VECTORS: dict[str, Any] = json.loads((Path(__file__).parents[1] / "vectors/c2sp/vectors.json").read_text("utf-8"))
ORIGIN = "ledger.linyi.example/log"


class Log:
    """A log of numbered leaves, signing checkpoints like the ledger."""

    def __init__(self, key: LogKey, salt: bytes = b"") -> None:
        self.key = key
        self.tree = MerkleLog()
        self.salt = salt

    def grow(self, n: int) -> SignedCheckpoint:
        for _ in range(n):
            self.tree.append(leaf_hash(self.salt + len(self.tree).to_bytes(4, "big")))
        return self.key.sign(self.tree.size, self.tree.root())

    def request(self, old: int, signed: SignedCheckpoint) -> bytes:
        size = signed.checkpoint.size
        proof = self.tree.consistency_proof(old, size) if 0 < old < size else []
        return add_checkpoint_body(old, proof, signed.note)


@pytest.fixture
def key() -> LogKey:
    return LogKey(Ed25519PrivateKey.generate(), ORIGIN)


@pytest.fixture
def witness(tmp_path: Path, key: LogKey) -> Witness:
    return _witness(tmp_path, key, Ed25519PrivateKey.generate())


def _witness(tmp_path: Path, key: LogKey, private: Ed25519PrivateKey) -> Witness:
    state = WitnessState(tmp_path / "state.json")
    return Witness("witness.example/w1", private, [WitnessedLog(ORIGIN, (key.verifier,))], state)


def test_the_specifications_request_parses() -> None:
    """tlog-witness's example body: the old size, four proof hashes, then the checkpoint."""
    vector = VECTORS["tlog_witness"]
    old, proof, note = parse_add_checkpoint(vector["request"].encode())
    assert old == vector["old_size"]
    assert [base64.b64encode(h).decode() for h in proof] == vector["proof"]
    assert note.startswith("example.com/behind-the-sofa\n20852163\n")
    assert add_checkpoint_body(old, proof, note) == vector["request"].encode()
    for line in vector["response"].splitlines():
        assert parse_signature_line(line).name.startswith("witness.example/")


async def test_cosigns_a_consistent_checkpoint(witness: Witness, key: LogKey) -> None:
    log = Log(key)
    first = log.grow(10)
    answer = await witness.add_checkpoint(log.request(0, first))
    assert answer.status == 200
    line = answer.body.decode()
    signature = parse_signature_line(line.rstrip("\n"))
    assert signature.key_id == verifier("witness.example/w1", witness.private_key.public_key(), COSIGNATURE).key_id
    cosigned = first.note + line
    assert open_note(cosigned, [witness.verifier])[1] == [witness.verifier]
    raw = raw_public_key(witness.private_key)
    assert verify_cosignature(cosigned.encode(), "witness.example/w1", raw) == signature.timestamp

    later = log.grow(300)
    assert (await witness.add_checkpoint(log.request(10, later))).status == 200
    again = await witness.add_checkpoint(log.request(310, later))  # the same checkpoint again
    assert again.status == 200
    assert witness.monitored(origin_hash(ORIGIN)) is not None


async def test_a_stale_old_size_gets_409_with_the_size(witness: Witness, key: LogKey) -> None:
    log = Log(key)
    await witness.add_checkpoint(log.request(0, log.grow(10)))
    answer = await witness.add_checkpoint(log.request(0, log.grow(5)))
    assert (answer.status, answer.content_type) == (409, SIZE_CONTENT_TYPE)
    assert answer.body == b"10\n"
    assert parse_size(answer.body) == 10


async def test_a_fork_is_refused(witness: Witness, key: LogKey) -> None:
    """The same key signs another history: same size, or a longer one not extending the first."""
    honest, fork = Log(key), Log(key, salt=b"fork")
    assert (await witness.add_checkpoint(honest.request(0, honest.grow(20)))).status == 200
    same_size = fork.grow(20)
    answer = await witness.add_checkpoint(fork.request(20, same_size))
    assert answer.status == 422
    assert b"forked" in answer.body
    longer = fork.grow(10)
    forged = add_checkpoint_body(20, fork.tree.consistency_proof(20, 30), longer.note)
    assert (await witness.add_checkpoint(forged)).status == 422
    # and the honest log carries on
    assert (await witness.add_checkpoint(honest.request(20, honest.grow(1)))).status == 200


async def test_the_answers_the_specification_fixes(witness: Witness, key: LogKey) -> None:
    log = Log(key)
    signed = log.grow(4)
    stranger = LogKey(Ed25519PrivateKey.generate(), "other.example/log")
    impostor = LogKey(Ed25519PrivateKey.generate(), ORIGIN)
    cases = [
        (Log(stranger).request(0, Log(stranger).grow(1)), 404),
        (add_checkpoint_body(0, [], impostor.sign(4, log.tree.root()).note), 403),
        (add_checkpoint_body(0, [], signed.note.replace("\n4\n", "\n5\n")), 403),
        (add_checkpoint_body(5, [], signed.note), 400),
        (b"old 01\n\n" + signed.note.encode(), 400),
        (b"nonsense", 400),
        (add_checkpoint_body(0, [bytes(32)], signed.note), 422),
        (add_checkpoint_body(0, [], key.sign(0, bytes(32)).note), 422),
        (add_checkpoint_body(0, [bytes(32)] * 64, signed.note), 400),
    ]
    for body, status in cases:
        assert (await witness.add_checkpoint(body)).status == status, (body[:40], status)
    assert (await witness.add_checkpoint(add_checkpoint_body(0, [], key.sign(0, EMPTY_ROOT).note))).status == 200


async def test_the_witness_remembers_across_restarts(tmp_path: Path, key: LogKey) -> None:
    """Its state is on disk before it answers; a second process on the same state is refused."""
    private = Ed25519PrivateKey.generate()
    log = Log(key)
    first = _witness(tmp_path, key, private)
    assert (await first.add_checkpoint(log.request(0, log.grow(7)))).status == 200
    with pytest.raises(ValueError, match="another witness process"):
        WitnessState(tmp_path / "state.json")
    first.state.close()
    again = _witness(tmp_path, key, private)
    answer = await again.add_checkpoint(log.request(0, log.grow(3)))
    assert (answer.status, answer.body) == (409, b"7\n")
    fork = Log(key, salt=b"x")
    assert (await again.add_checkpoint(fork.request(7, fork.grow(7)))).status == 422
    assert (await again.add_checkpoint(log.request(7, log.key.sign(10, log.tree.root())))).status == 200
