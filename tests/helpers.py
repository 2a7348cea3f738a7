"""Small builders shared by tests: envelopes as a client would post them, and the five
notices' texts (tests/vectors/notices)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.envelope import Proposed, parse_proposed

__all__ = ["NOTICES", "TEXTS", "notice_text", "proposed", "unit_event"]

NOTICES = Path(__file__).resolve().parent / "vectors" / "notices"
#: the short names SPEC and seeds/README.md use → the notice's text as received
TEXTS = {
    "临沂 2019 方案": "000_8b828a066c3eced6.txt",
    "蓝山 2019 方案": "001_3c30ad2a7714d3e6.txt",
    "枣庄 2021 通知": "002_dd1337bb7764d5b8.txt",
    "临沂 2020 总结": "003_1de067e125e6a1d5.txt",
    "临汾 2020 通知": "004_a7219557abfc38f4.txt",
}


def notice_text(notice: str) -> str:
    """A notice's text, by its short name."""
    return (NOTICES / TEXTS[notice]).read_text(encoding="utf-8")


def proposed(event_type: str, data: dict[str, Any], *, actor: str = "test", **envelope: Any) -> Proposed:
    raw = {"type": event_type, "occurred_at": envelope.pop("occurred_at", "2019-10-08T09:00:00+08:00"), "data": data}
    raw.update(envelope)
    return parse_proposed(raw, actor)


def unit_event(unit_id: str, **envelope: Any) -> Proposed:
    """An event about a unit that no rule refuses (the store's tests run without the domain)."""
    return proposed("unit.updated", {"unit_id": unit_id, "changes": {"name": f"单位{unit_id}"}}, **envelope)
