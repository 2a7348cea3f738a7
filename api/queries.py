"""The read models over HTTP (SPEC §7, §8): parse, authorise, call, render. Every handler
starts with ``reads.begin`` (position, honest wait, time zone) and ends with ``reads.answer``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api import reads
from api.params import int_param
from api.scope import hidden
from ledger.domain.enums import HAZARD_SEVERITIES, ROLES
from ledger.domain.hazards import HAZARD_STATES
from projections.accidents import accident
from projections.accountability import accountability, hazard_accountability
from projections.calendar import parse_period
from projections.duty import responsibility, timeline
from projections.findings import findings
from projections.hazards import hazard_ledger
from projections.overdue import KINDS, overdue
from projections.overview import breadcrumbs, figures
from projections.registry import Within, chain_at, children_at, search_people, search_units, unit_at
from projections.stats import stats
from projections.timekeys import as_key

__all__ = [
    "get_accountability",
    "get_findings",
    "get_hazard_accountability",
    "get_hazards",
    "get_overdue",
    "get_people",
    "get_responsibility",
    "get_stats",
    "get_timeline",
    "get_unit",
    "get_units",
    "hazard_question",
]


def _choice(request: web.Request, name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.query.get(name)
    if value is not None and value not in allowed:
        raise reads.bad_parameter(name, f"{value!r} is not one of: {', '.join(allowed)}")
    return value


def _instant(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if value is None:
        return None
    try:
        return as_key(value)
    except ValueError as error:
        raise reads.bad_parameter(name, str(error)) from None


async def get_responsibility(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    unit_id = request.match_info["unit_id"]
    await reads.visible_unit(request, read, unit_id)
    return reads.answer(read, await responsibility(reads.db(request), unit_id, read.asof))


async def get_timeline(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    unit_id = request.match_info["unit_id"]
    await reads.visible_unit(request, read, unit_id)
    role = _choice(request, "role", ROLES)
    found = await timeline(
        reads.db(request), unit_id, role, _instant(request, "from"), _instant(request, "to"), read.asof.position
    )
    return reads.answer(read, {"unit_id": unit_id, "role": role, "timeline": found})


async def get_unit(request: web.Request) -> web.Response:
    """A unit as it was at ``at`` and its children then (for drilling down the tree), each
    with its figures (projections/overview.py), and the way down to it from the caller's
    jurisdiction."""
    read = await reads.begin(request)
    unit_id = request.match_info["unit_id"]
    await reads.visible_unit(request, read, unit_id)
    db = reads.db(request)
    at, position = read.asof.at, read.asof.position
    unit = await unit_at(db, unit_id, at, position)
    children = await children_at(db, unit_id, at, position)
    found = await figures(db, unit_id, [unit_id, *(c["unit_id"] for c in children)], at, position)
    path = breadcrumbs(await chain_at(db, unit_id, at, position), read.who.scope)
    return reads.answer(
        read,
        {
            "unit": {**unit, "figures": found[unit_id]},
            "path": path,
            "children": [{**c, "figures": found[c["unit_id"]]} for c in children],
        },
    )


async def get_units(request: web.Request) -> web.Response:
    """Search units by (part of) name, code or former name, within the caller's jurisdiction."""
    read = await reads.begin(request)
    q = (request.query.get("q") or "").strip()
    if not 1 <= len(q) <= 100:
        raise reads.bad_parameter("q", "give 1 to 100 characters of a name or a code")
    scope = await reads.asked_scope(request, read)
    within = Within(scope, read.now, read.head.position) if scope is not None else None
    limit = int_param(request, "limit", 20, minimum=1, maximum=100)
    found = await search_units(reads.db(request), q, within, read.asof.at, read.asof.position, limit)
    return reads.answer(read, {"q": q, **await reads.scope_named(request, read, scope), "units": found})


