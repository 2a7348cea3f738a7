"""Checkpoints and proofs over HTTP verify with nothing but the public key."""

from __future__ import annotations

from ledger.checkpoint import load_public_key, verify_checkpoint
from ledger.merkle import event_leaf_hash, proof_from_hex, verify_consistency, verify_inclusion
from tests.api.support import service


async def test_a_checkpoint_an_inclusion_proof_and_a_consistency_proof(db_url: str) -> None:
    async with service(db_url) as svc:
        status, checkpoint = await svc.get("/v1/integrity/checkpoint", role="viewer")
        assert status == 200
        key = load_public_key(checkpoint.pop("public_key"))
        assert verify_checkpoint(key, checkpoint)
        head = (await svc.store.head()).position
        assert checkpoint["size"] == head

        status, proof = await svc.get("/v1/integrity/proof/42")
        assert status == 200
        event = (await svc.store.read(after=41, limit=1))[0]
        assert proof["event_hash"] == event.hash
        assert verify_checkpoint(key, proof["checkpoint"])
        root = bytes.fromhex(proof["checkpoint"]["root"])
        assert verify_inclusion(event_leaf_hash(event.hash), 41, head, proof_from_hex(proof["proof"]), root)

        status, older = await svc.get("/v1/integrity/proof/42", size=50)
        assert older["size"] == 50
        assert verify_inclusion(
            event_leaf_hash(event.hash),
            41,
            50,
            proof_from_hex(older["proof"]),
            bytes.fromhex(older["checkpoint"]["root"]),
        )

        status, consistency = await svc.get("/v1/integrity/consistency", **{"from": 50, "to": head})
        assert status == 200
        first, second = consistency["checkpoints"]
        assert verify_checkpoint(key, first)
        assert verify_checkpoint(key, second)
        assert verify_consistency(
            50, head, bytes.fromhex(first["root"]), bytes.fromhex(second["root"]), proof_from_hex(consistency["proof"])
        )

        assert (await svc.get("/v1/integrity/proof/0"))[0] == 404
        assert (await svc.get("/v1/integrity/proof/99999"))[0] == 404
        assert (await svc.get("/v1/integrity/proof/42", size=10))[0] == 400
        assert (await svc.get("/v1/integrity/consistency", **{"from": 60, "to": 50}))[0] == 400
