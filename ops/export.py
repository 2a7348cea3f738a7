"""Compliance dossiers (SPEC §9): a subject's evidence, verifiable offline with the public key.

``build_dossier(store, "accident:ACC-2019-0001", out_dir, notary=...)`` writes the
directory ``out_dir/dossier-accident-ACC-2019-0001/`` and a .zip of it beside it::

    events.jsonl     the stored envelopes cited, sorted by position, as StoredEvent.to_json()
    proofs.json      a C2SP checkpoint of the whole log at export (the signed note, with the
                     witnesses' cosignatures), and for every event an RFC 9162 inclusion
                     proof against it, read from the log's Merkle tiles
    public-key.pem   the ledger's Ed25519 public key (a reviewer should get it out of band too)
    dossier.json     the structured content: subject, chain / holdings, timeline, evidence
    dossier.pdf      the same for a reader (Chinese, A4)
    evidence.xlsx    the evidence events and the chain as sheets

Subjects: ``accident:<id>``, ``hazard:<id>``, ``person:<id>``, ``unit:<id>[@<period>]``
(periods as in the findings: ``2019``, ``2019H2``, ``2019Q4``, ``2019-10``, ``2019-10-H1``).

The structured content comes from the read models as known at ``known_position`` (default:
the position every projection has folded, capped at the head); the checkpoint covers the
whole log at the moment of export, so every cited event is inside it. ``ops.verify_dossier``
checks a dossier with nothing but the public key.
"""

from __future__ import annotations

import asyncio
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ledger.checkpoint import public_key_pem
from ledger.envelope import StoredEvent
from ledger.errors import LedgerError
from ledger.integrity import Notary
from ledger.merkle import proof_to_hex
from ledger.store import EventStore
from ledger.timeutil import format_recorded, utc_now
from ops.verify_dossier import cited_positions
from projections.timekeys import FOREVER, utc_key

__all__ = [
    "PERSONAL_FIELDS",
    "BadSubject",
    "Subject",
    "build_dossier",
    "cited_positions",
    "parse_subject",
    "summarize",
    "zip_path",
]

PAGE = 5000
FORMAT = "duty-ledger dossier v1"
#: fields that identify a private person beyond name and post; left out unless asked for
PERSONAL_FIELDS = frozenset(
    {"id_number", "id_card", "identity_number", "phone", "mobile", "telephone", "email", "home_address", "birth_date"}
)

_SUBJECT = re.compile(r"^(accident|hazard|person|unit):([^\x00-\x20\x7f@/\\]{1,200})(?:@([0-9A-Z-]{4,10}))?$")


class BadSubject(LedgerError):
    code = "bad-subject"


@dataclass(frozen=True)
class Subject:
    kind: str
    id: str
    period: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}" + (f"@{self.period}" if self.period else "")

    @property
    def slug(self) -> str:
        return re.sub(r"[^0-9A-Za-z_.\-]+", "-", f"{self.kind}-{self.id}" + (f"-{self.period}" if self.period else ""))


def parse_subject(text: str) -> Subject:
    m = _SUBJECT.match(text or "")
    if m is None:
        raise BadSubject(f"{text!r} is not a subject: accident:<id>, hazard:<id>, person:<id> or unit:<id>[@2019Q4]")
    kind, id_, period = m[1], m[2], m[3]
    if period is not None and kind != "unit":
        raise BadSubject(f"only a unit takes a period, not {kind}:{id_}@{period}")
    if period is not None:
        from projections.findings import parse_period

        try:
            parse_period(period)
        except ValueError as exc:
            raise BadSubject(str(exc)) from None
    return Subject(kind, id_, period)


def zip_path(directory: Path) -> Path:
    return directory.parent / f"{directory.name}.zip"


# -- what belongs to a subject -------------------------------------------------------------


