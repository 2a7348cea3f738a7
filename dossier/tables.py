"""The tables every kind of dossier shares: the chain tier by tier, holdings, gaps, sanctions,
inspections, hazards, the timeline, the evidence, the names and the checkpoint. Each reads one
part of dossier.json and speaks Chinese (``ledger.labels``), names (``Namer``) and Beijing
time (``Moment``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dossier.format import cited_positions
from dossier.model import Cell, Moment, Money, Namer, Table
from dossier.words import beijing, label_of
from projections.timekeys import utc_key

__all__ = [
    "chain_tables",
    "checkpoint_table",
    "evidence_table",
    "gaps_table",
    "hazards_table",
    "holdings_table",
    "inspections_table",
    "names_table",
    "numbered",
    "positions",
    "sanctions_table",
    "stream_text",
    "timeline_table",
]

_NUMERALS = "一二三四五六七八九十"
OPEN_END = "至今"


def numbered(index: int) -> str:
    """1 → 一, 11 → 十一, 20 → 二十 (headings count in Chinese numerals)."""
    if index <= 10:
        return _NUMERALS[index - 1]
    tens, ones = divmod(index, 10)
    return (_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (_NUMERALS[ones - 1] if ones else "")


def positions(*items: Any) -> str:
    """The log positions an item cites, ascending: ``38、69``."""
    found: set[int] = set()
    for item in items:
        found.update(cited_positions(item))
    return "、".join(str(p) for p in sorted(found))


def _role(h: dict[str, Any]) -> str:
    role = label_of("role", h.get("role"))
    if h.get("role") == "industry_supervisor" and h.get("industry"):
        return f"{role}（{label_of('industry', h['industry'])}）"
    return role


def _end(h: dict[str, Any]) -> Cell:
    return Moment(h["valid_to"]) if h.get("valid_to") else OPEN_END


def _holding_row(names: Namer, h: dict[str, Any], via: str | None = None) -> list[Cell]:
    role = f"{_role(h)}（{names.name(via)}）" if via else _role(h)
    return [
        role,
        names.named(h.get("holder")),
        names.title(h.get("holder")),
        Moment(h.get("valid_from")),
        _end(h),
        h.get("basis") or "",
        positions(h.get("events", [])),
    ]


CHAIN_HEADER = ["职责", "责任人", "职务（类别）", "任职起", "任职止", "依据文件", "证据位置"]
CHAIN_WIDTHS = [22, 34, 20, 20, 20, 20, 18]


def chain_tables(names: Namer, chain: dict[str, Any]) -> list[Table]:
    """One table per tier, nearest first; a covering work group's members under it, once."""
    tables = []
    for number, tier in enumerate(chain.get("tiers", []), 1):
        rows: list[list[Cell]] = []
        seen: set[tuple[Any, ...]] = set()
        for h in tier.get("holders", []):
            for row, key in [(_holding_row(names, h), (h.get("assignment_id"), None))] + [
                (_holding_row(names, m, via=h.get("holder")), (m.get("assignment_id"), h.get("holder")))
                for m in h.get("members", [])
            ]:
                if key not in seen:
                    seen.add(key)
                    rows.append(row)
        caption = f"（{numbered(number)}）{label_of('unit_kind', tier.get('kind'))}：{names.named(tier.get('unit_id'))}"
        tables.append(
            Table(CHAIN_HEADER, rows or [["（无人承担职责）", "", "", None, None, "", ""]], CHAIN_WIDTHS, caption)
        )
    return tables


def gaps_table(names: Namer, gaps: Iterable[dict[str, Any]]) -> Table | None:
    rows: list[list[Cell]] = []
    for g in gaps:
        role = label_of("role", g.get("role"))
        if g.get("industry"):
            role = f"{label_of('industry', g['industry'])}{role}"
        rows.append([names.named(g.get("unit_id")), role, f"无{role}，职责缺位"])
    if not rows:
        return None
    return Table(["单位", "缺位职责", "认定"], rows, [60, 45, 51], "责任缺位")


def holdings_table(names: Namer, holdings: Iterable[dict[str, Any]], by_target: bool = False) -> Table:
    """Who held what over time (a unit's timeline, or a person's holdings by target unit)."""
    rows: list[list[Cell]] = []
    for h in holdings:
        who = names.named(h.get("target")) if by_target else names.named(h.get("holder"))
        rows.append([_role(h), who, Moment(h.get("valid_from")), _end(h), h.get("basis") or "", positions(h)])
    header = ["职责", "对象单位" if by_target else "责任人", "任职起", "任职止", "依据文件", "证据位置"]
    return Table(header, rows, [24, 42, 21, 21, 22, 20])


def _basis_refs(names: Namer, refs: Iterable[Any]) -> str:
    out = []
    for ref in refs:
        if isinstance(ref, int):
            out.append(f"第{ref}号事件")
        else:
            kind, _, entity = str(ref).partition(":")
            out.append(f"{label_of('stream_kind', kind)} {names.name(entity)}" if entity else names.name(kind))
    return "、".join(out)


