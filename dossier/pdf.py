"""The dossier as a PDF an official reads: A4 laid out after GB/T 9704-2012 (版心 156 × 225 mm,
天头 37 mm, 订口 28 mm), the issuing body in red above a red rule, the title in large Song
type, headings in 黑体 and 楷体, the body in Song, 第 N 页 共 M 页 under the type area, and at
the end the signature with the 成文日期 and the record line. Every font is embedded as a
subset (``dossier.fonts``)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dossier.document import document
from dossier.fonts import register_fonts
from dossier.model import Cell, Document, Moment, Money, Section
from dossier.model import Table as DocTable
from dossier.words import beijing, money

__all__ = ["render_pdf"]

RED = colors.Color(0.85, 0.0, 0.0)
WIDTH = 156 * mm  # 版心 width
TOP, BOTTOM, LEFT, RIGHT = 37 * mm, 35 * mm, 28 * mm, 26 * mm
#: rows per table piece: long tables split cheaply and repeat their header on every page
PIECE = 60


def render_pdf(dossier: dict[str, Any]) -> bytes:
    return _pdf(document(dossier), dossier)


class _Styles:
    def __init__(self) -> None:
        f = register_fonts()
        self.song, self.kai, self.hei = f["song"], f["kai"], f["hei"]
        self.issuer = ParagraphStyle("issuer", fontName=self.song, fontSize=30, leading=38, alignment=TA_CENTER)
        self.number = ParagraphStyle("number", fontName=self.song, fontSize=12, leading=16, alignment=TA_CENTER)
        self.title = ParagraphStyle(
            "title", fontName=self.song, fontSize=22, leading=32, alignment=TA_CENTER, spaceBefore=10 * mm
        )
        self.notice = ParagraphStyle(
            "notice", fontName=self.kai, fontSize=12, leading=20, wordWrap="CJK", spaceBefore=2 * mm
        )
        self.h1 = ParagraphStyle(
            "h1", fontName=self.hei, fontSize=16, leading=28, spaceBefore=6 * mm, spaceAfter=2 * mm, keepWithNext=1
        )
        self.h2 = ParagraphStyle(
            "h2", fontName=self.kai, fontSize=14, leading=22, spaceBefore=3 * mm, spaceAfter=1 * mm, keepWithNext=1
        )
        self.body = ParagraphStyle(
            "body",
            fontName=self.song,
            fontSize=14,
            leading=26,
            wordWrap="CJK",
            firstLineIndent=28,
            alignment=TA_JUSTIFY,
        )
        self.cell = ParagraphStyle("cell", fontName=self.song, fontSize=9.5, leading=13, wordWrap="CJK")
        self.dense = ParagraphStyle("dense", fontName=self.song, fontSize=7.5, leading=10, wordWrap="CJK")
        self.head = ParagraphStyle("head", fontName=self.hei, fontSize=9.5, leading=13, wordWrap="CJK")
        self.dense_head = ParagraphStyle("dense_head", fontName=self.hei, fontSize=7.5, leading=10, wordWrap="CJK")
        # 成文日期 stands four characters from the right edge (GB/T 9704 7.3.5)
        self.signature = ParagraphStyle(
            "signature", fontName=self.song, fontSize=14, leading=26, alignment=TA_RIGHT, rightIndent=4 * 14
        )
        self.small = ParagraphStyle("small", fontName=self.song, fontSize=9, leading=13, wordWrap="CJK")
        self.remark = ParagraphStyle(
            "remark", fontName=self.song, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22
        )
        self.record = ParagraphStyle("record", fontName=self.song, fontSize=12, leading=20)


class _Bold(Paragraph):  # type: ignore[misc]  # reportlab has no type hints
    """Song type drawn filled and stroked: the weight of 小标宋, which no free font has."""

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        canvas.saveState()
        canvas.setStrokeColor(self.style.textColor)
        canvas.setLineWidth(self.style.fontSize / 28)
        canvas.addLiteral("2 Tr")
        super().drawOn(canvas, x, y, _sW)
        canvas.restoreState()


class _ToBottom(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """Fills the page but ``reserve`` (the 版记 sits at the foot of the last page)."""

    def __init__(self, reserve: float) -> None:
        super().__init__()
        self.reserve = reserve

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return available_width, max(0.0, available_height - self.reserve)

    def draw(self) -> None:
        return None


class _Rule(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """A rule as wide as the type area (版头's red one, 版记's black ones)."""

    def __init__(self, color: colors.Color, width: float, space: float) -> None:
        super().__init__()
        self.color, self.line, self.space = color, width, space

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return WIDTH, self.space

    def draw(self) -> None:
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.line)
        self.canv.line(0, self.space / 2, WIDTH, self.space / 2)


def _text(value: Cell) -> str:
    if isinstance(value, Moment):
        return beijing(value.value)
    if isinstance(value, Money):
        return money(value.value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _tables(table: DocTable, s: _Styles) -> list[Any]:
    columns = table.pdf_columns if table.pdf_columns is not None else list(range(len(table.header)))
    widths = [table.widths[c] for c in columns]
    scale = WIDTH / sum(widths)
    cell, head = (s.dense, s.dense_head) if table.dense else (s.cell, s.head)
    header = [_p(table.header[c], head) for c in columns]
    out: list[Any] = [_p(table.caption, s.h2)] if table.caption else []
    if not table.rows:
        return [*out, _p("（无）", s.cell)]
    for start in range(0, len(table.rows), PIECE):
        rows = [[_p(_text(row[c]), cell) for c in columns] for row in table.rows[start : start + PIECE]]
        t = Table([header, *rows], colWidths=[w * scale for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), s.song),  # not reportlab's default (unembedded) font
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        out.append(t)
    return out


def _section(section: Section, s: _Styles) -> list[Any]:
    out: list[Any] = [CondPageBreak(40 * mm), _p(section.heading, s.h1)]
    style = s.remark if section.tables and section.tables[0].dense else s.body
    out += [_p(text, style) for text in section.paragraphs]
    for table in section.tables:
        out += _tables(table, s)
    return out


def _story(doc: Document, s: _Styles) -> list[Any]:
    issuer = ParagraphStyle("issuer-red", parent=s.issuer, textColor=RED)
    story: list[Any] = [
        _Bold(escape(doc.issuer), issuer),
        Spacer(1, 4 * mm),
        _p(doc.number, s.number),
        _Rule(RED, 1.2, 6 * mm),
        _Bold(escape(doc.title), s.title),
        Spacer(1, 4 * mm),
        *[_p(f"说明：{line}" if i == 0 else f"　　　{line}", s.notice) for i, line in enumerate(doc.notice)],
    ]
    for section in doc.sections:
        story += _section(section, s)
    story += [
        Spacer(1, 14 * mm),
        _p(doc.issuer, s.signature),
        _p(doc.date, s.signature),
        Spacer(1, 4 * mm),
        _p(doc.issuer_line, s.small),
        _ToBottom(14 * mm),
        _record(doc, s),
    ]
    return story


def _record(doc: Document, s: _Styles) -> Table:
    """版记: the printing body one character from the left, the date one from the right,
    between two rules as wide as the type area."""
    right = ParagraphStyle("record-right", parent=s.record, alignment=TA_RIGHT)
    t = Table([[_p(doc.issuer, s.record), _p(doc.record, right)]], colWidths=[WIDTH / 2, WIDTH / 2])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), s.song),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LEFTPADDING", (0, 0), (0, 0), 12),
                ("RIGHTPADDING", (-1, 0), (-1, 0), 12),
            ]
        )
    )
    return t


class _Numbered(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """Puts 第 N 页 共 M 页 on every page once the number of pages is known."""

    font = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(self.font, 10.5)
            self.drawCentredString(A4[0] / 2, BOTTOM - 7 * mm - 10.5, f"第 {self._pageNumber} 页 共 {total} 页")
            super().showPage()
        super().save()


def _pdf(doc: Document, dossier: dict[str, Any]) -> bytes:
    styles = _Styles()
    out = io.BytesIO()
    template = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=doc.title,
        author=doc.issuer,
        subject=doc.number,
        creator="duty-ledger",
        # the canvas's own default font (Helvetica) would be named, unembedded, on every page
        initialFontName=styles.song,
    )
    frame = Frame(
        LEFT, BOTTOM, WIDTH, A4[1] - TOP - BOTTOM, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0
    )
    template.addPageTemplates([PageTemplate("page", frames=[frame])])
    canvas = type("NumberedCanvas", (_Numbered,), {"font": styles.song})
    template.build(_story(doc, styles), canvasmaker=canvas)
    return out.getvalue()