async def get_people(request: web.Request) -> web.Response:
    """Search people by (part of) name or id, whose home unit lies within the caller's jurisdiction."""
    read = await reads.begin(request)
    q = (request.query.get("q") or "").strip()
    if not 1 <= len(q) <= 100:
        raise reads.bad_parameter("q", "give 1 to 100 characters of a name or an id")
    scope = await reads.asked_scope(request, read)
    within = Within(scope, read.now, read.head.position) if scope is not None else None
    found = await search_people(
        reads.db(request),
        q,
        within,
        read.asof.at,
        read.asof.position,
        int_param(request, "limit", 20, minimum=1, maximum=100),
    )
    return reads.answer(read, {"q": q, **await reads.scope_named(request, read, scope), "people": found})


async def get_overdue(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    scope = await reads.asked_scope(request, read)
    kinds = [k for k in request.query.get("kind", "").split(",") if k]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise reads.bad_parameter("kind", f"{unknown[0]!r} is not one of: {', '.join(KINDS)}")
    items = await overdue(reads.db(request), scope, read.asof.at, read.asof.position, kinds or None)
    return reads.answer(
        read, {**await reads.scope_named(request, read, scope), "kinds": kinds or list(KINDS), "items": items}
    )


async def get_accountability(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    accident_id = request.match_info["accident_id"]
    found = await accident(reads.db(request), accident_id, read.asof.position)
    what = f"accident {accident_id!r}"
    if found is None:
        raise hidden(what)
    await reads.visible_unit(request, read, found["unit_id"], what)
    return reads.answer(read, await accountability(reads.db(request), accident_id, read.asof.position))


async def get_hazard_accountability(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    hazard_id = request.match_info["hazard_id"]
    rows = await reads.db(request).fetch(
        "SELECT unit_id FROM hazards WHERE hazard_id = ? AND position <= ?", hazard_id, read.asof.position
    )
    what = f"hazard {hazard_id!r}"
    if not rows:
        raise hidden(what)
    await reads.visible_unit(request, read, rows[0][0], what)
    return reads.answer(read, await hazard_accountability(reads.db(request), hazard_id, read.asof.position))


async def hazard_question(request: web.Request, read: reads.Read) -> tuple[str | None, dict[str, Any]]:
    """The 隐患台账's parameters (``scope``, ``unit``, ``state``, ``severity``, ``from``,
    ``to``), checked: the jurisdiction asked about, and the arguments of ``hazard_ledger``."""
    scope = await reads.asked_scope(request, read)
    unit_id = request.query.get("unit")
    if unit_id is not None:
        await reads.visible_unit(request, read, unit_id)
    return scope, {
        "within": Within(scope, read.asof.at, read.asof.position) if scope is not None else None,
        "state": _choice(request, "state", (*HAZARD_STATES, "open", "overdue")),
        "severity": _choice(request, "severity", HAZARD_SEVERITIES),
        "unit_id": unit_id,
        "reported_from": _instant(request, "from"),
        "reported_to": _instant(request, "to"),
    }


async def get_hazards(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    scope, question = await hazard_question(request, read)
    page = await hazard_ledger(
        reads.db(request),
        position=read.asof.position,
        at=read.asof.at,
        **question,
        limit=int_param(request, "limit", 100, minimum=1, maximum=1000),
        after=request.query.get("after"),
    )
    return reads.answer(read, {**await reads.scope_named(request, read, scope), **page})


async def get_stats(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    scope = await reads.asked_scope(request, read)
    to = _instant(request, "to") or read.asof.at
    figures = await stats(reads.db(request), scope, _instant(request, "from"), to, read.asof.position)
    return reads.answer(read, {**figures, **await reads.scope_named(request, read, scope)})


async def get_findings(request: web.Request) -> web.Response:
    read = await reads.begin(request)
    scope = await reads.asked_scope(request, read)
    label = request.query.get("period")
    try:
        period = parse_period(label)
    except ValueError as error:
        raise reads.bad_parameter("period", str(error)) from None
    found = await findings(reads.db(request), scope, period, read.asof.position, now=read.now)
    return reads.answer(
        read, {**await reads.scope_named(request, read, scope), "period": period.label, "findings": found}
    )
