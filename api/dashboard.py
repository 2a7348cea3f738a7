"""The reads only the dashboard needs (SPEC §11), under the same rules as every ``/v1`` read
(``api/reads.py``): who is signed in, the labels table, the overdue counts by kind, and the
隐患台账 (``/v1/hazards``, the same parameters) as an XLSX workbook of every row."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import web
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from api import reads
from api.accounts import user_principal
from api.auth import PRINCIPAL, require
from api.problems import Problem
from api.queries import hazard_question
from api.render import localize
from api.sessions import COOKIE, session_user
from ledger.labels import LABELS, label
from projections.hazards import hazard_ledger
from projections.overdue import KINDS, overdue
from projections.overview import root_at
from projections.registry import units_at

__all__ = [
    "COLUMNS",
    "MAX_EXPORT_ROWS",
    "get_hazards_xlsx",
    "get_labels",
    "get_overdue_summary",
    "get_session",
    "xlsx_row",
]

#: an export larger than this is refused (narrow the filter): the rows are built in memory
MAX_EXPORT_ROWS = 50_000
#: the largest page of ``hazard_ledger``
PAGE = 1000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_NAME = quote("隐患台账.xlsx")
TIME_FORMAT = "yyyy-mm-dd hh:mm"


async def get_labels(request: web.Request) -> web.Response:
    """``GET /v1/labels``: the one table of Chinese labels (ledger/labels.py), as it is."""
    require(request, *reads.READERS)
    return web.Response(body=orjson.dumps(LABELS), content_type="application/json")


async def get_session(request: web.Request) -> web.Response:
    """``GET /auth/session``: who is signed in with this browser's cookie — 200 either way,
    so that the page asks without an error — with their jurisdiction, where the drill-down
    starts (the jurisdiction, or the root of the tree) and the log's head (where the live
    tail starts)."""
    secret = request.cookies.get(COOKIE)
    user = await session_user(request, secret) if secret else None
    if user is None:
        return web.Response(body=orjson.dumps({"signed_in": False}), content_type="application/json")
    request[PRINCIPAL] = user_principal(user)
    read = await reads.begin(request)
    db = reads.db(request)
    home = user.scope or await root_at(db, read.asof.at, read.asof.position)
    found = await units_at(db, [home] if home else [], read.asof.at, read.asof.position)
    if home is None or home not in found:
        raise Problem(
            404,
            "not-found",
            "Not found",
            f"the account's jurisdiction {home!r} is not a registered unit",
            zh=f"本账户的辖区 {home} 不是已登记的单位",
        )
    body = {
        "signed_in": True,
        "login": user.login,
        "name": user.name,
        "role": user.role,
        "role_label": label("account_role", user.role),
        "scope": found[home] if user.scope else None,
        "home": found[home],
    }
    return reads.answer(read, body)


async def get_overdue_summary(request: web.Request) -> web.Response:
    """``GET /v1/overdue/summary?scope=&at=``: how many items of each kind are overdue (the
    items of ``/v1/overdue``, counted)."""
    read = await reads.begin(request)
    scope = await reads.asked_scope(request, read)
    items = await overdue(reads.db(request), scope, read.asof.at, read.asof.position, brief=True)
    counts = Counter(str(item["kind"]) for item in items)
    by_kind = [{"kind": k, "kind_label": label("overdue_kind", k), "count": counts.get(k, 0)} for k in KINDS]
    return reads.answer(
        read, {**await reads.scope_named(request, read, scope), "total": len(items), "by_kind": by_kind}
    )


#: the workbook's columns: header, width (in characters; a CJK character counts two)
COLUMNS = (
    ("隐患编号", 16),
    ("单位代码", 22),
    ("单位名称", 30),
    ("隐患描述", 40),
    ("隐患类别", 14),
    ("隐患来源", 12),
    ("隐患等级", 10),
    ("状态", 16),
    ("入库时间", 17),
    ("整改期限", 17),
    ("是否逾期", 10),
    ("整改责任人", 16),
    ("挂牌督办", 12),
    ("督办单位（人）", 20),
    ("整改完成时间", 17),
    ("验收人", 16),
    ("最新事件位置", 14),
    ("最新事件哈希", 66),
)


def _moment(text: str | None) -> datetime | None:
    """An instant of a localized answer as the wall time it states (a spreadsheet keeps no zone)."""
    return datetime.fromisoformat(text).replace(tzinfo=None) if text else None


def _named(item: dict[str, Any], key: str) -> str | None:
    return item.get(f"{key}_name") or item.get(key)


def xlsx_row(item: dict[str, Any]) -> list[Any]:
    """One row of the workbook from one item of ``/v1/hazards`` as answered (localized)."""
    return [
        item["hazard_id"],
        item["unit_id"],
        item.get("unit_name"),
        item.get("description"),
        item.get("category"),
        item.get("source_label"),
        item.get("severity_label"),
        item.get("state_label"),
        _moment(item.get("reported_at")),
        _moment(item.get("deadline")),
        "是" if item["overdue"] else "否",
        _named(item, "responsible"),
        item.get("supervision_level_label"),
        _named(item, "supervisor"),
        _moment(item.get("rectified_at")),
        _named(item, "verifier"),
        item["last_event"]["position"],
        item["last_event"]["hash"],
    ]


async def get_hazards_xlsx(request: web.Request) -> web.Response:
    """``GET /v1/hazards.xlsx``: every row of the 隐患台账 that ``/v1/hazards`` would give for the
    same parameters (all its pages), Chinese headers, times in the answer's zone."""
    read = await reads.begin(request)
    _scope, question = await hazard_question(request, read)
    items: list[dict[str, Any]] = []
    after = None
    while True:
        page = await hazard_ledger(
            reads.db(request), position=read.asof.position, at=read.asof.at, **question, limit=PAGE, after=after
        )
        items += page["items"]
        after = page["next"]
        if len(items) > MAX_EXPORT_ROWS:
            raise Problem(
                413,
                "too-large",
                "Export too large",
                f"the export holds more than {MAX_EXPORT_ROWS} rows: narrow the filter (scope, state, period)",
                zh=f"导出超过 {MAX_EXPORT_ROWS} 行，请缩小筛选范围（辖区、状态、时段）",
                limit=MAX_EXPORT_ROWS,
            )
        if after is None:
            break
    rows = [xlsx_row(item) for item in localize(items, read.zone)]
    return web.Response(
        body=_workbook(rows),
        content_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename=\"hazards.xlsx\"; filename*=UTF-8''{XLSX_NAME}"},
    )


def _workbook(rows: list[list[Any]]) -> bytes:
    """A write-only workbook (rows streamed, not kept as cells): bold frozen headers, widths,
    an autofilter over every row, times as date-times, positions as numbers."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet("隐患台账")
    for index, (_title, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, title, font=bold) for title, _width in COLUMNS])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: WriteOnlyWorksheet, value: Any, font: Font | None = None) -> Any:
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = TIME_FORMAT
        return cell
    if font is not None:
        cell = WriteOnlyCell(sheet, value)
        cell.font = font
        return cell
    return value
