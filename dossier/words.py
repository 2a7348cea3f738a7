"""How a dossier says things: Beijing time in one format, money in 元/万元, codes as their
Chinese labels (``ledger.labels``), ids as names (the dossier's name table), and a one-line
Chinese summary of any event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledger.catalogue import EVENT_TYPES
from ledger.envelope import StoredEvent
from ledger.labels import label
from ledger.personal import strip_personal
from ledger.timeutil import BEIJING, parse_timestamp
from projections.timekeys import FOREVER

__all__ = ["beijing", "beijing_date", "label_of", "money", "summarize", "yes_no"]


def beijing_moment(timestamp: str | None) -> datetime | None:
    """The instant in Beijing time (None for none or an open end)."""
    if not timestamp or timestamp == FOREVER:
        return None
    return parse_timestamp(timestamp).astimezone(BEIJING)


def beijing(timestamp: str | None) -> str:
    """``2019年11月20日 14:05`` (北京时间; month and day without padding, as GB/T 9704 writes dates)."""
    moment = beijing_moment(timestamp)
    if moment is None:
        return ""
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour:02d}:{moment.minute:02d}"


def beijing_date(moment: datetime) -> str:
    """A 成文日期: ``2026年11月30日``."""
    local = moment.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日"


def money(amount: float | int | None) -> str:
    """``420万元`` from 4,200,000; ``8,500元`` below ten thousand."""
    if amount is None:
        return ""
    if amount >= 10_000:
        return f"{amount / 10_000:,.4f}".rstrip("0").rstrip(".") + "万元"
    return f"{amount:,.2f}".rstrip("0").rstrip(".") + "元"


def yes_no(value: object) -> str:
    if value is None:
        return "未记载"
    return ("是" if value else "否") if isinstance(value, bool) else str(value)


def label_of(vocabulary: str, code: str | None) -> str:
    return label(vocabulary, code) or ""


# -- one line per event ------------------------------------------------------------------

#: data field → its Chinese name in a summary ("" shows the value alone)
_FIELDS: dict[str, str] = {
    "name": "名称",
    "title": "职务",
    "kind": "类别",
    "unit_id": "单位",
    "parent_id": "上级",
    "industry": "行业",
    "risk_level": "风险等级",
    "role": "职责",
    "holder": "责任人",
    "target": "对象",
    "valid_from": "起",
    "valid_to": "止",
    "basis": "依据",
    "severity": "等级",
    "source": "来源",
    "description": "",
    "responsible": "责任人",
    "deadline": "整改期限",
    "approved_by": "批准人",
    "level": "级别",
    "supervisor": "督办人",
    "by": "经办人",
    "measures": "措施",
    "verifier": "验收人",
    "passed": "是否通过",
    "inspectors": "检查人员",
    "led_by": "带队",
    "result": "结果",
    "deaths": "死亡人数",
    "serious_injuries": "重伤人数",
    "direct_loss_cny": "直接经济损失",
    "stage": "报告阶段",
    "to_unit": "报送单位",
    "findings": "调查结论",
    "issued_by": "决定机关",
    "amount_cny": "金额",
    "until": "期限至",
    "period": "期间",
    "score": "得分",
    "subject": "科目",
    "stopped": "是否制止",
    "scope": "范围",
    "note": "说明",
    "reason": "原因",
}
_VOCABULARIES: dict[str, str] = {
    "industry": "industry",
    "risk_level": "risk_level",
    "role": "role",
    "severity": "hazard_severity",
    "source": "hazard_source",
    "stage": "report_stage",
    "scope": "evaluation_scope",
}
_KIND_VOCABULARIES = {
    "unit": "unit_kind",
    "inspection": "inspection_kind",
    "sanction": "sanction_kind",
    "report": "report_kind",
}
_TIMES = frozenset({"valid_from", "valid_to", "deadline", "until"})
_MONEY = frozenset({"direct_loss_cny", "amount_cny"})


def _vocabulary(event_type: str, field: str) -> str | None:
    if field == "kind":
        return _KIND_VOCABULARIES.get(event_type.partition(".")[0])
    if field == "level":
        return "investigation_level" if event_type.startswith("accident.") else "supervision_level"
    return _VOCABULARIES.get(field)


def _value(event_type: str, field: str, value: Any, names: Mapping[str, str]) -> str:
    if isinstance(value, bool):
        return yes_no(value)
    if field in _MONEY and isinstance(value, int | float):
        return money(value)
    if field in _TIMES and isinstance(value, str):
        return beijing(value)
    if isinstance(value, list):
        return "、".join(_item(event_type, field, v, names) for v in value)
    if isinstance(value, dict):
        return _fields(event_type, value, names)
    vocabulary = _vocabulary(event_type, field)
    if vocabulary is not None and isinstance(value, str):
        return label_of(vocabulary, value)
    if isinstance(value, str):
        return names.get(value, value)
    return str(value)


def _item(event_type: str, field: str, value: Any, names: Mapping[str, str]) -> str:
    if isinstance(value, dict) and "holder" in value:  # an investigation's responsible list
        who = names.get(value["holder"], value["holder"])
        return f"{who}（{label_of('responsibility', value.get('responsibility'))}）"
    return _value(event_type, field, value, names)


def _fields(event_type: str, data: Mapping[str, Any], names: Mapping[str, str]) -> str:
    parts = []
    for field, caption in _FIELDS.items():
        value = data.get(field)
        if value is None or value == "" or value == []:
            continue
        text = _value(event_type, field, value, names)
        parts.append(f"{caption}：{text}" if caption else text)
    if isinstance(data.get("changes"), dict):
        parts.append("变更：" + _fields(event_type, data["changes"], names))
    return "；".join(parts)


def summarize(
    event: StoredEvent, names: Mapping[str, str], personal: Mapping[str, str] | None = None, limit: int = 300
) -> str:
    """What an event says, in one line of Chinese with names for ids (its kind and its own
    entity stand beside it in every table, so they are left out).

    ``personal``: the personal fields to show (their Chinese caption → value), or None."""
    own = EVENT_TYPES[event.type][1] if event.type in EVENT_TYPES else None
    data = {k: v for k, v in strip_personal(event.data).items() if k != own}
    text = _fields(event.type, data, names)
    if personal:
        text = "；".join([t for t in (text, *(f"{k}：{v}" for k, v in personal.items())) if t])
    return text if len(text) <= limit else text[: limit - 1] + "…"
