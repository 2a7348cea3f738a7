"""Checkpoints and proofs over HTTP verify with nothing but the ledger's verifier key."""

from __future__ import annotations

import base64
from typing import Any

from ledger.checkpoint import open_checkpoint, raw_public_key
from ledger.merkle import event_leaf_hash, proof_from_hex, verify_consistency, verify_inclusion
from ledger.note import parse_vkey
from ledger.tiles import TILE_WIDTH, range_tiles, root_from_tiles, tile_path
from tests.api.support import Service, service
from tests.signed_note_reference import verify_note_signature


async def _visible_and_hidden(svc: Service) -> tuple[int, int]:
    """A position the 兰山区 viewer may read, and one it may not."""
    _, everything = await svc.get("/v1/events", limit=1000)
    _, theirs = await svc.get("/v1/events", role="viewer", limit=1000)
    mine = {e["position"] for e in theirs["events"]}
    hidden = next(e["position"] for e in everything["events"] if e["position"] not in mine)
    return min(mine), hidden


async def test_the_checkpoint_is_a_c2sp_note_in_json_or_as_itself(db_url: str) -> None:
    """JSON carries the note, its fields and the vkey; text/plain is the note itself."""
    async with service(db_url) as svc:
        status, body = await svc.get("/v1/integrity/checkpoint", role="viewer")
        assert status == 200
        head = (await svc.store.head()).position
        log = parse_vkey(body["vkey"])
        signed, _ = open_checkpoint(body["note"], log)
        assert (signed.checkpoint.size, body["size"]) == (head, head)
        assert signed.checkpoint.root.hex() == body["root"]
        assert base64.b64encode(signed.checkpoint.root).decode() == body["root_base64"]
        assert body["key_name"] == body["origin"] == log.name
        assert body["note"].startswith(f"{body['origin']}\n{head}\n{body['root_base64']}\ntime ")
        assert verify_note_signature(body["note"].encode(), log.name, raw_public_key(log.public_key))

        for headers, params in (({"Accept": "text/plain"}, {}), ({}, {"format": "note"})):
            response = await svc.client.get(
                "/v1/integrity/checkpoint", headers={**svc.auth("viewer"), **headers}, params=params
            )
            assert response.status == 200
            assert response.content_type == "text/plain"
            assert await response.text() == body["note"]  # the same checkpoint: the head has not moved
        assert (await svc.get("/v1/integrity/checkpoint", format="xml"))[0] == 400


async def test_an_inclusion_proof_and_a_consistency_proof(db_url: str) -> None:
    async with service(db_url) as svc:
        head = (await svc.store.head()).position
        status, proof = await svc.get("/v1/integrity/proof/42")
        assert status == 200
        event = (await svc.store.read(after=41, limit=1))[0]
        assert proof["event_hash"] == event.hash
        log = parse_vkey(proof["checkpoint"]["vkey"])
        signed, _ = open_checkpoint(proof["checkpoint"]["note"], log)
        assert signed.checkpoint.size == head
        path = proof_from_hex(proof["proof"])
        assert verify_inclusion(event_leaf_hash(event.hash), 41, head, path, signed.checkpoint.root)

        status, older = await svc.get("/v1/integrity/proof/42", size=50)
        old_signed, _ = open_checkpoint(older["checkpoint"]["note"], log)
        assert old_signed.checkpoint.size == older["size"] == 50
        assert verify_inclusion(
            event_leaf_hash(event.hash), 41, 50, proof_from_hex(older["proof"]), old_signed.checkpoint.root
        )

        window: dict[str, Any] = {"from": 50, "to": head}  # "from" is a keyword in Python
        status, consistency = await svc.get("/v1/integrity/consistency", **window)
        assert status == 200
        first, second = (open_checkpoint(c["note"], log)[0].checkpoint for c in consistency["checkpoints"])
        assert verify_consistency(50, head, first.root, second.root, proof_from_hex(consistency["proof"]))

        assert (await svc.get("/v1/integrity/proof/42", size=10))[0] == 400
        backwards: dict[str, Any] = {"from": 60, "to": 50}
        assert (await svc.get("/v1/integrity/consistency", **backwards))[0] == 400


async def test_odd_positions_are_404_never_500(db_url: str) -> None:
    """A Unicode digit (² passes str.isdigit), signs, spaces, huge numbers: not found."""
    async with service(db_url) as svc:
        for text in ("0", "99999", "%C2%B2", "%D9%A3", "-1", "+1", "%201", "1e3", "9" * 30, "0x10"):
            response = await svc.client.get(f"/v1/integrity/proof/{text}", headers=svc.auth("investigator"))
            assert response.status == 404, text
            assert response.content_type == "application/problem+json"
        for size in ("²", "1.0", "-5", "9" * 30):
            assert (await svc.get("/v1/integrity/proof/1", size=size))[0] == 400


async def test_proofs_only_for_events_the_token_may_read(db_url: str) -> None:
    """Outside a viewer's subtree a position looks exactly like one that does not exist."""
    async with service(db_url) as svc:
        mine, hidden = await _visible_and_hidden(svc)
        assert (await svc.get(f"/v1/integrity/proof/{mine}", role="viewer"))[0] == 200
        status, refused = await svc.get(f"/v1/integrity/proof/{hidden}", role="viewer")
        _, absent = await svc.get("/v1/integrity/proof/99999999", role="viewer")
        assert status == 404
        assert "hash" not in str(refused)
        worded = ("detail", "detail_en", "instance")
        assert {k: v for k, v in refused.items() if k not in worded} == {
            k: v for k, v in absent.items() if k not in worded
        }
        for key in ("detail", "detail_en"):
            assert refused[key].replace(str(hidden), "N") == absent[key].replace("99999999", "N")
        assert (await svc.get(f"/v1/integrity/proof/{hidden}", role="investigator"))[0] == 200


async def test_the_tiles_are_public_and_make_the_signed_root(db_url: str) -> None:
    """A mirror with no token fetches /log/checkpoint and the tiles, and recomputes the root."""
    async with service(db_url) as svc:
        response = await svc.client.get("/log/checkpoint")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        note = await response.text()
        _, body = await svc.get("/v1/integrity/checkpoint")
        signed, _ = open_checkpoint(note, parse_vkey(body["vkey"]))
        size = signed.checkpoint.size
        tiles = {}
        for (level, index), width in range_tiles([(0, size)]).items():
            full = (size >> (8 * (level + 1))) > index
            path = tile_path(level, index, TILE_WIDTH if full else (size >> (8 * level)) % TILE_WIDTH)
            got = await svc.client.get(f"/log/{path}")
            assert got.status == 200, path
            assert got.content_type == "application/octet-stream"
            assert "immutable" in got.headers["Cache-Control"]
            tiles[(level, index)] = await got.read()
            assert len(tiles[(level, index)]) >= width * 32
        assert root_from_tiles(tiles, size) == signed.checkpoint.root
        for missing in ("tile/0/999", "tile/5/000", "tile/entries/000", "tile/0/01", "tile/0/000.p/0"):
            got = await svc.client.get(f"/log/{missing}")
            assert got.status == 404, missing
            assert got.content_type == "application/problem+json"
