"""The hazard ledger (隐患台账), inspections and accidents read models, from the 临沂 sample.

Positions below are the sample's line numbers (it is posted as one batch): HZ-2019-0001 is
closed at 75, HZ-2019-0002's deadline is extended at 80, ACC-2019-0001's written report is 91.
"""

from __future__ import annotations

from projections.hazards import accident, accident_reports, hazard_ledger, hazards_at, inspections_before
from projections.installed import all_projectors
from projections.runner import ProjectionRunner
from projections.timekeys import utc_key
from tests.projections.support import dump_tables, ledger_with, post, sample_events

XINYUAN = "91371302MA3C4R1X0A"  # 鑫源化工: HZ-2019-0001 (closed) and HZ-2019-0002 (major, listed)
YONGSHENG = "91371311MA3F9L3Z2C"  # 永盛冶金: HZ-2019-0003 and the accident
HEAD = 125  # the sample's length


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


async def test_the_larger_accident_and_its_late_written_report(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        stages = {s["stage"]: s for s in await accident_reports(db, "ACC-2019-0001", HEAD)}
        assert stages["initial"]["minutes_after_occurrence"] == 15
        assert stages["initial"]["on_time"] is True
        assert stages["initial"]["late_by_minutes"] == 0
        written = stages["written"]
        assert written["minutes_after_occurrence"] == 145
        assert written["due_minutes"] == 60
        assert written["on_time"] is False
        assert written["late_by_minutes"] == 85
        assert written["to_unit"] == "371311"
        assert written["by"] == "P-9L3Z2C-GM"
        assert [e["position"] for e in written["events"]] == [89, 91]
        assert [p["policy_id"] for p in written["policy"]["sources"]] == [
            "POL-370000-ILLEGAL-SITES",
            "POL-371300-2019-119",
        ]  # the policies in force there (the read side's legacy defaults name them all)
        assert stages["detailed"]["late_by_minutes"] == 45

        # known before the written report: missing, and overdue by the minutes since its due time
        known = {
            s["stage"]: s for s in await accident_reports(db, "ACC-2019-0001", 90, at=k("2019-11-20T15:30:00+08:00"))
        }
        assert known["written"]["reported_at"] is None
        assert known["written"]["on_time"] is None
        assert known["written"]["late_by_minutes"] == 25

        acc = await accident(db, "ACC-2019-0001", HEAD)
        assert acc is not None
        assert (acc["grade"], acc["grade_label"]) == ("larger", "较大")
        assert acc["deaths"] == 3
        assert acc["illegal_operation"] is True
        inv = acc["investigation"]
        assert inv["level"] == "city"
        assert inv["opened_at"] == k("2019-11-21T09:00:00+08:00")
        assert inv["report_due"] == k("2020-01-19T14:05:00+08:00")  # 60 days (条例 第29条)
        assert inv["concluded_at"] == k("2020-01-15T10:00:00+08:00")
        assert inv["report_on_time"] is True
        assert [e["position"] for e in inv["events"]] == [93, 95]
        assert await accident(db, "ACC-2019-0001", 88) is None
        before = await accident(db, "ACC-2019-0001", 92)
        assert before is not None
        assert before["investigation"]["level"] is None


async def test_the_hazard_ledger_filters_and_pages(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        everything = await hazard_ledger(db, None, None, None, HEAD, 100)
        assert [h["hazard_id"] for h in everything["items"]] == ["HZ-2019-0001", "HZ-2019-0002", "HZ-2019-0003"]
        assert everything["next"] is None
        county = await hazard_ledger(db, "371302", None, None, HEAD, 100)
        assert [h["hazard_id"] for h in county["items"]] == ["HZ-2019-0001", "HZ-2019-0002"]
        closed = await hazard_ledger(db, "371300", "closed", None, HEAD, 100)
        assert [h["hazard_id"] for h in closed["items"]] == ["HZ-2019-0001"]
        major = await hazard_ledger(db, None, None, "major", HEAD, 100)
        assert [(h["hazard_id"], h["supervision_level"]) for h in major["items"]] == [("HZ-2019-0002", "city")]
        open_ = await hazard_ledger(db, "371300", "open", None, HEAD, 100)
        assert [h["hazard_id"] for h in open_["items"]] == ["HZ-2019-0002", "HZ-2019-0003"]
        overdue = await hazard_ledger(db, None, "overdue", None, HEAD, 100, at=k("2019-12-05T00:00:00+08:00"))
        assert [h["hazard_id"] for h in overdue["items"]] == ["HZ-2019-0002"]

        first = await hazard_ledger(db, None, None, None, HEAD, 2)
        assert [h["hazard_id"] for h in first["items"]] == ["HZ-2019-0001", "HZ-2019-0002"]
        assert first["next"] == "HZ-2019-0002"
        second = await hazard_ledger(db, None, None, None, HEAD, 2, after=first["next"])
        assert [h["hazard_id"] for h in second["items"]] == ["HZ-2019-0003"]
        assert second["next"] is None

        # as known before the closure: HZ-2019-0001 was verified
        known = await hazard_ledger(db, None, "verified", None, 74, 100)
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
        assert len(incremental["accident_events"]) == 5
        await runner.rebuild(["hazards"])
        assert await dump_tables(store, runner) == incremental
