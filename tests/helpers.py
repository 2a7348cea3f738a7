"""Small builders shared by tests: envelopes as a client would post them."""

from __future__ import annotations

from typing import Any

from ledger.envelope import Proposed, parse_proposed

__all__ = ["proposed", "unit_event"]


def proposed(event_type: str, data: dict[str, Any], *, actor: str = "test", **envelope: Any) -> Proposed:
    raw = {"type": event_type, "occurred_at": envelope.pop("occurred_at", "2019-10-08T09:00:00+08:00"), "data": data}
    raw.update(envelope)
    return parse_proposed(raw, actor)


def unit_event(unit_id: str, **envelope: Any) -> Proposed:
    """An event about a unit that no rule refuses (the store's tests run without the domain)."""
    return proposed("unit.updated", {"unit_id": unit_id, "changes": {"name": f"单位{unit_id}"}}, **envelope)
