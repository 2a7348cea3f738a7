"""The Merkle tree follows RFC 9162: the published vectors, and properties against a naive tree."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle import (
    EMPTY_ROOT,
    MerkleLog,
    event_leaf_hash,
    leaf_hash,
    node_hash,
    proof_from_hex,
    proof_to_hex,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rfc6962"


def _load(name: str) -> Any:
    path = VECTORS / name
    if not path.is_file():  # never skip: a missing vector file must fail the suite
        pytest.fail(f"RFC 6962 test vectors not found at {path} (they belong to the repository: tests/vectors/rfc6962)")
    return json.loads(path.read_text())


def _b64(text: str | None) -> bytes:
    return base64.b64decode(text or "")


def _proof(items: list[str] | None) -> list[bytes]:
    return [_b64(item) for item in items or []]


def _id(case: dict[str, Any]) -> str:
    return str(case["file"])


def _vectors(name: str) -> list[dict[str, Any]]:
    path = VECTORS / name
    return json.loads(path.read_text()) if path.is_file() else []


# -- the reference: RFC 9162 §2.1.1 read literally -------------------------------------------


def reference_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def leaves_of(count: int, salt: int = 0) -> list[bytes]:
    return [leaf_hash(f"{salt}:{i}".encode()) for i in range(count)]


# -- vectors ---------------------------------------------------------------------------------


def test_vector_files_are_present() -> None:
    """The vectors are part of the suite; their absence is a failure, not a skip."""
    assert len(_load("inclusion.json")) > 0
    assert len(_load("consistency.json")) > 0


@pytest.mark.parametrize("case", _vectors("inclusion.json"), ids=_id)
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    """Every valid inclusion vector is accepted and every invalid one rejected."""
    ok = verify_inclusion(
        _b64(case["leafHash"]), case["leafIdx"], case["treeSize"], _proof(case["proof"]), _b64(case["root"])
    )
    assert ok is not case["wantErr"], case["desc"]


@pytest.mark.parametrize("case", _vectors("consistency.json"), ids=_id)
def test_consistency_vectors(case: dict[str, Any]) -> None:
    """Every valid consistency vector is accepted and every invalid one rejected."""
    ok = verify_consistency(
        case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), _proof(case["proof"])
    )
    assert ok is not case["wantErr"], case["desc"]


def test_reference_tree_roots() -> None:
    """trees.json: the roots of the first n leaves of the reference tree, n = 0..8."""
    trees = _load("trees.json")
    log = MerkleLog(leaf_hash(bytes.fromhex(data)) for data in trees["leaf_inputs"])
    assert [log.root(n).hex() for n in range(len(trees["roots"]))] == trees["roots"]
    assert len(trees["roots"]) == 9


def test_empty_tree() -> None:
    """The empty tree's root is SHA-256 of the empty string."""
    assert MerkleLog().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])


def test_event_leaf_is_the_raw_event_hash() -> None:
    """An event's leaf input is the 32 raw bytes of its hex chain hash."""
    event_hash = hashlib.sha256(b"event").hexdigest()
    assert event_leaf_hash(event_hash) == hashlib.sha256(b"\x00" + bytes.fromhex(event_hash)).digest()
    with pytest.raises(ValueError, match="32 bytes"):
        event_leaf_hash("abcd")
    log = MerkleLog.from_event_hashes([event_hash])
    assert log.root() == event_leaf_hash(event_hash)


# -- properties ------------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=300)


def test_roots_equal_the_reference_for_every_size_up_to_130() -> None:
    """Incremental roots match the naive recursion at every historical size."""
    leaves = leaves_of(130)
    log = MerkleLog()
    for count, leaf in enumerate(leaves, start=1):
        log.append(leaf)
        assert log.root() == reference_root(leaves[:count])
    assert all(log.root(n) == reference_root(leaves[:n]) for n in range(131))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=0, max_value=600), split=st.integers(min_value=0, max_value=600))
def test_append_and_extend_build_the_same_tree(size: int, split: int) -> None:
    """Leaf-by-leaf appends and bulk extends, mixed, give the reference root."""
    leaves = leaves_of(size, salt=split)
    log = MerkleLog(leaves[: min(split, size)])
    for leaf in leaves[min(split, size) :]:
        log.append(leaf)
    assert len(log) == size
    assert log.root() == reference_root(leaves)
    assert all(log.leaf(i) == leaves[i] for i in range(size))


@settings(max_examples=40, deadline=None)
@given(size=sizes, data=st.data())
def test_every_inclusion_proof_verifies(size: int, data: st.DataObject) -> None:
    """For a random historical size, every leaf's proof verifies against root(size)."""
    log = MerkleLog(leaves_of(size + data.draw(st.integers(0, 40), label="later leaves")))
    root = log.root(size)
    assert root == reference_root(leaves_of(size))
    for index in range(size):
        assert verify_inclusion(log.leaf(index), index, size, log.inclusion_proof(index, size), root)


