"""Witnesses over HTTP (C2SP tlog-witness): ``ledger witness`` serves one, and the ledger
pushes each new checkpoint to those it is configured with, keeping their cosignatures.

A witness's configuration is a TOML file (paths relative to it)::

    name = "witness.jiwei.linyi.example/w1"   # the witness's key name
    key = "witness.key"                       # Ed25519 PEM, created (mode 0600) on first start
    state = "witness-state.json"              # what it cosigned, per log; survives restarts

    [[log]]
    origin = "duty-ledger/3f9c1e0a5b7d2468"
    vkey = "duty-ledger/3f9c1e0a5b7d2468+1a2b3c4d+AbC…"   # or vkeys = ["…", "…"]

It answers ``POST /add-checkpoint`` and ``GET /<sha256 of the origin>/checkpoint``
(the last checkpoint it cosigned, with its cosignature), and ``GET /`` (its name and vkey).
Errors are problem+json, except the 409 the specification fixes as ``text/x.tlog.size``.

The ledger's side: ``LEDGER_WITNESSES`` lists ``URL VKEY`` pairs (comma-, semicolon- or
newline-separated); ``Witnesses.cosign`` sends a checkpoint to each with a consistency
proof from the size it last cosigned (learnt from a 409 when unknown), verifies each
answer with the witness's vkey and stores the cosignature.
"""

from __future__ import annotations

import asyncio
import re
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from api.problems import Problem, problem_response
from ledger.checkpoint import SignedCheckpoint, check_origin, load_or_create_signing_key
from ledger.integrity import Notary
from ledger.note import COSIGNATURE, ED25519, NoteError, NoteSignature, Verifier, parse_signature_line, parse_vkey
from ledger.witness import (
    SIZE_CONTENT_TYPE,
    Witness,
    WitnessedLog,
    WitnessState,
    add_checkpoint_body,
    parse_size,
)

__all__ = ["WitnessEndpoint", "Witnesses", "load_witness", "parse_witnesses", "witness_app"]

log = structlog.get_logger("ledger.witness")

REQUEST_SECONDS = 10.0
#: how long before a witness that failed on a checkpoint is asked about it again
RETRY_SECONDS = 60.0


# -- the witness ------------------------------------------------------------------------------


