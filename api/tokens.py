"""Bearer tokens: created by an operator, stored hashed, shown once, each with a role and a scope.

A token reads ``ldg_<token_id>_<secret>``; the id finds the row, the secret's SHA-256 is
compared in constant time. A revocation takes effect at the next request, in every process:
a token checked before is trusted only while the revocation generation (bumped by every
revocation, in its transaction) is unchanged, and each request reads the generation anew —
one tiny read shared by all the requests that arrive while it runs.

Roles (SPEC §8): ``recorder`` posts events about units in its scope, ``viewer`` reads its
scope, ``investigator`` reads everything and exports, ``admin`` manages.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import weakref
from dataclasses import dataclass
from typing import Any

from ledger.errors import LedgerError
from ledger.store import Backend
from ledger.timeutil import format_recorded, utc_now

__all__ = ["ROLES", "Principal", "TokenError", "authenticate", "create_token", "list_tokens", "revoke_token"]

ROLES = ("recorder", "viewer", "investigator", "admin")
SCOPED_ROLES = ("recorder", "viewer")
#: what ``create_token`` hands out: ASCII only, so anything else is refused before any lookup
_TOKEN = re.compile(r"ldg_([0-9a-f]{8})_([A-Za-z0-9_-]{20,128})")
_MAX_NAME = 200


class TokenError(LedgerError):
    code = "invalid-token"


@dataclass(frozen=True)
class Principal:
    token_id: str
    name: str
    role: str
    scope: str | None  # None: everything

    @property
    def actor(self) -> str:
        """What the log records as the poster: role, name and token id."""
        return f"{self.role}:{self.name}#{self.token_id}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_token(db: Backend, *, role: str, scope: str | None, name: str) -> tuple[str, str]:
    """Store a new token; return (token_id, the token). The token is not kept anywhere."""
    if role not in ROLES:
        raise TokenError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role in SCOPED_ROLES and not scope:
        raise TokenError(f"a {role} token needs --scope UNIT_ID (the jurisdiction it may {role[:-2]} in)")
    if not name.strip():
        raise TokenError("a token needs a --name saying whose it is")
    if len(name) > _MAX_NAME or not name.isprintable():
        raise TokenError(f"a token's --name is at most {_MAX_NAME} printable characters")
    if scope and not await db.fetch("SELECT 1 FROM events WHERE stream = ? AND version = 1", f"unit:{scope}"):
        raise TokenError(f"scope {scope!r} is not a registered unit")
    token_id = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO api_tokens (token_id, name, role, scope, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            token_id,
            name.strip(),
            role,
            scope if role in SCOPED_ROLES else None,
            _hash(secret),
            format_recorded(utc_now()),
        )
    return token_id, f"ldg_{token_id}_{secret}"


async def list_tokens(db: Backend) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT token_id, name, role, scope, created_at, revoked_at FROM api_tokens ORDER BY created_at"
    )
    keys = ("token_id", "name", "role", "scope", "created_at", "revoked_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


async def revoke_token(db: Backend, token_id: str) -> None:
    async with db.transaction() as tx:
        found = await tx.fetch("SELECT revoked_at FROM api_tokens WHERE token_id = ?", token_id)
        if not found:
            raise TokenError(f"no token {token_id!r}")
        if found[0][0] is None:
            await tx.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", format_recorded(utc_now()), token_id
            )
            await tx.execute("UPDATE token_revocations SET generation = generation + 1")


async def authenticate(db: Backend, token: str) -> Principal:
    """The principal of a bearer token, as the database says it is now."""
    cache = _caches.get(db)
    if cache is None:
        cache = _caches[db] = _Checked()
    return await cache.principal(db, token)


class _Checked:
    """Tokens checked before, each with the revocation generation read before its check."""

    def __init__(self) -> None:
        self.principals: dict[str, tuple[int, Principal]] = {}
        self._next: asyncio.Future[int] | None = None
        self._reading: asyncio.Task[None] | None = None

    async def principal(self, db: Backend, token: str) -> Principal:
        generation = await self._generation(db)
        found = self.principals.get(token)
        if found is not None and found[0] == generation:
            return found[1]
        principal = await _lookup(db, token)
        if len(self.principals) >= 10_000:
            self.principals.clear()
        self.principals[token] = (generation, principal)
        return principal

    async def _generation(self, db: Backend) -> int:
        """The generation as read by a read that began after this call: a revocation
        committed before the request is always seen. Callers arriving while a read runs
        share the next one, so a burst of requests costs a read or two, not one each."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._reading is None or self._reading.done():
                self._reading = asyncio.create_task(self._read(db))
        return await asyncio.shield(self._next)

    async def _read(self, db: Backend) -> None:
        while self._next is not None:
            waiting, self._next = self._next, None
            try:
                rows = await db.fetch("SELECT generation FROM token_revocations")
                waiting.set_result(int(rows[0][0]))
            except Exception as exc:
                waiting.set_exception(exc)
                waiting.exception()  # retrieved here: its waiters may all have gone


#: one cache per open database (forgotten with it)
_caches: weakref.WeakKeyDictionary[Backend, _Checked] = weakref.WeakKeyDictionary()


async def _lookup(db: Backend, token: str) -> Principal:
    shape = _TOKEN.fullmatch(token)
    if shape is None:
        raise TokenError("the bearer token is malformed")
    token_id, secret = shape.groups()
    rows = await db.fetch(
        "SELECT name, role, scope, secret_hash, revoked_at FROM api_tokens WHERE token_id = ?", token_id
    )
    if not rows or not hmac.compare_digest(rows[0][3], _hash(secret)):
        raise TokenError("the bearer token is not valid")
    name, role, scope, _, revoked = rows[0]
    if revoked is not None:
        raise TokenError("the bearer token was revoked")
    return Principal(token_id, name, role, scope)
