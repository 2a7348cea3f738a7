"""Signed-in sessions of the dashboard: a cookie after a user name and password (SPEC §8).

The cookie holds a random secret (only its SHA-256 is stored), is ``HttpOnly`` (no script
reads it), ``SameSite=Strict`` (no other site's page sends it), ``Secure`` when the page
came over https, and ends after ``SESSION_HOURS`` or at sign-out. A request that changes
anything with the cookie must also come from a page of the ledger itself: its ``Origin``
must name this host (CSRF; ``SameSite`` alone leaves old browsers and sibling subdomains).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
import structlog
from aiohttp import web

from api.accounts import SignInRefused, User, sign_in
from api.problems import Problem
from ledger.store import Backend
from ledger.timeutil import format_recorded, utc_now

__all__ = ["COOKIE", "SESSION_HOURS", "cross_origin", "post_sign_in", "post_sign_out", "same_origin", "session_user"]

log = structlog.get_logger("ledger.sessions")

COOKIE = "ledger_session"
SESSION_HOURS = 8


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_origin(request: web.Request) -> bool:
    """Did the browser say this request comes from a page of this very host?"""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is not None and urlsplit(origin).netloc == request.host


def cross_origin(what: str, what_zh: str) -> Problem:
    """403 for a request carrying the cookie that no page of the ledger itself sent (CSRF)."""
    return Problem(
        403,
        "cross-origin",
        "Cross-origin request refused",
        f"{what} must come from a page of the ledger itself",
        zh=f"{what_zh}只能来自本系统自己的页面",
    )


def _db(request: web.Request) -> Backend:
    from api.app import STORE

    return request.app[STORE].backend


async def session_user(request: web.Request, secret: str) -> User | None:
    """The account signed in with this cookie, or None (unknown, expired, signed out,
    disabled). Asked of the database at every request (one read by primary key), so that a
    sign-out, a new password or a disabled account ends the session at once, in every process."""
    rows = await _db(request).fetch(
        "SELECT u.login, u.name, u.role, u.scope FROM user_sessions s JOIN users u ON u.login = s.login "
        "WHERE s.session_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL",
        _hash(secret),
        format_recorded(utc_now()),
    )
    return User(*rows[0]) if rows else None


async def _credentials(request: web.Request) -> tuple[str, str]:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        body = None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("login"), str)
        or not isinstance(body.get("password"), str)
    ):
        raise Problem(
            400,
            "malformed",
            "Malformed request",
            'send JSON: {"login": "…", "password": "…"}',
            zh='登录请求应为 JSON：{"login": "用户名", "password": "密码"}',
        )
    return body["login"].strip(), body["password"]


async def post_sign_in(request: web.Request) -> web.Response:
    """``POST /auth/sign-in`` with ``{"login", "password"}``: a session cookie, or 401/429."""
    if "Origin" in request.headers and not same_origin(request):
        raise cross_origin("a sign-in", "登录请求")
    login, password = await _credentials(request)
    db = _db(request)
    try:
        user = await sign_in(db, login, password)
    except SignInRefused as refused:
        raise refused.problem() from None
    secret = secrets.token_urlsafe(32)
    now = utc_now()
    expires = now + timedelta(hours=SESSION_HOURS)
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM user_sessions WHERE expires_at <= ?", format_recorded(now))
        await tx.execute(
            "INSERT INTO user_sessions (session_hash, login, created_at, expires_at) VALUES (?, ?, ?, ?)",
            _hash(secret),
            user.login,
            format_recorded(now),
            format_recorded(expires),
        )
    body: dict[str, Any] = {"login": user.login, "name": user.name, "role": user.role, "scope": user.scope}
    response = web.Response(body=orjson.dumps(body), content_type="application/json")
    secure = request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
    response.set_cookie(
        COOKIE,
        secret,
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure,
    )
    return response


async def post_sign_out(request: web.Request) -> web.Response:
    """``POST /auth/sign-out``: the session ends here and in the database."""
    if not same_origin(request):
        raise cross_origin("a sign-out", "退出登录请求")
    secret = request.cookies.get(COOKIE)
    if secret:
        key = _hash(secret)
        async with _db(request).transaction() as tx:
            found = await tx.fetch("SELECT login FROM user_sessions WHERE session_hash = ?", key)
            await tx.execute("DELETE FROM user_sessions WHERE session_hash = ?", key)
        if found:
            log.info("signed out", login=found[0][0])
    response = web.Response(status=204)
    response.del_cookie(COOKIE, path="/")
    return response
