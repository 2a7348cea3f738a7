"""The overdue list, from the 临沂 sample's situations (positions are the sample's line numbers:
HZ-2019-0002 assigned at 77 and extended at 80; ACC-2019-0001 at 89, its initial report at 90).

The national baseline everywhere; each local rule only where and while a policy sets its key,
judged by calendar periods (每月 a calendar month, 每周 a calendar week, 每半月 1st–15th / 16th–end).
"""

from __future__ import annotations

from typing import Any

import pytest

from projections.overdue import KINDS, overdue
from projections.timekeys import utc_key
from tests.projections.support import ledger_with, post, sample_events

HEAD = len(sample_events())  # 125: the sample, posted as one batch
LOCAL = ("hazard_progress", "periodic_report", "principal_inspection")


def k(text: str) -> str:
    return utc_key(text)


def by_subject(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["subject"]: i for i in items}


def _policy(
    policy_id: str, jurisdiction: str, rules: dict[str, Any], start: str, end: str | None = None
) -> dict[str, Any]:
    data = {
        "policy_id": policy_id,
        "jurisdiction": jurisdiction,
        "rules": rules,
        "basis": f"{policy_id}号",
        "valid_from": start,
    }
    if end:
        data["valid_to"] = end
    return {"type": "policy.adopted", "occurred_at": start, "data": data}


