"""Query-string and path parameters: every value checked once, before any handler (and any
SQL) sees it, and typed parsers for the parameters that are numbers.

The middleware refuses what no parameter of this API may hold — a control character (NUL
first: PostgreSQL cannot even compare with it), a lone surrogate, or more than
``MAX_PARAMETER_LENGTH`` characters — with one 400 naming the parameter. Whether a value
means something (a known unit, a state) stays the handler's business.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from api.problems import Problem

__all__ = ["MAX_PARAMETER_LENGTH", "POSITION_MAX", "checked_parameters", "int_param", "parse_int"]

#: the longest value of any query or path parameter (ids are 200, streams 256)
MAX_PARAMETER_LENGTH = 1000
#: positions are 64-bit in both backends
POSITION_MAX = 2**63 - 1

_FORBIDDEN = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bad(name: str, value: str) -> str | None:
    if len(value) > MAX_PARAMETER_LENGTH:
        return f"{name} is longer than {MAX_PARAMETER_LENGTH} characters"
    found = _FORBIDDEN.search(value)
    if found is not None:
        return f"{name} holds the control character U+{ord(found.group()):04X}"
    return None


@web.middleware
async def checked_parameters(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a request whose query or path parameters (names or values) no handler may see."""
    for name, value in (*request.query.items(), *request.match_info.items()):
        why = _bad("a parameter name", name) or _bad(name, value)
        if why is not None:
            raise _bad_parameter(name, why)
    return await handler(request)


def int_param(request: web.Request, name: str, default: int, *, minimum: int = 0, maximum: int = POSITION_MAX) -> int:
    """The query parameter ``name`` as a whole number from ``minimum`` to ``maximum``."""
    text = request.query.get(name)
    return default if text is None else parse_int(name, text, minimum=minimum, maximum=maximum)


def parse_int(name: str, text: str, *, minimum: int = 0, maximum: int = POSITION_MAX) -> int:
    """``text`` as a whole number (ASCII digits only) from ``minimum`` to ``maximum``, or 400."""
    digits = text.removeprefix("-") if minimum < 0 else text
    if not (digits.isascii() and digits.isdigit()):
        raise _bad_parameter(name, f"{name} must be a whole number from {minimum} to {maximum}, not {text[:40]!r}")
    value = int(text)
    if not minimum <= value <= maximum:
        raise _bad_parameter(name, f"{name} must be a whole number from {minimum} to {maximum}, not {value}")
    return value


def _bad_parameter(name: str, why: str) -> Problem:
    errors = [{"path": name[:100], "message": why}]
    return Problem(400, "bad-parameter", "Bad parameter", why, zh=f"参数 {name[:100]} 不正确：{why}", errors=errors)
