"""Authentication (a bearer token, or the dashboard's session cookie) and the role rules of
SPEC §8. Both yield the same ``Principal``, so one set of scope rules serves both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from api.accounts import user_principal
from api.problems import Problem
from api.sessions import COOKIE, cross_origin, same_origin, session_user
from api.tokens import Principal, TokenError, authenticate

__all__ = ["PRINCIPAL", "PUBLIC_PATHS", "authenticated", "principal", "require"]

PRINCIPAL = web.RequestKey("principal", Principal)
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/v1/openapi.json"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def authenticated(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS or not request.path.startswith("/v1/"):
        return await handler(request)
    from api.app import STORE

    if "Authorization" not in request.headers and COOKIE in request.cookies:
        request[PRINCIPAL] = await _from_session(request)
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "unauthorized", "Unauthorized", "send a bearer token: Authorization: Bearer ldg_…")
    try:
        request[PRINCIPAL] = await authenticate(request.app[STORE].backend, token.strip())
    except TokenError as error:
        raise Problem(401, "unauthorized", "Unauthorized", str(error)) from None
    return await handler(request)


async def _from_session(request: web.Request) -> Principal:
    """The signed-in account; a change made with the cookie must come from the ledger's own page."""
    user = await session_user(request, request.cookies[COOKIE])
    if user is None:
        raise Problem(401, "unauthorized", "Unauthorized", "the session has ended: sign in again")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin(request):
        raise cross_origin("a change")
    return user_principal(user)


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def require(request: web.Request, *roles: str) -> Principal:
    """The caller, if their role is one of ``roles``; else 403."""
    who = principal(request)
    if who.role not in roles:
        raise Problem(403, "forbidden", "Forbidden", f"a {who.role} token may not do this (needs {' or '.join(roles)})")
    return who