@settings(max_examples=40, deadline=None)
@given(size2=sizes, data=st.data())
def test_every_consistency_proof_verifies(size2: int, data: st.DataObject) -> None:
    """Every older size is proven a prefix of a newer one."""
    log = MerkleLog(leaves_of(size2 + data.draw(st.integers(0, 40), label="later leaves")))
    root2 = log.root(size2)
    for size1 in range(1, size2 + 1):
        proof = log.consistency_proof(size1, size2)
        assert verify_consistency(size1, size2, log.root(size1), root2, proof), size1


def _flip(proof: list[bytes], item: int, bit: int) -> list[bytes]:
    changed = bytearray(proof[item])
    changed[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:item], bytes(changed), *proof[item + 1 :]]


@settings(max_examples=100, deadline=None)
@given(size=st.integers(min_value=2, max_value=300), data=st.data())
def test_an_inclusion_proof_with_a_flipped_bit_fails(size: int, data: st.DataObject) -> None:
    log = MerkleLog(leaves_of(size))
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = log.inclusion_proof(index)
    bad = _flip(proof, data.draw(st.integers(0, len(proof) - 1)), data.draw(st.integers(0, 255)))
    assert not verify_inclusion(log.leaf(index), index, size, bad, log.root())


@settings(max_examples=100, deadline=None)
@given(size2=st.integers(min_value=2, max_value=300), data=st.data())
def test_a_consistency_proof_with_a_flipped_bit_fails(size2: int, data: st.DataObject) -> None:
    log = MerkleLog(leaves_of(size2))
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    proof = log.consistency_proof(size1)
    bad = _flip(proof, data.draw(st.integers(0, len(proof) - 1)), data.draw(st.integers(0, 255)))
    assert not verify_consistency(size1, size2, log.root(size1), log.root(), bad)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=1, max_value=200), data=st.data())
def test_a_proof_for_another_leaf_or_size_fails(size: int, data: st.DataObject) -> None:
    """A proof binds its index and size: the same path does not prove a neighbour."""
    log = MerkleLog(leaves_of(size + 1))
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = log.inclusion_proof(index, size)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other") if size > 1 else None
    if other is not None:
        assert not verify_inclusion(log.leaf(other), index, size, proof, log.root(size))
    assert not verify_inclusion(log.leaf(index), index, size, proof, log.root(size + 1))


# -- malformed input is rejected, not raised -------------------------------------------------


@pytest.mark.parametrize(
    "proof",
    [None, "not a list", b"\x00" * 32, [b"\x00" * 31], ["00" * 32], [None], 42],
)
def test_malformed_proofs_are_rejected(proof: Any) -> None:
    log = MerkleLog(leaves_of(5))
    assert not verify_inclusion(log.leaf(1), 1, 5, proof, log.root())
    assert not verify_consistency(2, 5, log.root(2), log.root(), proof)


@pytest.mark.parametrize(
    ("index", "size"),
    [(-1, 5), (5, 5), (0, 0), (True, 5), (1.0, 5), ("1", 5), (1, -5)],
)
def test_malformed_indices_are_rejected(index: Any, size: Any) -> None:
    log = MerkleLog(leaves_of(5))
    assert not verify_inclusion(log.leaf(1), index, size, log.inclusion_proof(1), log.root())


def test_out_of_range_queries_raise() -> None:
    log = MerkleLog(leaves_of(5))
    with pytest.raises(ValueError, match="tree size"):
        log.root(6)
    with pytest.raises(IndexError):
        log.inclusion_proof(5)
    with pytest.raises(ValueError, match="0 < size1"):
        log.consistency_proof(0, 5)
    with pytest.raises(ValueError, match="0 < size1"):
        log.consistency_proof(4, 3)
    with pytest.raises(ValueError, match="32 bytes"):
        log.append(b"short")
    assert log.consistency_proof(5) == []


def test_proofs_round_trip_through_hex() -> None:
    proof = MerkleLog(leaves_of(11)).inclusion_proof(3)
    assert proof_from_hex(proof_to_hex(proof)) == proof
    with pytest.raises(ValueError, match="32 bytes"):
        proof_from_hex(["00"])
    with pytest.raises(ValueError, match="list"):
        proof_from_hex("00" * 32)


def test_proof_sizes_are_logarithmic() -> None:
    """An inclusion proof has at most ceil(log2 n) hashes; the cache keeps a query cheap."""
    log = MerkleLog(leaves_of(5000))
    assert max(len(log.inclusion_proof(i)) for i in range(0, 5000, 97)) <= 13
    assert len(log.consistency_proof(1234)) <= 2 * 13