def load_witness(config: Path) -> Witness:
    """The witness a configuration file describes; ValueError naming what is wrong."""
    try:
        settings = tomllib.loads(config.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read the witness configuration {config}: {exc}") from None
    base = config.parent
    name = check_origin(str(settings.get("name", "")))
    logs = []
    for entry in settings.get("log", []):
        origin = check_origin(str(entry.get("origin", "")))
        texts = entry.get("vkeys") or [entry.get("vkey", "")]
        try:
            verifiers = tuple(parse_vkey(str(text)) for text in texts)
        except NoteError as exc:
            raise ValueError(f"log {origin}: {exc}") from None
        if not verifiers or any(v.kind != ED25519 for v in verifiers):
            raise ValueError(f"log {origin}: give the Ed25519 verifier key(s) its checkpoints are signed with")
        logs.append(WitnessedLog(origin, verifiers))
    if not logs:
        raise ValueError(f"{config} lists no [[log]] to witness")
    key = load_or_create_signing_key(base / str(settings.get("key", "witness.key")))
    state = WitnessState(base / str(settings.get("state", "witness-state.json")))
    return Witness(name, key, logs, state)


WITNESS = web.AppKey("witness", Witness)


async def _add_checkpoint(request: web.Request) -> web.Response:
    body = await request.read()
    answer = await request.app[WITNESS].add_checkpoint(body)
    if answer.status >= 400 and answer.content_type != SIZE_CONTENT_TYPE:
        slug = {400: "malformed", 403: "forbidden", 404: "unknown-log", 422: "inconsistent"}[answer.status]
        return problem_response(Problem(answer.status, slug, answer.title, answer.body.decode()), request.path)
    return web.Response(body=answer.body, status=answer.status, headers={"Content-Type": answer.content_type})


async def _monitored(request: web.Request) -> web.Response:
    note = request.app[WITNESS].monitored(request.match_info["origin_hash"])
    if note is None:
        detail = "this witness has cosigned no checkpoint of that log"
        return problem_response(Problem(404, "not-found", "Not found", detail), request.path)
    return web.Response(text=note, content_type="text/plain", charset="utf-8", headers={"Cache-Control": "no-store"})


async def _about(request: web.Request) -> web.Response:
    witness = request.app[WITNESS]
    return web.json_response({"name": witness.name, "vkey": witness.vkey, "logs": sorted(witness.logs)})


@web.middleware
async def _problems(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException as http:
        if http.status < 400:
            raise
        return problem_response(Problem(http.status, "http-error", http.reason, http.reason), request.path)


def witness_app(witness: Witness) -> web.Application:
    app = web.Application(middlewares=[_problems], client_max_size=64 * 1024)
    app[WITNESS] = witness
    app.router.add_post("/add-checkpoint", _add_checkpoint)
    app.router.add_get("/{origin_hash:[0-9a-f]{64}}/checkpoint", _monitored)
    app.router.add_get("/", _about)
    return app


# -- the ledger's side --------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness the ledger pushes to: its submission prefix and its cosigning key."""

    url: str
    verifier: Verifier


def parse_witnesses(text: str) -> list[WitnessEndpoint]:
    """``URL VKEY`` pairs separated by commas, semicolons or newlines; ValueError if malformed."""
    endpoints = []
    for entry in (e.strip() for e in re.split(r"[,;\n]", text)):
        if not entry:
            continue
        parts = entry.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise ValueError(f"a witness is given as 'URL VKEY', not {entry!r}")
        try:
            known = parse_vkey(parts[1])
        except NoteError as exc:
            raise ValueError(f"witness {parts[0]}: {exc}") from None
        if known.kind != COSIGNATURE:
            raise ValueError(f"witness {parts[0]}: its vkey must be a cosignature key (type 0x04)")
        endpoints.append(WitnessEndpoint(parts[0].rstrip("/"), known))
    return endpoints


@dataclass
class Witnesses:
    """Pushes checkpoints to the configured witnesses and keeps their cosignatures."""

    notary: Notary
    endpoints: list[WitnessEndpoint]
    #: per witness URL: the size it last cosigned (as far as we know) and the last outcome
    known: dict[str, int] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    #: per witness URL: the checkpoint note it last failed to cosign, and when
    failed: dict[str, tuple[str, float]] = field(default_factory=dict)

    async def cosign(self, signed: SignedCheckpoint, again: bool = True) -> SignedCheckpoint:
        """``signed`` with the cosignatures it has, after asking every witness still missing
        (with ``again`` False, not one that already failed on this very checkpoint)."""
        have = await self.notary.cosigned(signed)
        named = {(s.name, s.key_id) for s in have.signatures}
        missing = [
            e
            for e in self.endpoints
            if (e.verifier.name, e.verifier.key_id) not in named and (again or not self._failed_lately(e, signed))
        ]
        if missing:
            timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                lines = await asyncio.gather(*(self._push(session, e, signed) for e in missing))
            new = [line for line in lines if line is not None]
            if new:
                await self.notary.add_cosignatures(signed, new)
                have = have.with_cosignatures(new)
        return have

    def _failed_lately(self, endpoint: WitnessEndpoint, signed: SignedCheckpoint) -> bool:
        """Did this witness fail on this checkpoint less than RETRY_SECONDS ago?"""
        note, when = self.failed.get(endpoint.url, ("", 0.0))
        return note == signed.note and time.monotonic() - when < RETRY_SECONDS

    async def _push(
        self, session: aiohttp.ClientSession, endpoint: WitnessEndpoint, signed: SignedCheckpoint
    ) -> NoteSignature | None:
        """One witness's cosignature of ``signed``, or None (the reason is logged and kept)."""
        try:
            line, why = await self._ask(session, endpoint, signed)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            line, why = None, f"unreachable or malformed answer: {exc!r}"
        if line is None:
            log.error("a witness did not cosign", witness=endpoint.verifier.name, url=endpoint.url, why=why)
            self.status[endpoint.url] = f"did not cosign {signed.checkpoint.size}: {why}"
            self.failed[endpoint.url] = (signed.note, time.monotonic())
        else:
            self.known[endpoint.url] = signed.checkpoint.size
            self.status[endpoint.url] = f"cosigned {signed.checkpoint.size}"
        return line

    async def _ask(
        self, session: aiohttp.ClientSession, endpoint: WitnessEndpoint, signed: SignedCheckpoint
    ) -> tuple[NoteSignature | None, str]:
        size = signed.checkpoint.size
        old = self.known.get(endpoint.url, 0)
        for _ in range(3):  # a 409 teaches the witness's size; the retry may meet another writer
            if old > size:
                return None, f"it has cosigned {old} events, more than this checkpoint's {size}"
            proof = await self.notary.reader.consistency_proof(old, size) if 0 < old < size else []
            body = add_checkpoint_body(old, proof, _log_note(signed, self.notary.verifier))
            async with session.post(f"{endpoint.url}/add-checkpoint", data=body) as response:
                answer = await response.read()
            if response.status == 409:
                old = parse_size(answer)
                continue
            if response.status != 200:
                return None, f"{response.status}: {answer.decode('utf-8', 'replace')[:300]}"
            line = _cosignature(answer, endpoint.verifier, signed)
            return line, "" if line else "its answer holds no valid cosignature by its key"
        return None, "its cosigned size kept changing"


def _log_note(signed: SignedCheckpoint, log_key: Verifier) -> str:
    """The checkpoint with the log's own signature only (what a witness needs)."""
    own = [s for s in signed.signatures if (s.name, s.key_id) == (log_key.name, log_key.key_id)]
    return signed.checkpoint.text() + "\n" + "".join(s.line() for s in own)


def _cosignature(answer: bytes, witness: Verifier, signed: SignedCheckpoint) -> NoteSignature | None:
    """The line of ``answer`` that is the witness's valid cosignature of ``signed``."""
    text = signed.checkpoint.text()
    for raw in answer.decode("utf-8", "replace").split("\n"):
        try:
            line = parse_signature_line(raw)
        except NoteError:
            continue
        if witness.verifies(text, line):
            return line
    return None