def sanctions_table(names: Namer, sanctions: Iterable[dict[str, Any]], caption: str | None = None) -> Table:
    rows: list[list[Cell]] = []
    for s in sanctions:
        state = f"已于{beijing(s['lifted_at'])}解除：{s.get('lift_reason') or ''}" if s.get("lifted_at") else "有效"
        rows.append(
            [
                Moment(s.get("imposed_at")),
                names.named(s.get("target")),
                label_of("sanction_kind", s.get("kind")),
                names.name(s.get("issued_by")),
                Money(s.get("amount_cny")),
                _basis_refs(names, s.get("basis_refs") or []),
                s.get("note") or "",
                state,
                positions(s.get("events", [])),
            ]
        )
    header = ["决定时间", "处理对象", "处理种类", "决定机关", "金额", "依据", "说明", "状态", "证据位置"]
    return Table(header, rows, [19, 25, 15, 17, 12, 19, 14, 17, 16], caption, dense=True)


def inspections_table(names: Namer, inspections: Iterable[dict[str, Any]], caption: str | None = None) -> Table:
    rows: list[list[Cell]] = [
        [
            Moment(i.get("occurred_at")),
            label_of("inspection_kind", i.get("kind")),
            "、".join(names.name(p) for p in i.get("inspectors") or []),
            names.name(i.get("led_by")),
            i.get("result") or "",
            positions(i.get("events", [])),
        ]
        for i in inspections
    ]
    return Table(
        ["检查时间", "检查类别", "检查人员", "带队", "检查结果", "证据位置"], rows, [22, 18, 34, 16, 46, 18], caption
    )


def hazards_table(names: Namer, hazards: Iterable[dict[str, Any]], caption: str | None = None) -> Table:
    rows: list[list[Cell]] = [
        [
            h.get("hazard_id"),
            label_of("hazard_severity", h.get("severity")),
            label_of("hazard_state", h.get("state")),
            Moment(h.get("deadline")),
            names.named(h.get("responsible")),
            "是" if h.get("overdue") else "否",
            positions(h.get("events", [])),
        ]
        for h in hazards
    ]
    header = ["隐患编号", "等级", "状态", "整改期限", "整改责任人", "是否逾期", "证据位置"]
    return Table(header, rows, [22, 14, 20, 21, 34, 11, 28], caption)


def timeline_table(names: Namer, evidence: list[dict[str, Any]]) -> Table:
    ordered = sorted(evidence, key=lambda e: (utc_key(e["occurred_at"]), e["position"]))
    rows: list[list[Cell]] = [
        [Moment(e["occurred_at"]), label_of("event_type", e["type"]), e["summary"], e["position"]] for e in ordered
    ]
    return Table(["发生时间", "事件", "摘要", "位置"], rows, [24, 22, 92, 14], dense=True)


def stream_text(names: Namer, stream: str) -> str:
    kind, _, entity = stream.partition(":")
    shown = names.name(entity) if kind in ("unit", "person") else entity
    return f"{label_of('stream_kind', kind)} {shown}"


EVIDENCE_HEADER = ["位置", "事件", "对象", "发生时间", "记录时间", "记录人", "事件类型代码", "摘要", "哈希（SHA-256）"]


def evidence_table(names: Namer, evidence: list[dict[str, Any]]) -> Table:
    rows: list[list[Cell]] = [
        [
            e["position"],
            label_of("event_type", e["type"]),
            stream_text(names, e["stream"]),
            Moment(e["occurred_at"]),
            Moment(e["recorded_at"]),
            e["actor"],
            e["type"],
            e["summary"],
            e["hash"],
        ]
        for e in evidence
    ]
    # the PDF shows position, event, subject, time and hash; the XLSX every column
    return Table(EVIDENCE_HEADER, rows, [14, 20, 30, 20, 20, 16, 24, 80, 76], dense=True, pdf_columns=[0, 1, 2, 3, 8])


def names_table(names: Namer, table: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [
            entity,
            names.name(entity),
            label_of("stream_kind", entry.get("type")),
            names.title(entity),
            positions(entry.get("events", [])),
        ]
        for entity, entry in sorted(table.items())
    ]
    return Table(["编号", "名称", "类别", "职务（单位类别）", "登记及变更事件位置"], rows, [34, 38, 12, 36, 30])


def checkpoint_table(checkpoint: dict[str, Any], issuer: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        ["树大小（事件数）", checkpoint["size"]],
        ["根哈希", checkpoint["root"]],
        ["签名时间", Moment(checkpoint["timestamp"])],
        ["签名公钥标识", checkpoint["key_id"]],
        ["签名（Ed25519）", checkpoint["signature"]],
        ["签发机关", issuer.get("name") or ""],
    ]
    return Table(["项目", "内容"], rows, [36, 120], dense=True)
