"""The hazard ledger (隐患台账), inspections and accidents read models, from the 临沂 sample.
Deadlines are the national baseline's: the sample's policy sets no reporting rule.

Positions below are the sample's line numbers (it is posted as one batch): HZ-2019-0001 is
closed at 75, HZ-2019-0002's deadline is extended at 80, ACC-2019-0001's written report is 91.
"""

from __future__ import annotations

import pytest

from projections.accidents import accident
from projections.activity import inspections_before
from projections.hazards import hazard_ledger, hazards_at
from projections.installed import all_projectors
from projections.registry import Within
from projections.runner import ProjectionRunner
from projections.timekeys import utc_key
from tests.projections.support import dump_tables, ledger_with, post, sample_events

XINYUAN = "91371302MA3C4R1X0A"  # 鑫源化工: HZ-2019-0001 (closed) and HZ-2019-0002 (major, listed)
YONGSHENG = "91371311MA3F9L3Z2C"  # 永盛冶金: HZ-2019-0003 and the accident
HEAD = len(sample_events())  # 125: the sample, posted as one batch
LATER = utc_key("2020-06-01T00:00:00+08:00")


def k(text: str) -> str:
    return utc_key(text)


async def test_a_hazard_closed_later_is_open_earlier_in_valid_and_in_transaction_time(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        late = await hazards_at(db, [XINYUAN], k("2019-10-20T00:00:00+08:00"), HEAD)
        assert [h["hazard_id"] for h in late] == ["HZ-2019-0002"]  # HZ-2019-0001 closed on 10-18

        early = await hazards_at(db, [XINYUAN], k("2019-10-15T00:00:00+08:00"), HEAD)
        by_id = {h["hazard_id"]: h for h in early}
        assert set(by_id) == {"HZ-2019-0001", "HZ-2019-0002"}
        assert by_id["HZ-2019-0001"]["state"] == "assigned"
        assert by_id["HZ-2019-0001"]["responsible"] == "P-4R1X0A-GM"
        assert by_id["HZ-2019-0001"]["deadline"] == k("2019-10-19T18:00:00+08:00")
        assert [e["position"] for e in by_id["HZ-2019-0001"]["events"]] == [71, 72]
        assert all(len(e["hash"]) == 64 for e in by_id["HZ-2019-0001"]["events"])

        # as the ledger knew it before the closure was recorded: still open (verified)
        known_before = await hazards_at(db, [XINYUAN], k("2019-10-20T00:00:00+08:00"), 74)
        assert {h["hazard_id"]: h["state"] for h in known_before} == {"HZ-2019-0001": "verified"}
        # nothing known before the hazards were reported
        assert await hazards_at(db, [XINYUAN], k("2019-10-20T00:00:00+08:00"), 70) == []


async def test_an_extension_moves_the_deadline_only_once_it_is_known(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        at = k("2019-11-20T00:00:00+08:00")
        [before] = [h for h in await hazards_at(db, [XINYUAN], at, 79) if h["hazard_id"] == "HZ-2019-0002"]
        assert before["deadline"] == k("2019-11-12T18:00:00+08:00")
        assert before["overdue"] is True
        assert before["supervision_level"] == "city"
        assert before["severity"] == "major"
        [after] = [h for h in await hazards_at(db, [XINYUAN], at, HEAD) if h["hazard_id"] == "HZ-2019-0002"]
        assert after["deadline"] == k("2019-11-30T18:00:00+08:00")
        assert after["overdue"] is False
        # the failed verification of HZ-2019-0003 is a state of its own
        [failed] = await hazards_at(db, [YONGSHENG], k("2019-10-28T00:00:00+08:00"), HEAD)
        assert failed["state"] == "verification_failed"
        assert failed["overdue"] is True


async def test_inspections_before_newest_first(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        [ins] = await inspections_before(db, XINYUAN, k("2019-11-20T00:00:00+08:00"), HEAD)
        assert ins["inspection_id"] == "INS-2019-0001"
        assert ins["kind"] == "covert"
        assert ins["inspectors"] == ["P-371300-002"]
        assert ins["events"][0]["position"] == 70
        assert await inspections_before(db, XINYUAN, k("2019-10-12T09:59:00+08:00"), HEAD) == []
        assert await inspections_before(db, XINYUAN, k("2019-11-20T00:00:00+08:00"), 69) == []
        [led] = await inspections_before(db, "91371312MA3H5N5V4E", k("2019-12-01T00:00:00+08:00"), HEAD)
        assert led["led_by"] == "P-5N5V4E-GM"


async def test_the_larger_accident_judged_by_the_national_baseline(db_url: str) -> None:
    """条例 第9条: the initial report within 60 minutes; the written and detailed stages have no
    national deadline; 第10、11条: each level passes it up within 2 h, a 较大 one up to the province."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        acc = await accident(db, "ACC-2019-0001", HEAD)
        assert acc is not None
        stages = {s["stage"]: s for s in acc["reports"]}
        initial = stages["initial"]
        assert (initial["minutes_after_occurrence"], initial["due_minutes"], initial["on_time"]) == (15, 60, True)
        assert initial["policy"]["national"] is True
        assert "第九条" in initial["policy"]["basis"]
        assert initial["stage_label"] == "初报"
        written = stages["written"]
        assert written["minutes_after_occurrence"] == 145
        assert (written["due_at"], written["on_time"], written["late_by_minutes"]) == (None, None, None)
        assert written["by_name"] is not None
        levels = {e["level"]: e for e in acc["escalation"]}
        assert list(levels) == ["city", "province"]
        assert levels["city"]["received_below_at"] == k("2019-11-20T14:20:00+08:00")
        assert levels["city"]["due_at"] == k("2019-11-20T16:20:00+08:00")
        assert (levels["city"]["on_time"], levels["city"]["late_by_minutes"]) == (False, 30)
        assert levels["province"]["reported_at"] is None
        assert (acc["grade"], acc["grade_label"]) == ("larger", "较大")
        assert acc["deaths"] == 3
        assert acc["illegal_operation"] is True
        inv = acc["investigation"]
        assert (inv["level"], inv["required_level"]) == ("city", "city")
        assert inv["opened_at"] == k("2019-11-21T09:00:00+08:00")
        assert inv["report_due"] == k("2020-01-19T14:05:00+08:00")  # 60 days (条例 第29条)
        assert inv["concluded_at"] == k("2020-01-15T10:00:00+08:00")
        assert inv["report_on_time"] is True
        assert [e["position"] for e in inv["events"]] == [93, 95]
        assert [r["responsibility_label"] for r in inv["responsible"]] == ["直接责任", "监管责任"]
        assert await accident(db, "ACC-2019-0001", 88) is None
        before = await accident(db, "ACC-2019-0001", 92)
        assert before is not None
        assert before["investigation"]["level"] is None
        # known before the initial report, at 15:30: missing and 25 minutes overdue
        known = await accident(db, "ACC-2019-0001", 89, at=k("2019-11-20T15:30:00+08:00"))
        assert known is not None
        first = known["reports"][0]
        assert (first["reported_at"], first["on_time"], first["late_by_minutes"]) == (None, None, 25)


@pytest.mark.parametrize("sensitive", [False, True])
async def test_a_stricter_local_deadline_binds_major_and_sensitive_accidents_only(db_url: str, sensitive: bool) -> None:
    """枣庄 十六: 20 / 60 / 120 minutes for 重大突发事件和敏感事件 — the 较大 accident stays on the
    national hour; flagged sensitive, it is judged by the policy."""
    policy = {
        "type": "policy.adopted",
        "occurred_at": "2019-10-01T00:00:00+08:00",
        "data": {
            "policy_id": "POL-371311-REPORT",
            "jurisdiction": "371311",
            "rules": {"accident_report_minutes": {"initial": 20, "written": 60, "detailed": 120}},
            "basis": "罗庄区事故信息报告办法",
            "valid_from": "2019-10-01T00:00:00+08:00",
        },
    }
    events = [
        {**e, "data": {**e["data"], "sensitive": True}} if e["type"] == "accident.occurred" and sensitive else e
        for e in sample_events()
    ]
    async with ledger_with(db_url, [*events[:88], policy, *events[88:]]) as (store, _runner):
        acc = await accident(store.backend, "ACC-2019-0001", HEAD + 1)
        assert acc is not None
        if not sensitive:
            assert [s["due_minutes"] for s in acc["reports"]] == [60, None, None]
            return
        assert [s["due_minutes"] for s in acc["reports"]] == [20, 60, 120]
        assert acc["reports"][1]["late_by_minutes"] == 85
        assert acc["reports"][1]["policy"]["policy_id"] == "POL-371311-REPORT"


async def test_the_hazard_ledger_filters_and_pages(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend

        def within(unit: str) -> Within:
            return Within(unit, LATER, HEAD)

        everything = await hazard_ledger(db, None, HEAD, LATER)
        assert [h["hazard_id"] for h in everything["items"]] == ["HZ-2019-0001", "HZ-2019-0002", "HZ-2019-0003"]
        assert everything["next"] is None
        row = everything["items"][0]
        assert row["description"] == "危化品仓库消防通道堵塞"
        assert row["unit_name"] == "临沂市兰山区鑫源化工有限公司"
        assert (row["state"], row["state_label"]) == ("closed", "销号")
        assert row["severity_label"] == "一般隐患"
        assert row["responsible_name"] is not None
        county = await hazard_ledger(db, within("371302"), HEAD, LATER)
        assert [h["hazard_id"] for h in county["items"]] == ["HZ-2019-0001", "HZ-2019-0002"]
        closed = await hazard_ledger(db, within("371300"), HEAD, LATER, state="closed")
        assert [h["hazard_id"] for h in closed["items"]] == ["HZ-2019-0001"]
        major = await hazard_ledger(db, None, HEAD, LATER, severity="major")
        assert [(h["hazard_id"], h["supervision_level"]) for h in major["items"]] == [("HZ-2019-0002", "city")]
        open_ = await hazard_ledger(db, within("371300"), HEAD, LATER, state="open")
        assert [h["hazard_id"] for h in open_["items"]] == ["HZ-2019-0002", "HZ-2019-0003"]
        overdue = await hazard_ledger(db, None, HEAD, k("2019-12-05T00:00:00+08:00"), state="overdue")
        assert [h["hazard_id"] for h in overdue["items"]] == ["HZ-2019-0002"]
        unit = await hazard_ledger(db, None, HEAD, LATER, unit_id=YONGSHENG)
        assert [h["hazard_id"] for h in unit["items"]] == ["HZ-2019-0003"]
        october = await hazard_ledger(
            db,
            None,
            HEAD,
            LATER,
            reported_from=k("2019-10-15T00:00:00+08:00"),
            reported_to=k("2019-11-01T00:00:00+08:00"),
        )
        assert [h["hazard_id"] for h in october["items"]] == ["HZ-2019-0003"]

        first = await hazard_ledger(db, None, HEAD, LATER, limit=2)
        assert [h["hazard_id"] for h in first["items"]] == ["HZ-2019-0001", "HZ-2019-0002"]
        assert first["next"] == "HZ-2019-0002"
        second = await hazard_ledger(db, None, HEAD, LATER, limit=2, after=first["next"])
        assert [h["hazard_id"] for h in second["items"]] == ["HZ-2019-0003"]
        assert second["next"] is None

        # as known before the closure: HZ-2019-0001 was verified
        known = await hazard_ledger(db, None, 74, LATER, state="verified")
        assert [h["hazard_id"] for h in known["items"]] == ["HZ-2019-0001"]


async def test_rebuild_equals_the_incremental_build_across_restarts(db_url: str) -> None:
    """Small pages, and a fresh projector (an empty cache) midway through hazards' lives."""
    events = sample_events()
    async with ledger_with(db_url) as (store, runner):
        for start in range(0, len(events), 5):
            await post(store, events[start : start + 5])
            runner = ProjectionRunner(store, all_projectors()) if start == 75 else runner
            await runner.catch_up()
        incremental = await dump_tables(store, runner)
        assert len(incremental["hazard_transitions"]) == 16
        assert len(incremental["hazards"]) == 3
        assert len(incremental["accident_events"]) == 5
        await runner.rebuild(["hazards", "accidents"])
        assert await dump_tables(store, runner) == incremental


async def test_a_hazards_state_at_any_moment_and_position_is_its_history_read_by_hand(db_url: str) -> None:
    """``latest`` against the definition, for every hazard, moment and position of a grid:
    the transition with the greatest position among those known at P and happened by
    ``at`` — also before a hazard's first transition (none), and with hazards whose
    transitions arrive out of valid-time order (HZ-2019-0002's extension)."""
    from projections.hazards import Which, latest
    from projections.timekeys import add_days

    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        history = await db.fetch("SELECT hazard_id, position, occurred_at, state FROM hazard_transitions")
        units: dict[str, str] = dict(await db.fetch("SELECT hazard_id, unit_id FROM hazards"))
        moments = [add_days(k("2019-09-01T00:00:00+08:00"), d) for d in range(0, 160, 3)]
        for position in (40, 75, 90, HEAD):
            for at in moments:
                expected: dict[str, tuple[int, str]] = {}
                for hazard_id, pos, occurred, state in history:
                    if pos <= position and occurred <= at and pos > expected.get(hazard_id, (0, ""))[0]:
                        expected[hazard_id] = (pos, state)
                want = {h: s for h, (_, s) in expected.items()}
                sql, args = latest("t.hazard_id, t.state", position, at, Which(within=Within("371300", at, position)))
                assert dict(await db.fetch(sql, *args)) == want, (position, at)
                sql, args = latest("t.hazard_id, t.state", position, at, Which(unit_ids=sorted(set(units.values()))))
                assert dict(await db.fetch(sql, *args)) == want, (position, at)
