"""Bearer-token authentication and the role rules of SPEC §8."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from api.problems import Problem
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