async def test_an_overdue_major_hazard_with_and_without_its_extension(db_url: str) -> None:
    """The national baseline: a deadline passed before rectification, charged to the one it was
    handed to, and to the territorial and covering officials of its unit."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        at = k("2019-11-20T00:00:00+08:00")
        [item] = await overdue(db, "371302", at, 79, {"hazard"})  # before the extension was recorded
        assert item["subject"] == "hazard:HZ-2019-0002"
        assert (item["kind"], item["kind_label"]) == ("hazard", "隐患整改逾期")
        assert item["supervision_level"] == "city"
        assert item["description"] == "储罐区可燃气体报警装置失效"
        assert item["unit_name"] == "临沂市兰山区鑫源化工有限公司"
        assert item["deadline"] == k("2019-11-12T18:00:00+08:00")
        assert item["overdue_by"] == {"minutes": 7 * 1440 + 360, "days": 7}
        assert item["policy"]["national"] is True
        assert "隐患排查治理暂行规定" in item["policy"]["basis"]
        assert item["policy"]["deadline_set_by"]["position"] == 77
        first = item["responsible"][0]
        assert (first["role"], first["holder"], first["holder_name"]) == ("hazard_responsible", "P-4R1X0A-GM", "张伟")
        assert first["role_label"] == "隐患整改责任人"
        roles = {(r["role"], r["holder"]) for r in item["responsible"][1:]}
        assert ("territorial", "P-371302001-003") in roles  # handed over on 11-15
        assert ("covers", "P-371302001-002") in roles
        assert [e["position"] for e in item["events"]] == [76, 77, 78, 79]
        # with the extension known: not overdue on 11-20, overdue again after 11-30 18:00
        assert await overdue(db, "371302", at, HEAD, {"hazard"}) == []
        [late] = await overdue(db, None, k("2019-12-05T00:00:00+08:00"), HEAD, {"hazard"})
        assert late["deadline"] == k("2019-11-30T18:00:00+08:00")
        assert late["policy"]["deadline_set_by"]["position"] == 80
        assert late["overdue_by"]["days"] == 4
        assert await overdue(db, "371311", k("2019-12-05T00:00:00+08:00"), HEAD, {"hazard"}) == []


async def test_a_hazard_rectified_in_time_awaiting_verification_is_the_verifiers(db_url: str) -> None:
    """谁验收、谁签字、谁负责: rectified on 11-28, before its deadline, and not verified by 11-30:
    overdue for verification, charged to the listing supervisor — not to the one who rectified it.
    A hazard rectified on the spot (立查立改) has no deadline and is never overdue."""
    later = [
        {
            "type": "hazard.rectified",
            "occurred_at": "2019-11-28T10:00:00+08:00",
            "data": {"hazard_id": "HZ-2019-0002", "by": "P-4R1X0A-GM", "measures": "更换报警装置"},
        },
        {
            "type": "hazard.reported",
            "occurred_at": "2019-11-28T11:00:00+08:00",
            "data": {
                "hazard_id": "HZ-SPOT",
                "unit_id": "91371302MA3C4R1X0A",
                "severity": "general",
                "description": "灭火器过期",
                "source": "self_check",
            },
        },
        {
            "type": "hazard.rectified",
            "occurred_at": "2019-11-28T11:20:00+08:00",
            "data": {"hazard_id": "HZ-SPOT", "by": "P-4R1X0A-GM", "measures": "现场更换灭火器", "on_the_spot": True},
        },
    ]
    async with ledger_with(db_url, [*sample_events(), *later]) as (store, _runner):
        [item] = await overdue(
            store.backend, None, k("2019-12-05T00:00:00+08:00"), HEAD + 3, {"hazard", "hazard_verification"}
        )
        assert (item["kind"], item["kind_label"]) == ("hazard_verification", "隐患验收逾期")
        assert item["rectified_at"] == k("2019-11-28T10:00:00+08:00")
        assert item["rectified_late"] is False
        charged = [(r["role"], r["holder"]) for r in item["responsible"]]
        assert charged[0] == ("hazard_verifier", "371300-YJJ")
        assert ("hazard_responsible", "P-4R1X0A-GM") not in charged


async def test_accident_reports_and_their_escalation_by_the_national_baseline(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        at = k("2019-11-20T15:30:00+08:00")
        # known before the initial report (position 89): due at 15:05, 25 minutes overdue
        [item] = await overdue(db, "371311", at, 89, {"accident_report"})
        assert (item["subject"], item["stage"], item["stage_label"]) == ("accident:ACC-2019-0001", "initial", "初报")
        assert item["deadline"] == k("2019-11-20T15:05:00+08:00")
        assert item["overdue_by"]["minutes"] == 25
        assert item["policy"]["national"] is True
        assert ("principal", "P-9L3Z2C-GM") in {(r["role"], r["holder"]) for r in item["responsible"]}
        # the written and detailed stages have no national deadline
        assert await overdue(db, None, k("2019-11-20T17:00:00+08:00"), HEAD, {"accident_report"}) == []
        # a 较大 accident's report must reach the province within 2 h of the city getting it (16:50)
        [up] = await overdue(db, None, k("2019-11-20T19:00:00+08:00"), HEAD, {"accident_escalation"})
        assert (up["level"], up["deadline"]) == ("province", k("2019-11-20T18:50:00+08:00"))
        assert up["received_below_by"] == "371300-YJJ"
        assert "第十一条" in up["policy"]["basis"]


@pytest.mark.parametrize("kind", LOCAL)
async def test_a_local_rule_gives_nothing_where_no_policy_sets_it(db_url: str, kind: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        for at in ("2019-11-05T00:00:00+08:00", "2019-12-02T00:00:00+08:00", "2020-02-10T00:00:00+08:00"):
            assert await overdue(store.backend, None, k(at), HEAD, {kind}) == []


async def test_half_monthly_progress_reports_of_a_township(db_url: str) -> None:
    """枣庄 五: each 街道 reports the progress of all its open hazards once per half month."""
    policy = _policy("POL-371302-PROGRESS", "371302", {"hazard_progress_days": 15}, "2019-11-01T00:00:00+08:00")
    report = {
        "type": "report.submitted",
        "occurred_at": "2019-11-30T16:00:00+08:00",
        "data": {"report_id": "R-H2", "kind": "half_month_hazard", "unit_id": "371302001", "period": "2019-11-H2"},
    }
    async with ledger_with(db_url, [*sample_events(), policy]) as (store, runner):
        db = store.backend
        [item] = await overdue(db, None, k("2019-12-02T00:00:00+08:00"), HEAD + 1, {"hazard_progress"})
        assert (item["unit_id"], item["period"]) == ("371302001", "2019-11-H2")
        assert item["deadline"] == k("2019-12-01T00:00:00+08:00")
        assert item["policy"]["policy_id"] == "POL-371302-PROGRESS"
        await post(store, [report])
        await runner.catch_up()
        assert await overdue(db, None, k("2019-12-02T00:00:00+08:00"), HEAD + 2, {"hazard_progress"}) == []


async def test_a_missing_monthly_report_only_where_a_policy_asks_for_it(db_url: str) -> None:
    policy = _policy("POL-371300-MONTHLY", "371300", {"monthly_report_day": 1}, "2019-10-01T00:00:00+08:00")
    async with ledger_with(db_url, [*sample_events(), policy]) as (store, _runner):
        db = store.backend
        items = await overdue(db, None, k("2019-11-05T00:00:00+08:00"), HEAD + 1, {"periodic_report"})
        assert {(i["unit_id"], i["period"]) for i in items} == {
            ("371311002", "2019-10"),
            ("371312101", "2019-10"),
            ("371300-YJJ", "2019-10"),
            ("371302-ZJJ", "2019-10"),
            ("371311-JTJ", "2019-10"),
            ("371312-ZJJ", "2019-10"),
        }  # 兰山街道 reported on 11-01; counties and enterprises owe none (the notice: 街道 and 部门)
        fuzhuang = by_subject(items)["report:371311002:monthly:2019-10"]
        assert fuzhuang["deadline"] == k("2019-11-02T00:00:00+08:00")  # by the end of the 1st
        assert fuzhuang["policy"]["monthly_report_kinds"] == ["township", "department"]
        assert [r["holder"] for r in fuzhuang["responsible"]] == ["P-371311002-001"]
        early = await overdue(db, "371302", k("2019-11-05T00:00:00+08:00"), 101, {"periodic_report"})
        assert early == []  # the policy was not known yet at position 101


async def test_a_covering_visit_by_calendar_week(db_url: str) -> None:
    """临沂 二(三)1: 每周到所包县区开展一次现场办公 — a visit.made by the group in each calendar week
    it covers the county for the whole week. In the sample's week 2019-W44 (10-28 … 11-03) only
    the first group visited 罗庄区; a visit of the second group on 10-30 settles 兰山区."""
    visit = {
        "type": "visit.made",
        "occurred_at": "2019-10-30T09:00:00+08:00",
        "data": {"visit_id": "V-1", "holder": "371300-DD2", "target": "371302001", "purpose": "on_site_office"},
    }
    async with ledger_with(db_url, sample_events()) as (store, runner):
        db = store.backend
        at = k("2019-11-04T09:00:00+08:00")  # Monday: the week 2019-W44 has ended
        found = by_subject(await overdue(db, None, at, HEAD, {"covering_visit"}))
        assert set(found) == {"covers:371300-DD2:371302:2019-W44", "covers:371300-DD4:371312:2019-W44"}
        missed = found["covers:371300-DD4:371312:2019-W44"]
        assert missed["deadline"] == k("2019-11-04T00:00:00+08:00")
        assert missed["policy"]["policy_id"] == "POL-371300-2019-119"
        assert {r["holder"] for r in missed["responsible"]} == {"371300-DD4", "P-371300-004"}
        # a week the group did not cover whole (it began on Saturday 10-19) owes nothing
        assert await overdue(db, None, k("2019-10-21T09:00:00+08:00"), HEAD, {"covering_visit"}) == []
        await post(store, [visit])
        await runner.catch_up()
        found = by_subject(await overdue(db, None, at, HEAD + 1, {"covering_visit"}))
        assert set(found) == {"covers:371300-DD4:371312:2019-W44"}  # a visit to a unit inside the county counts
        # after the campaign (a 临时工作机制 to 12-31) nothing is owed
        assert await overdue(db, None, k("2020-01-13T09:00:00+08:00"), HEAD + 1, {"covering_visit"}) == []


async def test_a_principal_who_led_no_inspection_in_a_calendar_month(db_url: str) -> None:
    """蓝山 十个一次: 每个月至少带队检查一次 — inspecting on 10-31 and on 12-01 leaves November empty."""
    policy = _policy("POL-LANSHAN", "371312", {"principal_inspection_days": 31}, "2019-10-01T00:00:00+08:00")
    gas = "91371312MA3J8P6U5F"

    def led(inspection_id: str, at: str) -> dict[str, Any]:
        return {
            "type": "inspection.conducted",
            "occurred_at": at,
            "data": {
                "inspection_id": inspection_id,
                "unit_id": gas,
                "kind": "enforcement",
                "inspectors": ["P-8P6U5F-GM"],
                "result": "主要负责人带队检查",
                "led_by": "P-8P6U5F-GM",
            },
        }

    events = [
        *sample_events(),
        policy,
        led("INS-GAS-1", "2019-10-31T09:00:00+08:00"),
        led("INS-GAS-2", "2019-12-01T09:00:00+08:00"),
    ]
    async with ledger_with(db_url, events) as (store, _runner):
        db = store.backend
        found = by_subject(
            await overdue(db, "371312", k("2019-12-02T00:00:00+08:00"), HEAD + 3, {"principal_inspection"})
        )
        assert set(found) == {f"principal:P-8P6U5F-GM:{gas}:2019-11"}  # 东方烟花's principal led one on 11-05
        item = found[f"principal:P-8P6U5F-GM:{gas}:2019-11"]
        assert item["deadline"] == k("2019-12-01T00:00:00+08:00")
        assert item["responsible"][0]["holder_name"] == "周静"
        # in October only the gas company's principal led one
        october = await overdue(db, "371312", k("2019-11-02T00:00:00+08:00"), HEAD + 3, {"principal_inspection"})
        assert [i["unit_id"] for i in october] == ["91371312MA3H5N5V4E"]


async def test_every_item_names_its_policy_or_national_text(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        at = k("2019-11-20T00:00:00+08:00")
        everything = await overdue(store.backend, None, at, HEAD)
        assert {i["kind"] for i in everything} <= set(KINDS)
        assert everything
        for item in everything:
            assert item["policy"]["basis"]
            assert item["deadline"] < at
            assert item["overdue_by"]["minutes"] > 0
            assert item["kind_label"]


async def test_a_brief_question_finds_the_same_items_without_who_or_what(db_url: str) -> None:
    """The dashboard's counts (``brief``): the same items as the overdue list — every kind,
    the local ones switched on — without the costly parts: no hazard names who it is charged
    to or cites its events, no item names its unit."""
    policies = [
        _policy("POL-371302-PROGRESS", "371302", {"hazard_progress_days": 15}, "2019-11-01T00:00:00+08:00"),
        _policy("POL-371300-MONTHLY", "371300", {"monthly_report_day": 1}, "2019-10-01T00:00:00+08:00"),
        _policy("POL-LANSHAN", "371312", {"principal_inspection_days": 31}, "2019-10-01T00:00:00+08:00"),
    ]
    async with ledger_with(db_url, [*sample_events(), *policies]) as (store, _runner):
        db = store.backend
        kinds: set[str] = set()
        for at in ("2019-11-04T09:00:00+08:00", "2019-11-20T00:00:00+08:00", "2019-12-02T00:00:00+08:00"):
            for scope in (None, "371302"):
                full = await overdue(db, scope, k(at), HEAD + 3)
                brief = await overdue(db, scope, k(at), HEAD + 3, brief=True)
                shape = ("kind", "subject", "unit_id", "deadline")
                assert [tuple(i[f] for f in shape) for i in brief] == [tuple(i[f] for f in shape) for i in full]
                assert all(i["unit_name"] is None for i in brief)
                hazards = [i for i in brief if i["kind"] in ("hazard", "hazard_verification")]
                assert all(i["responsible"] == [] and i["events"] == [] for i in hazards)
                kinds |= {i["kind"] for i in full}
        assert kinds == set(KINDS) - {"accident_report", "hazard_verification"}, kinds  # the sample has none
