"""Verification over HTTP (SPEC §3, docs/integrity.md).

Behind a token, as every read: ``/v1/integrity/checkpoint`` (JSON, or the C2SP note itself
with ``Accept: text/plain`` or ``?format=note``), ``/proof/{position}`` (only for an event
the token may read: otherwise the same 404 as for a position that does not exist) and
``/consistency``.

Public, at the paths of C2SP tlog-tiles under the prefix ``/log``: ``/log/checkpoint`` and
``/log/tile/<L>/<N>[.p/<W>]``, so that witnesses, monitors and any static mirror can follow
the log without a ledger account. A tile holds only leaf hashes, SHA-256(0x00 ‖ event hash):
nothing about an event can be learnt from it (a guess at an event's content cannot even be
tested without the hash of the event before). The event hashes themselves (tlog-tiles' entry
bundles) are not served there: they come with the events, to those who may read them.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from aiohttp import web

from api.app import NOTARY, STORE
from api.auth import require
from api.events import visible
from api.params import POSITION_MAX
from api.problems import Problem
from ledger.checkpoint import SignedCheckpoint, public_key_pem
from ledger.merkle import event_leaf_hash, proof_to_hex
from ledger.tiles import parse_tile_path

__all__ = ["get_checkpoint", "get_consistency", "get_log_checkpoint", "get_proof", "get_tile"]

READERS = ("viewer", "recorder", "investigator", "admin")
_NUMBER = re.compile(r"^[0-9]{1,19}$", re.ASCII)
IMMUTABLE = "public, max-age=31536000, immutable"


def _json(body: Any) -> web.Response:
    return web.Response(body=orjson.dumps(body), content_type="application/json")


def _number(text: str | None) -> int | None:
    """A position or size as ASCII digits (no ``²``, no sign, no spaces), else None."""
    if text is None or not _NUMBER.match(text) or int(text) > POSITION_MAX:
        return None
    return int(text)


def _size(request: web.Request, name: str, default: int, head: int, minimum: int = 1) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    value = _number(text)
    if value is None or not minimum <= value <= head:
        raise Problem(
            400,
            "bad-parameter",
            "Bad parameter",
            f"{name} must be a tree size from {minimum} to {head}",
            zh=f"参数 {name} 须为 {minimum} 到 {head} 之间的树大小（事件数）",
        )
    return value


def _wants_note(request: web.Request) -> bool:
    """The note itself for ``?format=note`` or an Accept that names text/plain and not JSON."""
    chosen = request.query.get("format")
    if chosen is not None:
        if chosen not in ("note", "json"):
            raise Problem(
                400, "bad-parameter", "Bad parameter", "format is note or json", zh="参数 format 只能是 note 或 json"
            )
        return chosen == "note"
    accept = request.headers.get("Accept", "")
    return "text/plain" in accept and "application/json" not in accept


def _note(signed: SignedCheckpoint) -> web.Response:
    return web.Response(
        text=signed.note, content_type="text/plain", charset="utf-8", headers={"Cache-Control": "no-store"}
    )


async def _checkpoint_json(request: web.Request, size: int | None = None) -> dict[str, Any]:
    notary = request.app[NOTARY]
    signed = await notary.checkpoint(size)
    return signed.to_json(notary.verifier)


async def get_checkpoint(request: web.Request) -> web.Response:
    require(request, *READERS)
    notary = request.app[NOTARY]
    signed = await notary.cosigned(await notary.checkpoint())
    if _wants_note(request):
        return _note(signed)
    return _json({**signed.to_json(notary.verifier), "public_key": public_key_pem(notary.key.public_key)})


async def get_proof(request: web.Request) -> web.Response:
    """The event at ``position`` is in the tree of ``size`` (default: the latest checkpoint's,
    or the whole log's when the event is newer than it)."""
    require(request, *READERS)
    notary = request.app[NOTARY]
    head = (await request.app[STORE].head()).position
    text = request.match_info["position"]
    position = _number(text)
    events = await request.app[STORE].read(after=position - 1, limit=1) if position and position <= head else []
    if not await visible(request, events):
        raise Problem(
            404,
            "not-found",
            "Not found",
            f"no event at position {text[:40]!r} that you may read",
            zh=f"位置 {text[:40]!r} 上没有您可查看的事件",
        )
    event = events[0]
    latest = await notary.checkpoint()  # the latest checkpoint, if it holds the event
    default = latest.checkpoint.size if latest.checkpoint.size >= event.position else head
    size = _size(request, "size", default, head, minimum=event.position)
    signed = latest if size == latest.checkpoint.size else await notary.checkpoint(size)
    leaf, path = await notary.reader.leaf_and_path(event.position - 1, size)
    if event.expected_hash() != event.hash or event_leaf_hash(event.hash) != leaf:
        notary.backend.tiles.raise_alarm(
            f"position {event.position}: the stored event no longer matches its hash or its Merkle leaf (altered)"
        )
    return _json(
        {
            "position": event.position,
            "leaf_index": event.position - 1,
            "event_hash": event.hash,
            "leaf_hash": leaf.hex(),
            "size": size,
            "proof": proof_to_hex(path),
            "checkpoint": signed.to_json(notary.verifier),
        }
    )


async def get_consistency(request: web.Request) -> web.Response:
    """The tree of size ``from`` is a prefix of the tree of size ``to``."""
    require(request, *READERS)
    notary = request.app[NOTARY]
    head = (await request.app[STORE].head()).position
    new = _size(request, "to", head, head)
    old = _size(request, "from", 1, new)
    return _json(
        {
            "from": old,
            "to": new,
            "proof": proof_to_hex(await notary.reader.consistency_proof(old, new)),
            "checkpoints": [await _checkpoint_json(request, old), await _checkpoint_json(request, new)],
        }
    )


# -- C2SP tlog-tiles, public ------------------------------------------------------------------


async def get_log_checkpoint(request: web.Request) -> web.Response:
    """``<prefix>/checkpoint``: the latest checkpoint note, with the cosignatures gathered."""
    notary = request.app[NOTARY]
    return _note(await notary.cosigned(await notary.checkpoint()))


async def get_tile(request: web.Request) -> web.Response:
    """``<prefix>/tile/<L>/<N>[.p/<W>]``: a full or partial tile, immutable once served."""
    try:
        level, index, width = parse_tile_path(request.match_info["path"])
    except ValueError as exc:
        raise Problem(
            404, "not-found", "Not found", f"not a Merkle tile: {exc}", zh=f"不是 Merkle 瓦片的路径：{exc}"
        ) from None
    row = await request.app[NOTARY].reader.tile(level, index, width)
    if row is None:
        raise Problem(
            404,
            "not-found",
            "Not found",
            f"the log has no tile {level}/{index} of width {width} yet",
            zh=f"日志尚无宽度为 {width} 的瓦片 {level}/{index}",
        )
    return web.Response(body=row, content_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE})
