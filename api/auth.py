"""Authentication (a bearer token, or the dashboard's session cookie) and the role rules of
SPEC §8. Both yield the same ``Principal``, so one set of scope rules serves both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from api.accounts import user_principal
from api.problems import Problem
from api.sessions import COOKIE, cross_origin, same_origin, session_user
from api.tokens import Principal, TokenError, authenticate
from ledger.labels import label

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
        raise Problem(
            401,
            "unauthorized",
            "Unauthorized",
            "send a bearer token: Authorization: Bearer ldg_…",
            zh="请求须携带访问令牌：Authorization: Bearer ldg_…",
        )
    try:
        request[PRINCIPAL] = await authenticate(request.app[STORE].backend, token.strip())
    except TokenError as error:
        raise Problem(
            401, "unauthorized", "Unauthorized", str(error), zh="令牌无效、已过期或已吊销，请向管理员申领新令牌"
        ) from None
    return await handler(request)


async def _from_session(request: web.Request) -> Principal:
    """The signed-in account; a change made with the cookie must come from the ledger's own page."""
    user = await session_user(request, request.cookies[COOKIE])
    if user is None:
        raise Problem(
            401,
            "unauthorized",
            "Unauthorized",
            "the session has ended: sign in again",
            zh="登录已过期或已退出，请重新登录",
        )
    if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin(request):
        raise cross_origin("a change made with the sign-in cookie", "使用登录凭据的修改请求")
    return user_principal(user)


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def require(request: web.Request, *roles: str) -> Principal:
    """The caller, if their role is one of ``roles``; else 403."""
    who = principal(request)
    if who.role not in roles:
        needed = "或".join(label("account_role", r) or r for r in roles)
        raise Problem(
            403,
            "forbidden",
            "Forbidden",
            f"a {who.role} token may not do this (needs {' or '.join(roles)})",
            zh=f"{label('account_role', who.role)}令牌无权执行此操作（需要{needed}）",
        )
    return who
