"""The reads only the dashboard needs (SPEC §11), under the same scope rules as every ``/v1``
read: who is signed in, the labels table, the drill-down, the overdue counts by kind, and
the 隐患台账 for a period, as JSON and as XLSX."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import web
from openpyxl import Workbook

from api.app import STORE
from api.auth import principal, require
from api.problems import Problem
from api.scope import readable
from api.sessions import COOKIE, session_user
from ledger.labels import LABELS, label
from ledger.store import Backend
from projections.asof import AsOf, as_of
from projections.dashboard import (
    children,
    hazards_in_period,
    names,
    path_down,
    risk_distribution,
    root_unit,
    unit_card,
)
from projections.overdue import overdue
from projections.timekeys import utc_key

__all__ = [
    "get_hazard_ledger",
    "get_hazard_ledger_xlsx",
    "get_labels",
    "get_overdue_summary",
    "get_session",
    "get_unit_children",
]

READERS = ("viewer", "recorder", "investigator", "admin")
BEIJING = timezone(timedelta(hours=8))
#: an export larger than this is refused (narrow the filter): an XLSX row costs ~1 KB of memory
MAX_EXPORT_ROWS = 50_000
XLSX_NAME = quote("隐患台账.xlsx")


def _json(body: Any) -> web.Response:
    return web.Response(body=orjson.dumps(body, default=str), content_type="application/json")


def _db(request: web.Request) -> Backend:
    return request.app[STORE].backend


async def _asof(request: web.Request) -> AsOf:
    try:
        return await as_of(_db(request), request.query.get("at"), request.query.get("known_at"))
    except ValueError as error:
        raise Problem(400, "bad-parameter", "Bad time", f"at / known_at: {error}") from None


def _key(request: web.Request, name: str) -> str | None:
    text = request.query.get(name)
    if not text:
        return None
    try:
        return utc_key(text)
    except ValueError as error:
        raise Problem(400, "bad-parameter", "Bad time", f"{name}: {error}") from None


async def _in_scope(request: web.Request, unit_id: str | None) -> str | None:
    """``unit_id`` if the caller may read it (None: the caller's own jurisdiction); else 403."""
    who = require(request, *READERS)
    if unit_id is None:
        return who.scope
    if not await readable(_db(request), unit_id, who.scope):
        raise Problem(403, "out-of-scope", "Outside your jurisdiction", f"{unit_id} 不在本账户的辖区（{who.scope}）内")
    return unit_id


async def get_labels(request: web.Request) -> web.Response:
    """``GET /v1/labels``: the one table of Chinese labels (ledger/labels.py), as it is."""
    require(request, *READERS)
    return _json(LABELS)


async def get_session(request: web.Request) -> web.Response:
    """``GET /auth/session``: who is signed in with this browser's cookie (200 either way, so
    the page asks without an error), with their jurisdiction's name."""
    secret = request.cookies.get(COOKIE)
    user = await session_user(request, secret) if secret else None
    if user is None:
        return _json({"signed_in": False})
    db = _db(request)
    scope = await unit_card(db, user.scope) if user.scope else None
    return _json(
        {
            "signed_in": True,
            "login": user.login,
            "name": user.name,
            "role": user.role,
            "role_label": label("account_role", user.role),
            "scope": scope,
            "home": scope or await root_unit(db),  # where the drill-down starts
            "position": (await db.head()).position,  # the log's head: where the live tail starts
        }
    )


async def get_unit_children(request: web.Request) -> web.Response:
    """``GET /v1/units/{id}/children?to=&known_at=``: the drill-down of the 总览."""
    unit_id = request.match_info["unit_id"]
    await _in_scope(request, unit_id)
    db = _db(request)
    unit = await unit_card(db, unit_id)
    if unit is None:
        raise Problem(404, "not-found", "Not found", f"没有单位 {unit_id}")
    asof = await _asof(request)
    to = _key(request, "to")
    now = to or asof.at
    return _json(
        {
            "unit": unit,
            "path": await path_down(db, unit_id, principal(request).scope),
            "risk": await risk_distribution(db, unit_id),
            "children": await children(db, unit_id, asof.position, to, now),
            "to": to,
            "position": asof.position,
        }
    )


async def get_overdue_summary(request: web.Request) -> web.Response:
    """``GET /v1/overdue/summary?scope=&at=``: how many items of each kind are overdue."""
    scope = await _in_scope(request, request.query.get("scope"))
    asof = await _asof(request)
    items = await overdue(_db(request), scope, asof, None)
    counts = Counter(str(item["kind"]) for item in items)
    by_kind = [
        {"kind": kind, "label": label("overdue_kind", kind), "count": counts.get(kind, 0)}
        for kind in LABELS["overdue_kind"]
    ]
    return _json({"scope": scope, "at": asof.at_text, "total": len(items), "by_kind": by_kind})


async def _ledger_page(request: web.Request, limit: int) -> dict[str, Any]:
    scope = await _in_scope(request, request.query.get("scope"))
    asof = await _asof(request)
    q = request.query
    page = await hazards_in_period(
        _db(request),
        scope,
        q.get("state") or None,
        q.get("severity") or None,
        asof.position,
        limit,
        q.get("after") or None,
        _key(request, "from"),
        _key(request, "to"),
    )
    known = await names(
        _db(request),
        {i["unit_id"] for i in page["items"]},
        {i["responsible"] for i in page["items"] if i.get("responsible")},
    )
    for item in page["items"]:
        item.setdefault("unit_name", known.get(item["unit_id"]))
        item.setdefault("responsible_name", known.get(item["responsible"] or ""))
    return page


async def get_hazard_ledger(request: web.Request) -> web.Response:
    """``GET /v1/hazards/ledger``: ``/v1/hazards`` with a period (``from``, ``to``) and names."""
    text = request.query.get("limit", "")
    limit = min(int(text), 1000) if text.isdigit() and int(text) > 0 else 100
    return _json(await _ledger_page(request, limit))


COLUMNS = (
    "隐患编号",
    "单位代码",
    "单位名称",
    "隐患等级",
    "状态",
    "入库时间",
    "整改期限",
    "是否逾期",
    "整改责任人",
    "挂牌督办",
    "最新事件位置",
    "最新事件哈希",
)


def beijing(key: str | None) -> str | None:
    """A UTC key as Beijing wall time, ``2019-10-08 09:00``."""
    if not key:
        return None
    return datetime.fromisoformat(key.replace("Z", "+00:00")).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def xlsx_row(item: dict[str, Any]) -> list[Any]:
    return [
        item["hazard_id"],
        item["unit_id"],
        item.get("unit_name"),
        label("hazard_severity", item["severity"]),
        label("hazard_state", item["state"]),
        beijing(item["reported_at"]),
        beijing(item["deadline"]),
        "是" if item["overdue"] else "否",
        item.get("responsible_name") or item.get("responsible"),
        label("supervision_level", item["supervision_level"]),
        item["last_event"]["position"],
        item["last_event"]["hash"],
    ]


async def get_hazard_ledger_xlsx(request: web.Request) -> web.Response:
    """``GET /v1/hazards/ledger.xlsx``: every row the filter selects (not only one page)."""
    page = await _ledger_page(request, MAX_EXPORT_ROWS)
    if page["next"] is not None:
        raise Problem(
            413, "too-large", "Export too large", f"超过 {MAX_EXPORT_ROWS} 行，请缩小筛选范围（辖区、状态、时段）"
        )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("隐患台账")
    sheet.append(list(COLUMNS))
    for item in page["items"]:
        sheet.append(xlsx_row(item))
    buffer = io.BytesIO()
    book.save(buffer)
    return web.Response(
        body=buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=\"hazard-ledger.xlsx\"; filename*=UTF-8''{XLSX_NAME}"},
    )
