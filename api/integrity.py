"""Verification over HTTP: signed checkpoints, inclusion and consistency proofs (SPEC §3)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from api.app import SIGNER, TREE
from api.auth import require
from api.problems import Problem
from ledger.checkpoint import public_key_pem, sign_checkpoint
from ledger.merkle import event_leaf_hash, proof_to_hex

__all__ = ["get_checkpoint", "get_consistency", "get_proof"]

READERS = ("viewer", "recorder", "investigator", "admin")


def _json(body: Any) -> web.Response:
    return web.Response(body=orjson.dumps(body), content_type="application/json")


def _size(request: web.Request, name: str, default: int, head: int, minimum: int = 1) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isdigit() or not minimum <= int(text) <= head:
        raise Problem(400, "bad-parameter", "Bad parameter", f"{name} must be a tree size from {minimum} to {head}")
    return int(text)


def _checkpoint(request: web.Request, size: int) -> dict[str, Any]:
    tree = request.app[TREE].tree
    return sign_checkpoint(request.app[SIGNER], size, tree.root(size))


async def get_checkpoint(request: web.Request) -> web.Response:
    require(request, *READERS)
    head = await request.app[TREE].sync()
    return _json({**_checkpoint(request, head), "public_key": public_key_pem(request.app[SIGNER])})


async def get_proof(request: web.Request) -> web.Response:
    """The event at ``position`` is in the tree of ``size`` (default: the whole log)."""
    require(request, *READERS)
    head = await request.app[TREE].sync()
    text = request.match_info["position"]
    if not text.isdigit() or not 1 <= int(text) <= head:
        raise Problem(404, "not-found", "Not found", f"no event at position {text} (the log has {head})")
    position = int(text)
    size = _size(request, "size", head, head, minimum=position)
    tree = request.app[TREE].tree
    event = (await request.app[TREE].store.read(after=position - 1, limit=1))[0]
    return _json(
        {
            "position": position,
            "leaf_index": position - 1,
            "event_hash": event.hash,
            "leaf_hash": event_leaf_hash(event.hash).hex(),
            "size": size,
            "proof": proof_to_hex(tree.inclusion_proof(position - 1, size)),
            "checkpoint": _checkpoint(request, size),
        }
    )


async def get_consistency(request: web.Request) -> web.Response:
    """The tree of size ``from`` is a prefix of the tree of size ``to``."""
    require(request, *READERS)
    head = await request.app[TREE].sync()
    new = _size(request, "to", head, head)
    old = _size(request, "from", 1, new)
    tree = request.app[TREE].tree
    return _json(
        {
            "from": old,
            "to": new,
            "proof": proof_to_hex(tree.consistency_proof(old, new)) if old < new else [],
            "checkpoints": [_checkpoint(request, old), _checkpoint(request, new)],
        }
    )