class _Related:
    """Which events of the log belong to the subject itself (its streams and the events that
    name it), decided in one forward pass: a matched assignment, hazard or accident brings the
    later events of its own stream."""

    def __init__(self, subject: Subject, period: tuple[str, str] | None) -> None:
        self.subject = subject
        self.period = period
        self.streams = {f"{subject.kind}:{subject.id}"}

    def __call__(self, e: StoredEvent) -> bool:
        if e.stream in self.streams:
            return self._in_period(e)
        d, sid, kind = e.data, self.subject.id, self.subject.kind
        if kind == "person":
            hit = (
                sid in (d.get("holder"), d.get("person_id"), d.get("target"), d.get("by"), d.get("led_by"))
                or sid in _list(d.get("inspectors"))
                or any(isinstance(r, dict) and r.get("holder") == sid for r in _list(d.get("responsible")))
            )
        elif kind == "unit":
            hit = sid in (d.get("unit_id"), d.get("target"), d.get("led_by"))
        else:
            return False
        if not hit:
            return False
        if e.type in ("assignment.made", "hazard.reported", "accident.occurred", "sanction.imposed"):
            self.streams.add(e.stream)
        return e.type == "assignment.made" or self._in_period(e)

    def _in_period(self, e: StoredEvent) -> bool:
        if self.period is None or e.type in ("unit.registered", "person.registered"):
            return True
        key = utc_key(e.occurred_at)
        return self.period[0] <= key < self.period[1]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


async def _projected_position(store: EventStore, head: int) -> int:
    rows = await store.backend.fetch("SELECT min(position) FROM projection_positions")
    known = rows[0][0] if rows and rows[0][0] is not None else head
    return min(int(known), head)


async def _content(store: EventStore, subject: Subject, position: int) -> dict[str, Any]:
    """The structured part from the read models, as known at ``position``."""
    db = store.backend
    if subject.kind == "accident":
        from projections.accountability import accountability

        return {"accountability": await accountability(db, subject.id, position)}
    if subject.kind == "hazard":
        from projections.accountability import hazard_accountability

        return {"accountability": await hazard_accountability(db, subject.id, position)}
    from projections.enforcement import sanctions_of

    if subject.kind == "person":
        return {"sanctions": await sanctions_of(db, subject.id, position)}
    from projections.hazards import inspections_before
    from projections.responsibility import responsibility, timeline

    start, end = _period(subject)
    # the responsibility map at the period's last instant, or now
    at = _just_before(end) if subject.period else format_recorded(utc_now())
    chain = await responsibility(db, subject.id, (at, position))
    holdings = await timeline(db, subject.id, None, start or None, None if end == FOREVER else end, position)
    inspections = [
        i for i in await inspections_before(db, subject.id, end, position, 1000) if i["occurred_at"] >= start
    ]
    sanctions = [s for s in await sanctions_of(db, subject.id, position) if start <= (s["imposed_at"] or "") < end]
    return {
        "responsibility": chain,
        "timeline": holdings,
        "inspections": inspections,
        "sanctions": sanctions,
    }


def _period(subject: Subject) -> tuple[str, str]:
    if subject.period is None:
        return "", FOREVER
    from projections.findings import parse_period

    p = parse_period(subject.period)
    return p.start, p.end


def _just_before(key: str) -> str:
    from datetime import timedelta

    from ledger.timeutil import parse_timestamp

    return format_recorded(parse_timestamp(key) - timedelta(microseconds=1))


async def _person_holdings(store: EventStore, subject: Subject, events: list[StoredEvent], position: int) -> list[Any]:
    """Every role the person held (on each target an assignment of theirs names)."""
    from projections.responsibility import timeline

    targets = sorted({e.data["target"] for e in events if e.type == "assignment.made" and "target" in e.data})
    out: list[dict[str, Any]] = []
    for target in targets:
        try:
            held = await timeline(store.backend, target, position=position)
        except LedgerError:
            continue
        out.extend(h for h in held if h.get("holder") == subject.id)
    return out


# -- building --------------------------------------------------------------------------------


