"""dossier.json as an official document (``Document``), laid out after 党政机关公文格式
(GB/T 9704-2012) where its conventions apply: the issuing body (发文机关) above a red rule, a
number, the title, the body in numbered sections (一、…, （一）…), the signature block with
the 成文日期, and the record line (版记). The issuing body is the bureau that operates the
ledger and holds its signing key (``LEDGER_ISSUER``).

One function per kind of subject gives the title and the sections particular to it; the
timeline, the evidence, the names and the verification close every dossier.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dossier.model import Cell, Document, Moment, Money, Namer, Section, Table
from dossier.tables import (
    chain_tables,
    checkpoint_table,
    evidence_table,
    gaps_table,
    hazards_table,
    holdings_table,
    inspections_table,
    names_table,
    numbered,
    positions,
    sanctions_table,
    timeline_table,
)
from dossier.words import beijing, beijing_date, beijing_moment, label_of, money, yes_no
from ledger.personal import PERSONAL_FIELDS
from ledger.timeutil import parse_timestamp

__all__ = ["document", "period_text"]

#: the national baseline of accident reporting (SPEC §6), when no local policy set the time
BASELINE_REPORTS = "全国基线（国务院令第493号）"
_PERSONAL = "、".join(dict.fromkeys(f.caption for f in PERSONAL_FIELDS))


def document(dossier: dict[str, Any]) -> Document:
    names = Namer(dossier.get("names") or {})
    kind = dossier["kind"]
    title, sections = {"accident": _accident, "hazard": _hazard, "unit": _unit, "person": _person}[kind](dossier, names)
    sections += _closing(dossier, names)
    for index, section in enumerate(sections, 1):
        section.heading = f"{numbered(index)}、{section.heading}"
    issuer = dossier["issuer"]
    date = beijing_date(parse_timestamp(dossier["generated_at"]))
    return Document(
        issuer=issuer["name"],
        number=_number(dossier),
        title=title,
        notice=_notice(dossier),
        sections=sections,
        date=date,
        issuer_line=f"签发：{issuer['name']}（账本签名密钥标识 {issuer['key_id']}）",
        record=f"{date}印发",
    )


def _number(dossier: dict[str, Any]) -> str:
    subject = f"{label_of('stream_kind', dossier['kind'])} {dossier['id']}"
    period = f" {period_text(dossier['period'])}" if dossier.get("period") else ""
    return f"档案编号：{subject}{period}（账本第{dossier['known_at_position']}号事件）"


def _notice(dossier: dict[str, Any]) -> list[str]:
    personal = (
        f"本档案附带个人信息（{_PERSONAL}），仅供调查处理使用，应依法保密；已删除的个人信息显示为“已删除”。"
        if dossier.get("with_personal_data")
        else f"本档案不含个人信息（{_PERSONAL}已隐去）。"
    )
    return [
        personal,
        "文中时间均为北京时间。",
        f"本档案反映账本截至第{dossier['known_at_position']}号事件所记载的情况；"
        "所引事件原文、包含证明及签名见附带文件，可离线验证（见“签名与验证”）。",
    ]


def period_text(period: str) -> str:
    """``2019Q4`` → 2019年第四季度, ``2019H2`` → 2019年下半年, ``2019-10-H1`` → 2019年10月上半月."""
    year, rest = period[:4], period[4:]
    if rest.startswith("Q"):
        return f"{year}年第{numbered(int(rest[1]))}季度"
    if rest.startswith("H"):
        return f"{year}年{'上' if rest == 'H1' else '下'}半年"
    if rest.startswith("-"):
        month, _, half = rest[1:].partition("-")
        return f"{year}年{int(month)}月" + ({"H1": "上半月", "H2": "下半月"}.get(half, ""))
    return f"{year}年度"


def _overview(rows: list[tuple[str, Cell]]) -> Table:
    return Table(["项目", "内容"], [[k, v] for k, v in rows], [36, 120])


def _chain_section(heading: str, names: Namer, chain: dict[str, Any]) -> Section:
    tables = chain_tables(names, chain)
    gaps = gaps_table(names, chain.get("gaps", []))
    return Section(heading, [], [*tables, *([gaps] if gaps else [])], sheet="责任链")


# -- accidents -----------------------------------------------------------------------------


def _accident(dossier: dict[str, Any], names: Namer) -> tuple[str, list[Section]]:
    chain = dossier["accountability"]
    a = chain["accident"]
    moment = beijing_moment(a["occurred_at"]) or datetime.min
    title = f"关于{names.name(a['unit_id'])}“{moment.month}·{moment.day}”{a['grade_label']}事故的责任追溯档案"
    overview = _overview(
        [
            ("事故编号", a["accident_id"]),
            ("事故单位", names.named(a["unit_id"])),
            ("发生时间", Moment(a["occurred_at"])),
            ("事故等级", f"{a['grade_label']}事故"),
            ("死亡人数", a["deaths"]),
            ("重伤人数", a["serious_injuries"]),
            ("直接经济损失", Money(a["direct_loss_cny"])),
            ("事故经过", a.get("description") or ""),
            ("违法违规作业", yes_no(a.get("illegal_operation"))),
            ("证据位置", positions(a.get("events", []))),
        ]
    )
    summary = (
        f"{beijing(a['occurred_at'])}，{names.name(a['unit_id'])}发生事故（{a.get('description') or ''}），"
        f"造成{a['deaths']}人死亡、{a['serious_injuries']}人重伤，直接经济损失{money(a['direct_loss_cny'])}，"
        f"依《生产安全事故报告和调查处理条例》第三条属{a['grade_label']}事故。"
    )
    return title, [
        Section("事故基本情况", [summary], [overview], sheet="概况"),
        _chain_section("事故发生时的责任链", names, chain),
        Section(
            "事故报告与逐级上报",
            [],
            [_reports_table(names, chain.get("reports", []), chain.get("escalation", []))],
            sheet="事故报告",
        ),
        _investigation(names, chain.get("investigation")),
        _sanctions(names, dossier.get("followed", []), chain.get("sanctions", []), "事故"),
        _before(names, chain, "事故"),
    ]


def _report_state(r: dict[str, Any]) -> str:
    if r.get("on_time"):
        return "按时报告"
    if r.get("reported_at") and r.get("due_at"):
        return f"迟报{r.get('late_by_minutes')}分钟"
    if r.get("reported_at"):
        return "已报告（无时限规定）"
    return "未报告" if r.get("due_at") else "未报告（无时限规定）"


def _reports_table(names: Namer, reports: list[dict[str, Any]], escalation: list[dict[str, Any]]) -> Table:
    """The report stages (条例 第9条) and their passing up level by level (第10、11条)."""
    rows: list[list[Cell]] = []
    for r in reports:
        rows.append(
            [
                label_of("report_stage", r.get("stage")),
                r.get("due_minutes"),
                Moment(r.get("due_at")),
                Moment(r.get("reported_at")),
                names.name(r.get("to_unit")),
                names.named(r.get("by")),
                _report_state(r),
                (r.get("policy") or {}).get("basis") or BASELINE_REPORTS,
                positions(r.get("events", [])),
            ]
        )
    for e in escalation:
        rows.append(
            [
                f"上报{label_of('investigation_level', e.get('level'))}",
                (e.get("policy") or {}).get("value"),
                Moment(e.get("due_at")),
                Moment(e.get("reported_at")),
                names.name(e.get("to_unit")),
                names.named(e.get("by")),
                _report_state(e),
                (e.get("policy") or {}).get("basis") or BASELINE_REPORTS,
                positions(e.get("events", [])),
            ]
        )
    header = ["报告阶段", "时限（分钟）", "应报时间", "实报时间", "报送单位", "报告人", "情况", "时限依据", "证据位置"]
    return Table(header, rows, [15, 11, 19, 19, 17, 22, 13, 19, 15], dense=True)


def _investigation(names: Namer, inv: dict[str, Any] | None) -> Section:
    section = Section("事故调查与责任认定", sheet="责任认定")
    if not inv:
        section.paragraphs.append("截至本档案所反映的时点，账本未记载事故调查。")
        return section
    level = label_of("investigation_level", inv.get("level"))
    text = f"事故调查由{names.name(inv.get('led_by')) or '有关部门'}组织，属{level}调查"
    text += "（提级调查）" if inv.get("elevated") else ""
    text += f"，于{beijing(inv.get('opened_at'))}启动"
    text += f"，于{beijing(inv['concluded_at'])}结案。" if inv.get("concluded_at") else "，尚未结案。"
    if inv.get("report_due"):
        due = f"调查报告应于{beijing(inv['report_due'])}前提交"
        on_time = inv.get("report_on_time")
        text += due + ("，已按期提交。" if on_time else "，逾期未提交。" if on_time is False else "。")
    section.paragraphs.append(text)
    if inv.get("findings"):
        section.paragraphs.append(f"调查结论：{inv['findings']}。".replace("。。", "。"))
    cited = positions(inv.get("events", []))
    rows: list[list[Cell]] = [
        [
            names.named(r.get("holder")),
            names.title(r.get("holder")),
            label_of("responsibility", r.get("responsibility")),
            r.get("note") or "",
            "是" if r.get("in_chain") else "否",
            cited,
        ]
        for r in inv.get("responsible", [])
    ]
    header = ["责任人（单位）", "职务（类别）", "责任认定", "说明", "事故发生时是否在责任链中", "证据位置"]
    section.tables.append(Table(header, rows, [38, 24, 18, 30, 20, 20]))
    return section


def _sanctions(names: Namer, followed: list[dict[str, Any]], earlier: list[dict[str, Any]], what: str) -> Section:
    section = Section("处理处罚", sheet="处理处罚")
    section.tables.append(sanctions_table(names, followed, f"（一）{what}发生后的处理处罚"))
    section.tables.append(sanctions_table(names, earlier, f"（二）{what}发生前对有关单位和人员的处理处罚"))
    if not followed:
        section.paragraphs.append(f"截至本档案所反映的时点，账本未记载{what}发生后的处理处罚。")
    return section


def _before(names: Namer, chain: dict[str, Any], what: str) -> Section:
    hazards = (chain.get("hazards") or {}).get("open", [])
    return Section(
        f"{what}发生前的检查与隐患",
        [],
        [
            inspections_table(names, chain.get("inspections", []), "（一）此前对该单位的检查"),
            hazards_table(names, hazards, f"（二）{what}发生时该单位未销号的隐患"),
        ],
        sheet="检查与隐患",
    )


# -- hazards ---------------------------------------------------------------------------------


def _hazard(dossier: dict[str, Any], names: Namer) -> tuple[str, list[Section]]:
    chain = dossier["accountability"]
    h = chain["hazard"]
    severity = label_of("hazard_severity", h.get("severity"))
    title = f"关于{names.name(h['unit_id'])}{severity}（{h['hazard_id']}）的责任追溯档案"
    overview = _overview(
        [
            ("隐患编号", h["hazard_id"]),
            ("所在单位", names.named(h["unit_id"])),
            ("入库时间", Moment(h["reported_at"])),
            ("隐患等级", severity),
            ("隐患来源", label_of("hazard_source", h.get("source"))),
            ("隐患描述", h.get("description") or ""),
            ("证据位置", positions(h.get("events", []))),
        ]
    )
    return title, [
        Section("隐患基本情况", [], [overview], sheet="概况"),
        _chain_section("隐患入库时的责任链", names, chain),
        _sanctions(names, dossier.get("followed", []), chain.get("sanctions", []), "隐患入库"),
        _before(names, chain, "隐患入库"),
    ]


# -- units and people ----------------------------------------------------------------------


def _unit(dossier: dict[str, Any], names: Namer) -> tuple[str, list[Section]]:
    chain = dossier["responsibility"]
    unit = chain["unit"]
    period = period_text(dossier["period"]) if dossier.get("period") else ""
    title = f"{names.name(unit['unit_id'])}{period}安全生产责任档案"
    overview = _overview(
        [
            ("单位名称", names.name(unit["unit_id"])),
            ("单位编号", unit["unit_id"]),
            ("单位类别", label_of("unit_kind", unit.get("kind"))),
            ("所属行业", label_of("industry", unit.get("industry"))),
            ("上级单位", names.named(unit.get("parent_id"))),
            ("期间", period or "全部记录"),
            ("检查次数", len(dossier.get("inspections", []))),
            ("处理处罚次数", len(dossier.get("sanctions", []))),
        ]
    )
    at = "期末" if period else "当前"
    return title, [
        Section("单位基本情况", [], [overview], sheet="概况"),
        _chain_section(f"{at}的责任链", names, chain),
        Section("期间任职情况", [], [holdings_table(names, dossier.get("timeline", []))], sheet="任职情况"),
        Section("检查记录", [], [inspections_table(names, dossier.get("inspections", []))], sheet="检查记录"),
        Section("处理处罚", [], [sanctions_table(names, dossier.get("sanctions", []))], sheet="处理处罚"),
    ]


def _person(dossier: dict[str, Any], names: Namer) -> tuple[str, list[Section]]:
    person = dossier["id"]
    entry = (dossier.get("names") or {}).get(person, {})
    post = f"（{names.title(person)}）" if names.title(person) else ""
    title = f"{names.name(person)}{post}履职情况档案"
    rows: list[tuple[str, Cell]] = [
        ("姓名", names.name(person)),
        ("人员编号", person),
        ("职务", names.title(person)),
        ("所在单位", names.named(entry.get("unit_id"))),
    ]
    for evidence in dossier["evidence"]:
        if evidence["stream"] == f"person:{person}":
            rows += list(evidence.get("personal", {}).items())
    rows += [
        ("担任职责数", len(dossier.get("holdings", []))),
        ("处理处罚次数", len(dossier.get("sanctions", []))),
    ]
    return title, [
        Section("人员基本情况", [], [_overview(rows)], sheet="概况"),
        Section("担任职责", [], [holdings_table(names, dossier.get("holdings", []), by_target=True)], sheet="担任职责"),
        Section("处理处罚", [], [sanctions_table(names, dossier.get("sanctions", []))], sheet="处理处罚"),
    ]


# -- what closes every dossier -------------------------------------------------------------


def _closing(dossier: dict[str, Any], names: Namer) -> list[Section]:
    evidence = dossier["evidence"]
    return [
        Section("时间线（按发生时间）", [], [timeline_table(names, evidence)], sheet="时间线"),
        Section(
            "证据清单",
            [f"以下{len(evidence)}条事件的原文见 events.jsonl，各附包含证明（proofs.json）。"],
            [evidence_table(names, evidence)],
            sheet="证据清单",
        ),
        Section(
            "人员与单位名称依据",
            ["文中每一人员、单位的名称、职务，均以下列登记、变更事件为据（事件原文均在 events.jsonl 中）。"],
            [names_table(names, dossier.get("names") or {})],
            sheet="名称依据",
        ),
        Section(
            "签名与验证", _verification(), [checkpoint_table(dossier["checkpoint"], dossier["issuer"])], "签名与验证"
        ),
    ]


def _verification() -> list[str]:
    return [
        "本档案附带账本在导出时的签名检查点及每条证据事件的包含证明（RFC 9162）。"
        "manifest.txt 列出其余各文件（含本文件）的 SHA-256，并以账本签名密钥签名（C2SP 签名笔记格式）："
        "任一文件的任一字节被改动，验证即失败并指出该文件；改动事件原文的，并指出该事件的位置。",
        "离线验证（无需数据库）：ledger verify 本档案目录或 zip 文件 --public-key 公钥.pem。"
        "公钥应另行从签发机关取得，并与 public-key.pem 核对。",
        "验证内容：检查点与清单的签名；每条事件按规范字节重算哈希；每条事件的包含证明；"
        "dossier.json 所引事件均在 events.jsonl 中；每一人员、单位名称均有其登记或变更事件为据；各文件的 SHA-256。",
        "亦可不借助本系统核对各文件：grep -E '^[0-9a-f]{64}  ' manifest.txt | sha256sum -c",
    ]
