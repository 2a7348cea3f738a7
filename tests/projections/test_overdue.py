"""The overdue list, from the 临沂 sample's situations (positions are the sample's line numbers:
HZ-2019-0002 assigned at 77 and extended at 80; ACC-2019-0001's written report at 91; the
work group's covering of 罗庄区 corrected at 69; lines 104–125 add the other groups, the
party secretaries, the province and its policy, and the groups' visits)."""

from __future__ import annotations

from typing import Any

from projections.overdue import overdue
from projections.timekeys import utc_key
from tests.projections.support import ledger_with, post, sample_events

HEAD = 125  # the sample's length
CITY_POLICY = {"policy_id": "POL-371300-2019-119", "basis": "临应急发〔2019〕119号"}
PROVINCE_POLICY = {
    "policy_id": "POL-370000-ILLEGAL-SITES",
    "basis": "山东省委、省政府关于非法企业“一律撤职”的规定（临应急发〔2019〕119号 二(四) 引述）",
}
#: every policy in force over the sample's units in Q4 2019, widest first
IN_FORCE = [PROVINCE_POLICY, CITY_POLICY]


def k(text: str) -> str:
    return utc_key(text)


def by_subject(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["subject"]: i for i in items}


async def test_an_overdue_major_hazard_under_listed_supervision_with_and_without_its_extension(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        at = k("2019-11-20T00:00:00+08:00")
        # as known before the extension was recorded (position 79): the deadline of 11-12 passed
        [item] = await overdue(db, "371302", (at, 79), {"hazard"})
        assert item["subject"] == "hazard:HZ-2019-0002"
        assert item["kind"] == "hazard"
        assert item["supervision_level"] == "city"
        assert item["deadline"] == k("2019-11-12T18:00:00+08:00")
        assert item["overdue_by"] == {"minutes": 7 * 1440 + 360, "days": 7}
        assert item["policy"]["deadline_set_by"]["position"] == 77
        first = item["responsible"][0]
        assert (first["role"], first["holder"], first["holder_name"]) == ("hazard_responsible", "P-4R1X0A-GM", "张伟")
        assert [e["position"] for e in first["events"]] == [77]
        roles = {(r["role"], r["holder"]) for r in item["responsible"][1:]}
        # the territorial person changed on 11-15 (兰山街道安委办〔2019〕7号); the covering official stays
        assert ("territorial", "P-371302001-003") in roles
        assert ("covers", "P-371302001-002") in roles
        assert [e["position"] for e in item["events"]] == [76, 77, 78, 79]

        # with the extension known: not overdue on 11-20, overdue again after 11-30 18:00
        assert await overdue(db, "371302", (at, HEAD), {"hazard"}) == []
        [late] = await overdue(db, None, (k("2019-12-05T00:00:00+08:00"), HEAD), {"hazard"})
        assert late["deadline"] == k("2019-11-30T18:00:00+08:00")
        assert late["policy"]["deadline_set_by"]["position"] == 80
        assert late["overdue_by"]["days"] == 4
        # outside the scope: nothing
        assert await overdue(db, "371311", (k("2019-12-05T00:00:00+08:00"), HEAD), {"hazard"}) == []


async def test_progress_reports_follow_the_policy_in_force_from_its_valid_from(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, runner):
        db = store.backend
        [item] = await overdue(db, None, (k("2019-11-20T00:00:00+08:00"), HEAD), {"hazard_progress"})
        assert item["subject"] == "hazard:HZ-2019-0002"
        assert item["last_progress_at"] == k("2019-10-28T17:00:00+08:00")
        assert item["deadline"] == k("2019-11-12T17:00:00+08:00")  # 15 days (枣庄 2021 通知 五)
        assert item["policy"]["rule"] == "hazard_progress_days"
        assert item["policy"]["value"] == 15
        assert item["policy"]["sources"] == IN_FORCE

        county_policy = {
            "policy_id": "POL-371302-2019-12",
            "jurisdiction": "371302",
            "rules": {"hazard_progress_days": 30},
            "basis": "兰山区安委办〔2019〕12号",
            "valid_from": "2019-11-25T00:00:00+08:00",
        }
        await post(
            store, [{"type": "policy.adopted", "occurred_at": "2019-11-22T09:00:00+08:00", "data": county_policy}]
        )
        await runner.catch_up()
        now = HEAD + 1
        # before its valid_from the answer is unchanged
        [still] = await overdue(db, None, (k("2019-11-24T00:00:00+08:00"), now), {"hazard_progress"})
        assert still["policy"]["value"] == 15
        # from it, 30 days: not overdue on 11-26, overdue from 11-27 17:00
        assert await overdue(db, None, (k("2019-11-26T00:00:00+08:00"), now), {"hazard_progress"}) == []
        [again] = await overdue(db, None, (k("2019-12-01T00:00:00+08:00"), now), {"hazard_progress"})
        assert again["deadline"] == k("2019-11-27T17:00:00+08:00")
        assert again["policy"]["value"] == 30
        assert again["policy"]["sources"] == [
            *IN_FORCE,
            {"policy_id": "POL-371302-2019-12", "basis": "兰山区安委办〔2019〕12号"},
        ]
        # as known before the policy was posted: the 15 days still apply
        [known] = await overdue(db, None, (k("2019-11-26T00:00:00+08:00"), HEAD), {"hazard_progress"})
        assert known["policy"]["value"] == 15


async def test_the_larger_accidents_written_report_is_overdue_until_made(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        at = k("2019-11-20T15:30:00+08:00")
        for position in (90, HEAD):  # recorded later, and made later in valid time: overdue at 15:30 either way
            [item] = await overdue(db, "371311", (at, position), {"accident_report"})
            assert item["subject"] == "accident:ACC-2019-0001"
            assert item["stage"] == "written"
            assert item["grade"] == "larger"
            assert item["deadline"] == k("2019-11-20T15:05:00+08:00")
            assert item["overdue_by"]["minutes"] == 25
            assert item["policy"]["rule"] == "accident_report_minutes"
            assert item["policy"]["value"] == 60
            assert ("principal", "P-9L3Z2C-GM") in {(r["role"], r["holder"]) for r in item["responsible"]}
        # known at 90 and asked at 17:00: the written and the detailed report missing
        stages = [
            i["stage"] for i in await overdue(db, None, (k("2019-11-20T17:00:00+08:00"), 90), {"accident_report"})
        ]
        assert stages == ["written", "detailed"]
        assert await overdue(db, None, (k("2019-11-20T17:00:00+08:00"), HEAD), {"accident_report"}) == []


async def test_a_missing_monthly_report(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        items = await overdue(db, None, (k("2019-11-05T00:00:00+08:00"), HEAD), {"periodic_report"})
        assert {(i["unit_id"], i["period"]) for i in items} == {
            ("371311002", "2019-10"),
            ("371312101", "2019-10"),
            ("371300-YJJ", "2019-10"),
            ("371302-ZJJ", "2019-10"),
            ("371311-JTJ", "2019-10"),
            ("371312-ZJJ", "2019-10"),
        }  # 兰山街道 reported on 11-01; counties and enterprises owe no monthly report by default
        fuzhuang = by_subject(items)["report:371311002:monthly:2019-10"]
        assert fuzhuang["deadline"] == k("2019-11-02T00:00:00+08:00")  # by the end of the 1st
        assert fuzhuang["policy"]["rule"] == "monthly_report_day"
        assert fuzhuang["policy"]["sources"] == IN_FORCE
        assert [r["holder"] for r in fuzhuang["responsible"]] == ["P-371311002-001"]
        lanshan = await overdue(db, "371302", (k("2019-11-05T00:00:00+08:00"), HEAD), {"periodic_report"})
        assert [i["unit_id"] for i in lanshan] == ["371302-ZJJ"]  # 兰山街道 reported; the 住建局 did not
        # known before 兰山街道's report was recorded, it is missing too
        early = await overdue(db, "371302", (k("2019-11-05T00:00:00+08:00"), 101), {"periodic_report"})
        assert sorted(i["unit_id"] for i in early) == ["371302-ZJJ", "371302001"]


async def test_a_covering_visit_not_made(db_url: str) -> None:
    """一组 covers 罗庄区 from the notice's date (10-19); a correction recorded later moves it to
    10-21. As known before any visit was recorded (the sample's first 103 events), the week
    runs from the covering's start, as known when asked."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        at = k("2019-10-29T00:00:00+08:00")
        known = by_subject(await overdue(db, "371311", (at, 103), {"covering_visit"}))
        luozhuang = known["covers:371300-DD1:371311"]
        assert luozhuang["deadline"] == k("2019-10-28T00:00:00+08:00")  # a week from the corrected 10-21
        assert luozhuang["last_visit"] is None
        assert luozhuang["policy"]["value"] == 7
        assert luozhuang["policy"]["sources"] == [CITY_POLICY]  # as known at 103, the province's policy is not
        assert {r["holder"] for r in luozhuang["responsible"]} == {"371300-DD1", "P-371300-002"}
        # as known before the correction: a week from 10-19
        before = by_subject(await overdue(db, "371311", (at, 68), {"covering_visit"}))
        assert before["covers:371300-DD1:371311"]["deadline"] == k("2019-10-26T00:00:00+08:00")
        # before the campaign nobody covers a county, so no visit is owed
        assert await overdue(db, None, (k("2019-10-15T00:00:00+08:00"), HEAD), {"covering_visit"}) == []


async def test_principals_monthly_inspection_and_every_item_names_its_policy(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        at = k("2019-11-20T00:00:00+08:00")
        units = {i["unit_id"] for i in await overdue(db, "371312", (at, HEAD), {"principal_inspection"})}
        assert units == {"91371312MA3J8P6U5F"}  # 东方烟花's principal led one on 11-05
        everything = await overdue(db, None, (at, HEAD))
        assert {i["kind"] for i in everything} >= {"hazard_progress", "periodic_report", "covering_visit"}
        for item in everything:
            assert item["policy"]["sources"]
            assert item["deadline"] < at
            assert item["overdue_by"]["minutes"] > 0