async def build_dossier(
    store: EventStore,
    subject: str,
    out_dir: Path,
    *,
    notary: Notary,
    include_personal: bool = False,
    known_position: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the dossier of ``subject`` under ``out_dir`` (and its .zip); return its directory.

    ``progress`` is called with the number of events read each page of the log. The
    checkpoint is signed by ``notary`` and cosigned by the witnesses it has. Raises
    ``BadSubject`` or a read model's not-found error."""
    parsed = parse_subject(subject)
    head = (await store.head()).position
    position = known_position if known_position is not None else await _projected_position(store, head)
    position = min(position, head)
    content = await _content(store, parsed, position)
    wanted = cited_positions(content)
    related = _Related(parsed, _period(parsed) if parsed.period else None)

    # one pass over the log: the cited and related events kept
    kept: dict[int, StoredEvent] = {}
    after = 0
    while after < head:
        page = await store.read(after, min(PAGE, head - after))
        if not page:
            break
        for e in page:
            if e.position in wanted or (e.position <= position and related(e)):
                kept[e.position] = e
        after = page[-1].position
        if progress is not None:
            progress(len(page))
    if after != head:
        raise LedgerError(f"the log has {after} events readable below its head {head}")
    if parsed.kind in ("person", "unit") and not any(e.stream == f"{parsed.kind}:{parsed.id}" for e in kept.values()):
        from projections.responsibility import UnknownUnit

        if parsed.kind == "unit":
            raise UnknownUnit(parsed.id, position)
        raise _UnknownPerson(parsed.id, position)
    if parsed.kind == "person":
        content["holdings"] = await _person_holdings(store, parsed, list(kept.values()), position)
        for pos in cited_positions(content["holdings"]):
            if pos not in kept:  # an assignment's correction by a later event: fetch it
                (event,) = await store.read(pos - 1, 1)
                kept[pos] = event

    events = [kept[p] for p in sorted(kept)]
    personal = [] if include_personal else [e for e in events if _has_personal(e.data)]
    withheld = {e.position for e in personal}
    shown = [e for e in events if e.position not in withheld]
    checkpoint, proven = await _proofs(notary, head, shown + personal)
    proofs = {
        "format": FORMAT,
        "leaf": "leaf hash = SHA-256(0x00 || the 32 raw bytes of the event's hash); leaf index = position - 1",
        "checkpoint": checkpoint,
        "proofs": [proven[e.position] for e in shown],
        "withheld": [
            {**proven[e.position], "reason": "carries personal data (export with --include-personal)"} for e in personal
        ],
    }
    dossier = {
        "format": FORMAT,
        "subject": parsed.label,
        "kind": parsed.kind,
        "id": parsed.id,
        "period": parsed.period,
        "generated_at": format_recorded(utc_now()),
        "known_at_position": position,
        "include_personal": include_personal,
        "checkpoint": checkpoint,
        **_redact(content, include_personal),
        "timeline": [_evidence(e, include_personal) for e in sorted(events, key=_valid_order)],
        "evidence": [_evidence(e, include_personal) for e in events],
        "withheld_positions": sorted(withheld),
    }
    directory = out_dir / f"dossier-{parsed.slug}"
    directory.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(_write_all, directory, shown, proofs, dossier, public_key_pem(notary.key.public_key))
    return directory


class _UnknownPerson(LedgerError):
    code = "not-found"

    def __init__(self, person_id: str, position: int) -> None:
        super().__init__(f"no person {person_id!r} is recorded as known at position {position}")


async def _proofs(
    notary: Notary, size: int, events: list[StoredEvent]
) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """proofs.json's part: the checkpoint of the tree of ``size`` (the signed note and its
    cosignatures) and each event's inclusion proof in it, from the Merkle tiles."""
    signed = await notary.cosign(await notary.checkpoint(size))
    paths = await notary.reader.inclusion_proofs([e.position - 1 for e in events], size)
    proven = {
        e.position: {"position": e.position, "leaf_index": e.position - 1, "hash": e.hash, "proof": proof_to_hex(path)}
        for e, path in zip(events, paths, strict=True)
    }
    return signed.to_json(notary.verifier), proven


def _valid_order(e: StoredEvent) -> tuple[str, int]:
    return utc_key(e.occurred_at), e.position


def _has_personal(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k in PERSONAL_FIELDS or _has_personal(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_personal(v) for v in value)
    return False


def _redact(value: Any, include_personal: bool) -> Any:
    if include_personal:
        return value
    if isinstance(value, dict):
        return {k: ("(已隐去)" if k in PERSONAL_FIELDS else _redact(v, False)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, False) for v in value]
    return value


def _evidence(e: StoredEvent, include_personal: bool) -> dict[str, Any]:
    return {
        "position": e.position,
        "hash": e.hash,
        "type": e.type,
        "stream": e.stream,
        "occurred_at": e.occurred_at,
        "recorded_at": e.recorded_at,
        "actor": e.actor,
        "summary": summarize(e if include_personal else _redacted_event(e)),
    }


def _redacted_event(e: StoredEvent) -> StoredEvent:
    if not _has_personal(e.data):
        return e
    return StoredEvent(**{**e.to_json(), "data": _redact(e.data, False)})


# -- words -----------------------------------------------------------------------------------

TYPE_LABELS = {
    "unit.registered": "单位登记",
    "unit.updated": "单位变更",
    "unit.closed": "单位注销",
    "person.registered": "人员登记",
    "person.updated": "人员变更",
    "person.departed": "人员离任",
    "assignment.made": "责任分工",
    "assignment.ended": "责任分工终止",
    "assignment.corrected": "责任分工更正",
    "hazard.reported": "隐患登记",
    "hazard.assigned": "隐患整改责任落实",
    "hazard.deadline_extended": "隐患整改延期",
    "hazard.supervision_listed": "隐患挂牌督办",
    "hazard.progress_reported": "隐患整改进展报告",
    "hazard.rectified": "隐患整改完成",
    "hazard.verified": "隐患整改验收",
    "hazard.closed": "隐患销号",
    "inspection.conducted": "检查",
    "accident.occurred": "事故发生",
    "accident.reported": "事故报告",
    "accident.investigation_opened": "事故调查启动",
    "accident.investigation_concluded": "事故调查结论",
    "sanction.imposed": "问责处理",
    "sanction.lifted": "问责解除",
    "illegal_site.found": "发现非法违法场所",
    "exam.taken": "考试",
    "evaluation.scored": "考核评分",
    "report.submitted": "报告报送",
    "policy.adopted": "政策文件",
}
ROLE_LABELS = {
    "covers": "包保责任人",
    "principal": "主要负责人",
    "deputy_in_charge": "分管负责人",
    "territorial": "属地管理责任人",
    "industry_supervisor": "行业监管责任人",
    "group_leader": "工作组组长",
    "group_deputy": "工作组副组长",
    "group_member": "工作组成员",
    "stationed_expert": "驻企专家",
    "duty_officer": "值班带班",
    "dispatcher": "总调度人",
    "lead_official": "牵头领导",
}
TIER_LABELS = {
    "enterprise": "企业",
    "village": "村（社区）",
    "township": "乡镇（街道）",
    "county": "县（区）",
    "dev_zone": "开发区",
    "city": "市",
    "province": "省",
    "department": "部门",
    "work_group": "工作组",
    "committee": "委员会",
}
_SUMMARY_FIELDS = (
    ("name", ""),
    ("role", "角色"),
    ("holder", "责任人"),
    ("target", "对象"),
    ("unit_id", "单位"),
    ("severity", "等级"),
    ("stage", "阶段"),
    ("deaths", "死亡"),
    ("serious_injuries", "重伤"),
    ("direct_loss_cny", "直接经济损失(元)"),
    ("kind", "类别"),
    ("level", "级别"),
    ("result", "结果"),
    ("description", ""),
    ("findings", "结论"),
    ("reason", "原因"),
    ("basis", "依据"),
    ("valid_from", "起"),
    ("valid_to", "止"),
    ("deadline", "期限"),
)


def summarize(e: StoredEvent) -> str:
    """One line a reader can take in: the type in Chinese and the telling fields."""
    parts = [TYPE_LABELS.get(e.type, e.type)]
    for name, label in _SUMMARY_FIELDS:
        value = e.data.get(name)
        if value is None or value == "" or isinstance(value, (dict, list)):
            continue
        if name == "role":
            value = ROLE_LABELS.get(str(value), value)
        parts.append(f"{label}：{value}" if label else str(value))
    return "；".join(str(p) for p in parts)[:300]


# -- writing ---------------------------------------------------------------------------------


def _write_all(
    directory: Path,
    events: list[StoredEvent],
    proofs: dict[str, Any],
    dossier: dict[str, Any],
    public_pem: str,
) -> None:
    (directory / "events.jsonl").write_bytes(b"".join(orjson.dumps(e.to_json()) + b"\n" for e in events))
    (directory / "proofs.json").write_bytes(orjson.dumps(proofs, option=orjson.OPT_INDENT_2))
    (directory / "public-key.pem").write_text(public_pem, encoding="ascii")
    (directory / "dossier.json").write_bytes(orjson.dumps(dossier, option=orjson.OPT_INDENT_2, default=str))
    write_pdf(directory / "dossier.pdf", dossier)
    write_xlsx(directory / "evidence.xlsx", dossier)
    names = ["events.jsonl", "proofs.json", "public-key.pem", "dossier.json", "dossier.pdf", "evidence.xlsx"]
    with zipfile.ZipFile(zip_path(directory), "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(directory / name, f"{directory.name}/{name}")


# -- the reader's documents ------------------------------------------------------------------


def _chain(dossier: dict[str, Any]) -> dict[str, Any] | None:
    """The responsibility map of the dossier (tiers, gaps), if its subject has one."""
    return dossier.get("accountability") or dossier.get("responsibility")


def chain_rows(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    """The chain flat, nearest tier first: tier, tier unit, role, holder, … and cited positions."""
    rows: list[dict[str, Any]] = []
    chain = _chain(dossier)
    if chain is not None:
        for tier in chain.get("tiers", []):
            label = f"{TIER_LABELS.get(tier.get('kind'), tier.get('kind'))} {tier.get('name')}（{tier.get('unit_id')}）"
            for h in tier.get("holders", []):
                rows.append(_holding_row(label, h))
                for m in h.get("members", []):
                    rows.append(_holding_row(label, m, via=h.get("holder_name") or h.get("holder")))
            for h in tier.get("covered_by", []):
                for m in h.get("members", []):
                    rows.append(_holding_row(label, m, via=h.get("holder_name") or h.get("holder")))
        for gap in chain.get("gaps", []):
            rows.append(
                {
                    "tier": f"{gap.get('unit_name')}（{gap.get('unit_id')}）",
                    "role": ROLE_LABELS.get(gap.get("role"), gap.get("role")),
                    "holder": "（缺位）",
                    "name": gap.get("finding") or "无人承担",
                    "title": "",
                    "from": "",
                    "to": "",
                    "basis": "",
                    "positions": "",
                }
            )
    for h in dossier.get("holdings", []):
        rows.append(_holding_row(f"{h.get('target')}", h))
    return rows


def _holding_row(tier: str, h: dict[str, Any], via: str | None = None) -> dict[str, Any]:
    role = ROLE_LABELS.get(str(h.get("role")), h.get("role") or "")
    return {
        "tier": tier,
        "role": f"{role}（{via}）" if via else role,
        "holder": h.get("holder") or "",
        "name": h.get("holder_name") or "",
        "title": h.get("holder_title") or "",
        "from": h.get("valid_from_text") or h.get("valid_from") or "",
        "to": h.get("valid_to_text") or h.get("valid_to") or "",
        "basis": h.get("basis") or "",
        "positions": ", ".join(str(p) for p in sorted(cited_positions(h.get("events", [])))),
    }


def _overview(dossier: dict[str, Any]) -> list[tuple[str, str]]:
    kind = dossier["kind"]
    acc = dossier.get("accountability") or {}
    rows: list[tuple[str, str]] = [("对象", dossier["subject"])]
    if kind == "accident":
        a = acc["accident"]
        rows += [
            ("事故编号", a["accident_id"]),
            ("事故单位", f"{a['unit_name']}（{a['unit_id']}）"),
            ("发生时间", a.get("occurred_at_text") or a["occurred_at"]),
            (
                "伤亡与损失",
                f"死亡 {a['deaths']} 人，重伤 {a['serious_injuries']} 人，直接经济损失 {a['direct_loss_cny']:,.0f} 元",
            ),
            ("事故等级", f"{a.get('grade_label')}（{a.get('grade')}）"),
            ("事故经过", a.get("description") or ""),
            ("违法违规作业", {True: "是", False: "否"}.get(a.get("illegal_operation"), "未记载")),
        ]
        inv = acc.get("investigation") or {}
        if inv:
            rows.append(
                (
                    "事故调查",
                    f"{inv.get('level') or ''}级，牵头 {inv.get('led_by') or ''}；"
                    f"结论：{inv.get('findings') or '未结案'}",
                )
            )
        for r in acc.get("reports", []):
            state = (
                "按时"
                if r.get("on_time")
                else f"迟报 {r.get('late_by_minutes')} 分钟"
                if r.get("reported_at")
                else "未报"
            )
            rows.append((f"报告（{r.get('stage')}）", f"时限 {r.get('due_minutes')} 分钟，{state}"))
    elif kind == "hazard":
        h = acc["hazard"]
        rows += [
            ("隐患编号", h["hazard_id"]),
            ("所在单位", f"{h['unit_name']}（{h['unit_id']}）"),
            ("登记时间", h.get("reported_at_text") or h["reported_at"]),
            ("等级与来源", f"{h.get('severity')} / {h.get('source')}"),
            ("描述", h.get("description") or ""),
        ]
    elif kind == "unit":
        unit = (dossier.get("responsibility") or {}).get("unit") or {}
        rows += [
            ("单位", f"{unit.get('name')}（{unit.get('unit_id')}）"),
            ("类别", TIER_LABELS.get(str(unit.get("kind")), unit.get("kind") or "")),
            ("行业", unit.get("industry") or ""),
            ("期间", dossier.get("period") or "全部"),
            ("检查次数", str(len(dossier.get("inspections", [])))),
            ("问责处理", str(len(dossier.get("sanctions", [])))),
        ]
    else:
        own = [e for e in dossier["evidence"] if e["stream"] == dossier["subject"]]
        rows += [("人员记录", e["summary"]) for e in own]
        rows.append(("担任职责", str(len(dossier.get("holdings", [])))))
        rows.append(("问责处理", str(len(dossier.get("sanctions", [])))))
    rows += [
        ("所依据的账本位置", f"截至第 {dossier['known_at_position']} 号事件"),
        ("生成时间", dossier["generated_at"]),
        ("证据事件数", str(len(dossier["evidence"]))),
    ]
    if dossier.get("withheld_positions"):
        rows.append(("因含个人信息未附原文", ", ".join(map(str, dossier["withheld_positions"]))))
    return rows


def _verify_help(dossier: dict[str, Any]) -> list[str]:
    cp = dossier["checkpoint"]
    return [
        f"本档案附带账本在导出时的签名检查点：树大小 {cp['size']}，根哈希 {cp['root']}，"
        f"签名时间 {cp['timestamp']}，公钥标识 {cp['key_id']}。",
        "离线验证（无需数据库）：ledger verify 本目录或 zip 文件 --public-key 公钥.pem。"
        "公钥应另行从账本管理机构取得，并与 public-key.pem 核对。",
        "验证内容：① 检查点签名（C2SP tlog-checkpoint 签名便笺，Ed25519；可另要求见证方的联署 cosignature）；"
        "② events.jsonl 每条事件按规范字节重算哈希 hash = SHA-256(prev_hash ‖ 规范字节)；"
        "③ 每条事件的 RFC 9162 包含证明：叶哈希 = SHA-256(0x00 ‖ 事件哈希的 32 字节)，叶序号 = 位置 - 1，"
        "沿 proofs.json 所列路径计算应得到检查点根哈希；④ dossier.json 引用的每个位置均在 events.jsonl 中且哈希一致。",
        "任何一条事件的任何一个字节被改动，验证即失败并指出该事件的位置。",
    ]


def write_pdf(path: Path, dossier: dict[str, Any]) -> None:
    """The reader's copy: Chinese, A4, with reportlab's built-in CID font (no font file)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4 * mm)
    h2 = ParagraphStyle(
        "h2", fontName=font, fontSize=13, leading=18, spaceBefore=5 * mm, spaceAfter=2 * mm, keepWithNext=1
    )
    h3 = ParagraphStyle(
        "h3", fontName=font, fontSize=10.5, leading=14, spaceBefore=3 * mm, spaceAfter=1 * mm, keepWithNext=1
    )
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12.5, wordWrap="CJK")
    small = ParagraphStyle("s", fontName=font, fontSize=6.5, leading=8.5, wordWrap="CJK")

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")), style)

    def table(header: list[str], rows: list[list[Any]], widths: list[float], style: ParagraphStyle = body) -> Table:
        data = [[p(h, style) for h in header]] + [[p(c, style) for c in row] for row in rows]
        t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [p("安全生产责任追溯档案", title), p(f"对象：{dossier['subject']}", h3)]
    story += [p("一、对象概要", h2), table(["项目", "内容"], [list(r) for r in _overview(dossier)], [40, 140])]

    story.append(p("二、责任链（逐级）", h2))
    rows = chain_rows(dossier)
    if rows:
        current = None
        chunk: list[list[Any]] = []
        for r in [*rows, {"tier": None}]:
            if r["tier"] != current and chunk:
                story += [
                    p(current, h3),
                    table(
                        ["角色", "责任人", "姓名", "职务", "任职起止", "依据", "证据位置"],
                        chunk,
                        [26, 26, 26, 22, 40, 22, 18],
                        small,
                    ),
                ]
                chunk = []
            current = r["tier"]
            if current is not None:
                end = r["to"] or "至今"
                chunk.append(
                    [r["role"], r["holder"], r["name"], r["title"], f"{r['from']} — {end}", r["basis"], r["positions"]]
                )
    else:
        story.append(p("（本对象没有责任链）"))
    for label, key in (("检查记录", "inspections"), ("问责处理", "sanctions")):
        items = (dossier.get("accountability") or {}).get(key) if key not in dossier else dossier[key]
        if items:
            story.append(p(label, h3))
            story.append(
                table(
                    ["时间", "内容", "证据位置"],
                    [
                        [
                            i.get("occurred_at") or i.get("imposed_at") or "",
                            "；".join(
                                str(i.get(k)) for k in ("kind", "result", "target", "basis_refs", "note") if i.get(k)
                            ),
                            ", ".join(str(x) for x in sorted(cited_positions(i.get("events", [])))),
                        ]
                        for i in items
                    ],
                    [38, 122, 20],
                    small,
                )
            )

    story.append(p("三、时间线（按发生时间）", h2))
    story.append(
        table(
            ["发生时间", "事件", "摘要", "位置"],
            [
                [e["occurred_at"], TYPE_LABELS.get(e["type"], e["type"]), e["summary"], e["position"]]
                for e in dossier["timeline"]
            ],
            [34, 28, 104, 14],
            small,
        )
    )
    story.append(p("四、证据清单", h2))
    story.append(
        table(
            ["位置", "类型", "流", "哈希（SHA-256）"],
            [[e["position"], e["type"], e["stream"], e["hash"]] for e in dossier["evidence"]],
            [12, 38, 44, 86],
            small,
        )
    )
    story.append(p("五、检查点与验证方法", h2))
    cp = dossier["checkpoint"]
    story.append(
        table(
            ["项目", "值"],
            [
                ["树大小", cp["size"]],
                ["根哈希", cp["root"]],
                ["时间", cp["timestamp"]],
                ["公钥标识", cp["key_id"]],
                ["签名", cp["signature"]],
            ],
            [30, 150],
            small,
        )
    )
    story += [Spacer(1, 3 * mm)] + [p(line) for line in _verify_help(dossier)]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(15 * mm, 10 * mm, f"{dossier['subject']} | 检查点 {cp['size']} / {cp['root'][:16]}…")
        canvas.drawRightString(195 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"安全生产责任追溯档案 {dossier['subject']}",
        author="duty-ledger",
        subject=dossier["subject"],
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def write_xlsx(path: Path, dossier: dict[str, Any]) -> None:
    """The evidence and the chain as sheets, for filtering and sorting."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "证据"
    sheet.append(["位置", "发生时间", "记录时间", "类型", "事件", "流", "记录人", "摘要", "哈希"])
    for e in dossier["evidence"]:
        sheet.append(
            [
                e["position"],
                e["occurred_at"],
                e["recorded_at"],
                e["type"],
                TYPE_LABELS.get(e["type"], e["type"]),
                e["stream"],
                e["actor"],
                e["summary"],
                e["hash"],
            ]
        )
    chain = book.create_sheet("责任链")
    chain.append(["层级", "角色", "责任人", "姓名", "职务", "起", "止", "依据", "证据位置"])
    for r in chain_rows(dossier):
        chain.append(
            [r["tier"], r["role"], r["holder"], r["name"], r["title"], r["from"], r["to"], r["basis"], r["positions"]]
        )
    cp = book.create_sheet("检查点")
    for key in ("subject", "generated_at", "known_at_position"):
        cp.append([key, str(dossier[key])])
    for key, value in dossier["checkpoint"].items():
        cp.append([f"checkpoint.{key}", str(value)])
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHI", (8, 28, 28, 28, 16, 30, 16, 60, 66), strict=True):
        sheet.column_dimensions[column].width = width
    book.save(path)
