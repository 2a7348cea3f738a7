"""The dossier as a workbook: one sheet per part of the document, Chinese headers, times as
date-times (Beijing time), amounts and counts as numbers, column widths to fit, an
autofilter and a frozen header on every sheet."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dossier.document import document
from dossier.model import Cell, Document, Moment, Money, Section, Table
from dossier.words import beijing_moment

__all__ = ["render_xlsx"]

MAX_WIDTH = 60
TIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"
_HEADER_FILL = PatternFill("solid", fgColor="E8E8E8")
#: the （一） before a caption: a sheet or a group needs no number
_CAPTION_NUMBER = re.compile(r"^（[一二三四五六七八九十]+）")


def render_xlsx(dossier: dict[str, Any]) -> bytes:
    doc = document(dossier)
    book = Workbook()
    book.remove(book.active)
    _front(book.create_sheet("档案"), doc)
    for section in doc.sections:
        if section.sheet is None:
            continue
        for name, tables in _sheets(section):
            _sheet(book.create_sheet(name[:31]), tables)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheets(section: Section) -> list[tuple[str, list[Table]]]:
    """A section's tables as sheets: tables sharing one header become one sheet whose first
    column says which (the tiers of the chain); tables with headers of their own each get a
    sheet named by their caption."""
    tables = [t for t in section.tables if t.rows]
    if not tables:
        return []
    assert section.sheet is not None
    if len({tuple(t.header) for t in tables}) == 1:
        return [(section.sheet, tables)]
    return [(_CAPTION_NUMBER.sub("", t.caption or "") or section.sheet, [t]) for t in tables]


def _value(cell: Cell) -> Any:
    if isinstance(cell, Moment):
        moment = beijing_moment(cell.value)
        return moment.replace(tzinfo=None) if moment is not None else None
    if isinstance(cell, Money):
        return cell.value
    return cell


def _front(ws: Worksheet, doc: Document) -> None:
    """What the PDF's first page says, as rows."""
    rows = [
        ("发文机关", doc.issuer),
        ("档案编号", doc.number.removeprefix("档案编号：")),
        ("标题", doc.title),
        *(("说明", line) for line in doc.notice),
        ("成文日期", doc.date),
        ("签发", doc.issuer_line.removeprefix("签发：")),
    ]
    ws.append(["项目", "内容"])
    for row in rows:
        ws.append(list(row))
    _finish(ws)


def _sheet(ws: Worksheet, tables: list[Table]) -> None:
    grouped = len(tables) > 1
    ws.append(["分组", *tables[0].header] if grouped else tables[0].header)
    for table in tables:
        for row in table.rows:
            cells = [_value(c) for c in row]
            ws.append([_CAPTION_NUMBER.sub("", table.caption or ""), *cells] if grouped else cells)
    _finish(ws)


def _finish(ws: Worksheet) -> None:
    """Header in bold, frozen and filtered; each column as wide as its content (to a limit)."""
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for index, column in enumerate(ws.iter_cols(), 1):
        longest = 0
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = TIME_FORMAT
                longest = max(longest, 16)
            elif isinstance(cell.value, float):
                cell.number_format = MONEY_FORMAT
                longest = max(longest, len(f"{cell.value:,.2f}"))
            elif cell.value is not None:
                longest = max(longest, _display_width(str(cell.value)))
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str) and len(cell.value) > 40)
        ws.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(8, longest + 2))


def _display_width(text: str) -> int:
    """Characters as a spreadsheet counts them: a CJK character is two wide."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)
