"""The reader's document, between dossier.json and its two renderings (PDF, XLSX).

``dossier.document`` turns dossier.json into a ``Document``: a front page (issuing body,
number, title, what the dossier holds), sections of paragraphs and tables, a signature
block and a record line. Cells keep their kind — a ``Moment`` is shown in Beijing time in
the PDF and is a date-time in the XLSX, ``Money`` reads 420万元 in the PDF and is a number
in the XLSX — so the two renderings say the same thing each in its own way.

Names come from the dossier's name table only (``Namer``), which the verifier backs with
events: a person or unit the PDF or XLSX names is one the events in the dossier name so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.labels import label

__all__ = ["Cell", "Document", "Moment", "Money", "Namer", "Section", "Table"]


@dataclass(frozen=True, slots=True)
class Moment:
    """An instant (RFC 3339 or a UTC key), shown in Beijing time."""

    value: str | None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in 元."""

    value: float | int | None


Cell = str | int | float | Moment | Money | None


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]]
    #: relative column widths (the PDF scales them to the type area)
    widths: Sequence[float]
    #: a sub-heading above it, e.g. （一）企业：临沂罗庄永盛冶金有限公司
    caption: str | None = None
    #: rows are dense (a smaller type in the PDF)
    dense: bool = False
    #: the columns the PDF shows (None: all; the XLSX always shows all)
    pdf_columns: list[int] | None = None


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    #: the XLSX sheet it becomes (None: the PDF only)
    sheet: str | None = None


@dataclass
class Document:
    issuer: str
    number: str
    title: str
    #: what the reader must know first: personal data or not, the time zone, what it reflects
    notice: list[str]
    sections: list[Section]
    #: 成文日期
    date: str
    #: the issuer line under the signature
    issuer_line: str
    #: 版记: when the issuer printed it
    record: str


class Namer:
    """Names of people and units from the dossier's name table; a code's Chinese label."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        self._names = names

    def name(self, entity: str | None) -> str:
        """The name, or the id itself when the dossier holds no name for it."""
        if not entity:
            return ""
        entry = self._names.get(entity)
        return str(entry["name"]) if isinstance(entry, dict) and entry.get("name") else entity

    def named(self, entity: str | None) -> str:
        """``王磊（P-9L3Z2C-GM）``: the name and, to tell namesakes apart, the id."""
        if not entity:
            return ""
        name = self.name(entity)
        return name if name == entity else f"{name}（{entity}）"

    def title(self, entity: str | None) -> str:
        """A person's title, or a unit's kind in Chinese."""
        entry = self._names.get(entity or "")
        if not isinstance(entry, dict):
            return ""
        if entry.get("type") == "person":
            return str(entry.get("title") or "")
        return label("unit_kind", entry.get("unit_kind")) or ""

    def mapping(self) -> dict[str, str]:
        return {entity: self.name(entity) for entity in self._names}
