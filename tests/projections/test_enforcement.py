"""The enforcement read model: sanctions (and their lifts) as known at a position, the facts
the findings rest on, and rebuild == incremental."""

from __future__ import annotations

from typing import Any

from projections.calendar import local_month
from projections.enforcement import sanctions_before, sanctions_of
from projections.timekeys import utc_key
from tests.projections.support import dump_tables, ledger_with, post, sample_events

ENTERPRISE = "91371311MA3F9L3Z2C"
STATION_CHIEF = "P-371311002-002"


def _position_of(events: list[dict[str, Any]], type_: str, **match: Any) -> int:
    for i, e in enumerate(events, 1):
        if e["type"] == type_ and all(e["data"].get(k) == v for k, v in match.items()):
            return i
    raise AssertionError(f"no {type_} {match}")


async def test_sanctions_before_an_instant_cite_their_events(db_url: str) -> None:
    """The accountability chain asks which sanctions a set of targets had before an accident."""
    events = sample_events()
    async with ledger_with(db_url, events) as (store, _runner):
        head = len(events)
        found = await sanctions_before(
            store.backend, [ENTERPRISE, STATION_CHIEF], utc_key("2020-01-01T00:00:00+08:00"), head
        )
        assert [s["sanction_id"] for s in found] == ["SAN-2019-0001"]
        first = found[0]
        assert first["target"] == ENTERPRISE
        assert first["kind"] == "suspension"
        assert first["basis_refs"] == ["accident:ACC-2019-0001"]
        assert first["issued_by"] == "371300-YJJ"
        assert first["imposed_at"] == "2019-11-22T02:00:00.000000Z"
        assert first["lifted_at"] is None
        assert first["amount_cny"] is None
        pos = _position_of(events, "sanction.imposed", sanction_id="SAN-2019-0001")
        (stored,) = await store.backend.fetch("SELECT hash FROM events WHERE position = ?", pos)
        assert first["events"] == [{"position": pos, "hash": stored[0], "type": "sanction.imposed"}]
        later = await sanctions_before(store.backend, [ENTERPRISE, STATION_CHIEF], "9999-12-31", head)
        assert [s["sanction_id"] for s in later] == ["SAN-2019-0001", "SAN-2020-0001"]
        # as known before the sanction was recorded: nothing
        assert await sanctions_before(store.backend, [ENTERPRISE], "9999-12-31", pos - 1) == []
        assert await sanctions_before(store.backend, [], "9999-12-31", head) == []
        assert first["kind_label"] == "停产停业整顿"


async def test_a_lift_is_seen_only_once_known(db_url: str) -> None:
    events = sample_events()
    lift = {
        "type": "sanction.lifted",
        "occurred_at": "2019-12-20T09:00:00+08:00",
        "data": {"sanction_id": "SAN-2019-0001", "reason": "整改验收合格，恢复生产"},
    }
    async with ledger_with(db_url, events) as (store, runner):
        await post(store, [lift])
        await runner.catch_up()
        head = len(events) + 1
        (now,) = await sanctions_of(store.backend, ENTERPRISE, head)
        assert now["lifted_at"] == "2019-12-20T01:00:00.000000Z"
        assert now["lift_reason"] == "整改验收合格，恢复生产"
        assert [e["type"] for e in now["events"]] == ["sanction.imposed", "sanction.lifted"]
        (before,) = await sanctions_of(store.backend, ENTERPRISE, head - 1)
        assert before["lifted_at"] is None
        assert len(before["events"]) == 1


def test_calendar_months_are_chinas() -> None:
    """A site found at 00:30 on 1 November in Linyi belongs to November, not to October (UTC)."""
    assert local_month(utc_key("2019-11-01T00:30:00+08:00")) == "2019-11"
    assert local_month(utc_key("2019-10-31T16:30:00Z")) == "2019-11"
    assert local_month(utc_key("2019-10-31T15:59:00Z")) == "2019-10"


LATER = [
    {"type": "hazard.rectified", "occurred_at": "2019-11-28T10:00:00+08:00",
     "data": {"hazard_id": "HZ-2019-0002", "by": "P-4R1X0A-GM", "measures": "更换报警装置"}},
    {"type": "hazard.verified", "occurred_at": "2019-11-29T10:00:00+08:00",
     "data": {"hazard_id": "HZ-2019-0002", "verifier": "P-371302001-002", "passed": True, "note": "合格"}},
    {"type": "hazard.closed", "occurred_at": "2019-11-29T11:00:00+08:00", "data": {"hazard_id": "HZ-2019-0002"}},
    {"type": "sanction.lifted", "occurred_at": "2019-12-20T09:00:00+08:00",
     "data": {"sanction_id": "SAN-2019-0001", "reason": "整改验收合格"}},
]  # fmt: skip


async def test_enforcement_rebuild_equals_the_incremental_build(db_url: str) -> None:
    events = sample_events() + LATER
    async with ledger_with(db_url) as (store, runner):
        for start in range(0, len(events), 5):
            await post(store, events[start : start + 5])
            await runner.catch_up()
        incremental = await dump_tables(store, runner)
        assert incremental["sanctions"]
        assert incremental["exams"]
        assert incremental["evaluations"]
        assert incremental["illegal_sites"]
        assert incremental["reports"]
        (lifted,) = await store.backend.fetch("SELECT lifted_at FROM sanctions WHERE sanction_id = 'SAN-2019-0001'")
        assert lifted == ("2019-12-20T01:00:00.000000Z",)
        await runner.rebuild(["enforcement"])
        assert await dump_tables(store, runner) == incremental


async def test_an_illegal_site_stopped_later_is_stopped_from_then_on(db_url: str) -> None:
    """illegal_site.stopped records the 制止 later: the site keeps its finding time and gains a stop."""
    stop = {
        "type": "illegal_site.stopped",
        "occurred_at": "2019-12-03T10:00:00+08:00",
        "data": {"site_id": "IS-2019-0001", "by": "P-371312101-002", "measures": "依法取缔，没收原料"},
    }
    async with ledger_with(db_url, sample_events()) as (store, runner):
        before = await store.backend.fetch("SELECT stopped_at FROM illegal_sites")
        assert before == [(None,)]
        await post(store, [stop])
        await runner.catch_up()
        after = await store.backend.fetch("SELECT stopped_at, stopped_by FROM illegal_sites")
        assert after == [("2019-12-03T02:00:00.000000Z", "P-371312101-002")]
