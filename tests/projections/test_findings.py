"""The findings of SPEC §6, in the seeds' situations, on the 临沂 2019 Q4 sample and on
events added to it: each names its rule, subject, policy (document) and evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from projections.findings import findings, parse_period
from tests.projections.support import ledger_with, post, sample_events

NOW = "2020-03-01T00:00:00.000000Z"
CHEM = "91371302MA3C4R1X0A"  # 鑫源化工, township 371302001, county 371302
BUILDER = "91371302MA3D7K2Y1B"  # 恒达建筑, same township


def ev(type_: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    return {"type": type_, "occurred_at": occurred_at, "data": data}


def site(site_id: str, township: str, day: str, *, stopped: bool = False) -> dict[str, Any]:
    return ev(
        "illegal_site.found",
        f"{day}T10:00:00+08:00",
        site_id=site_id,
        unit_id=township,
        description="无证非法生产窝点",
        stopped=stopped,
    )


def policy(policy_id: str, jurisdiction: str, rules: dict[str, Any], valid_from: str, **extra: Any) -> dict[str, Any]:
    return ev(
        "policy.adopted",
        valid_from,
        policy_id=policy_id,
        jurisdiction=jurisdiction,
        rules=rules,
        basis=f"{policy_id}号",
        valid_from=valid_from,
        **extra,
    )


#: a second township in 河东区 (371312) and the county's deputy in charge
SECOND_TOWNSHIP = [
    ev("unit.registered", "2019-01-01T00:00:00+08:00", unit_id="371312102", kind="township",
       name="九曲街道", parent_id="371312"),
    ev("assignment.made", "2019-01-01T00:00:00+08:00", assignment_id="A-371312-DEPUTY", role="deputy_in_charge",
       holder="P-371312-001", target="371312", valid_from="2019-01-01T00:00:00+08:00"),
]  # fmt: skip


def rules_of(found: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in found if f["rule"] == rule]


async def test_the_sample_quarter(db_url: str) -> None:
    """2019Q4 of the sample: 罗庄区 last (warned), the two last make statements; the failed
    exam of a principal; 一票否决 for the township and the department of the 较大 accident;
    the unstopped site in 汤头街道 against its principal (the head of government), judged by the
    山东省 rule 临应急发〔2019〕119号 二(四) quotes."""
    events = sample_events()
    async with ledger_with(db_url, events) as (store, _runner):
        found = await findings(store.backend, None, "2019Q4", len(events), now=NOW)
        assert {f["rule"] for f in found} == {
            "ranking.county_warning",
            "ranking.county_statement",
            "exam.principal_failed",
            "accident.veto",
            "illegal_sites.dismissal",
            "580.collection",
        }
        collections = {f["unit_id"]: f for f in rules_of(found, "580.collection")}
        assert set(collections) == {"371302", "371311"}  # hazards in October, no county summary by the 25th
        assert collections["371302"]["detail"]["month"] == "2019-10"
        assert collections["371302"]["detail"]["hazards_reported"] == 2
        (warned,) = rules_of(found, "ranking.county_warning")
        assert warned["subject"]["id"] == "371311"
        assert warned["title"]["zh"].startswith("季度考核排名末位")
        assert warned["detail"]["score"] == 78.0
        assert [e["type"] for e in warned["evidence"]] == ["evaluation.scored"]
        assert warned["policy"]["default"] is True
        assert {f["subject"]["id"] for f in rules_of(found, "ranking.county_statement")} == {"371311", "371312"}

        (exam,) = rules_of(found, "exam.principal_failed")
        assert exam["subject"] == {"kind": "person", "id": "P-5N5V4E-GM", "name": "陈刚"}
        assert exam["detail"]["assignment_id"] == "A-5N5V4E-PRINCIPAL"
        assert [e["type"] for e in exam["evidence"]] == ["assignment.made", "exam.taken"]

        vetoes = {f["subject"]["id"]: f for f in rules_of(found, "accident.veto")}
        assert set(vetoes) == {"371311002", "371300-YJJ"}
        assert vetoes["371311002"]["detail"]["grade_label"] == "较大"
        assert vetoes["371300-YJJ"]["detail"]["assignment_id"] == "A-9L3Z2C-IND"

        (dismissal,) = rules_of(found, "illegal_sites.dismissal")
        assert dismissal["subject"]["id"] == "P-371312101-001"
        assert dismissal["subject"]["role"] == "principal"
        assert dismissal["unit_id"] == "371312101"
        assert dismissal["policy"]["policy_id"] == "POL-370000-ILLEGAL-SITES"  # the province's rule, quoted by 二(四)
        assert dismissal["policy"]["basis"].startswith("山东省委、省政府关于非法企业“一律撤职”的规定")
        assert dismissal["detail"]["month"] == "2019-11"
        for finding in found:
            for ref in finding["evidence"]:
                (row,) = await store.backend.fetch("SELECT hash, type FROM events WHERE position = ?", ref["position"])
                assert (ref["hash"], ref["type"]) == (row[0], row[1])


async def test_scope_and_other_periods(db_url: str) -> None:
    events = sample_events()
    async with ledger_with(db_url, events) as (store, _runner):
        mine = await findings(store.backend, "371311", "2019Q4", len(events), now=NOW)
        assert {(f["rule"], f["unit_id"]) for f in mine} == {
            ("ranking.county_warning", "371311"),
            ("ranking.county_statement", "371311"),
            ("accident.veto", "371311002"),
            ("580.collection", "371311"),
        }
        november = await findings(store.backend, None, "2019-11", len(events), now=NOW)
        assert {f["rule"] for f in november} == {"accident.veto", "illegal_sites.dismissal"}
        year = await findings(store.backend, None, "2019", len(events), now=NOW)
        assert len(year) == 9
        assert all(f["period"] == "2019" for f in year)
        assert await findings(store.backend, None, "2019Q3", len(events), now=NOW) == []


async def test_illegal_sites_county_threshold_and_stopped_sites(db_url: str) -> None:
    """Two unstopped sites in two townships of 河东区 in November: the county's deputy in
    charge too. A stopped site counts for nothing; a December site alone is only its township's."""
    events = sample_events()
    extra = [
        *SECOND_TOWNSHIP,
        site("IS-T-1", "371312102", "2019-11-25"),
        site("IS-T-2", "371302001", "2019-11-12", stopped=True),
        site("IS-T-3", "371312102", "2019-12-03"),
    ]
    async with ledger_with(db_url, events + extra) as (store, _runner):
        found = rules_of(
            await findings(store.backend, None, "2019Q4", len(events) + len(extra), now=NOW), "illegal_sites.dismissal"
        )
        by_unit_month = {(f["unit_id"], f["detail"]["month"]): f for f in found}
        assert set(by_unit_month) == {
            ("371312", "2019-11"),
            ("371312101", "2019-11"),
            ("371312102", "2019-11"),
            ("371312102", "2019-12"),
        }
        county = by_unit_month[("371312", "2019-11")]
        assert county["subject"]["id"] == "P-371312-001"
        assert county["subject"]["role"] == "deputy_in_charge"
        assert county["detail"]["level"] == "county"
        assert county["detail"]["unstopped_sites"] == ["IS-2019-0001", "IS-T-1"]
        assert county["detail"]["threshold"] == 2
        assert sorted(e["type"] for e in county["evidence"]) == ["assignment.made"] + ["illegal_site.found"] * 2
        # nobody held principal or deputy_in_charge on 九曲街道: the gap is named, the township the subject
        gap = by_unit_month[("371312102", "2019-12")]
        assert gap["subject"]["kind"] == "unit"
        assert gap["detail"]["holders"] == []


async def test_a_policy_changes_a_threshold_from_its_valid_from(db_url: str) -> None:
    """河东区 raises its county threshold to 3 from 1 December: November is judged by 119号
    (2 sites suffice), December by the county's own policy (2 do not, 3 do)."""
    events = sample_events()
    extra = [
        *SECOND_TOWNSHIP,
        policy("河安委〔2019〕5", "371312", {"illegal_sites_dismissal": {"county": 3}}, "2019-12-01T00:00:00+08:00"),
        site("IS-T-1", "371312102", "2019-11-25"),
        site("IS-T-4", "371312101", "2019-12-04"),
        site("IS-T-5", "371312102", "2019-12-05"),
    ]
    third = [site("IS-T-6", "371312102", "2019-12-20")]
    async with ledger_with(db_url, events + extra) as (store, runner):
        head = len(events) + len(extra)

        async def county_findings(position: int) -> dict[str, dict[str, Any]]:
            found = await findings(store.backend, "371312", "2019Q4", position, now=NOW)
            return {
                f["detail"]["month"]: f
                for f in rules_of(found, "illegal_sites.dismissal")
                if f["detail"]["level"] == "county"
            }

        before = await county_findings(head)
        assert set(before) == {"2019-11"}
        assert before["2019-11"]["policy"]["policy_id"] == "POL-370000-ILLEGAL-SITES"
        await post(store, third)
        await runner.catch_up()
        after = await county_findings(head + 1)
        assert set(after) == {"2019-11", "2019-12"}
        december = after["2019-12"]
        assert december["policy"]["policy_id"] == "河安委〔2019〕5"
        assert december["policy"]["in_force"] == ["POL-370000-ILLEGAL-SITES", "POL-371300-2019-119", "河安委〔2019〕5"]
        assert december["detail"]["threshold"] == 3
        # as known before the third site was recorded, December had no county finding
        assert set(await county_findings(head)) == {"2019-11"}


async def test_only_a_principal_failing_the_exam_is_a_finding(db_url: str) -> None:
    events = sample_events()
    extra = [
        ev("exam.taken", "2019-11-05T10:00:00+08:00", person_id="P-371302001-002", subject="安全生产知识考试",
           score=40, passed=False),
        ev("exam.taken", "2019-11-05T10:00:00+08:00", person_id="P-7K2Y1B-GM", subject="主要负责人考试",
           score=88, passed=True),
        ev("exam.taken", "2019-11-06T10:00:00+08:00", person_id="P-4R1X0A-GM", subject="主要负责人考试",
           score=50, passed=False),
    ]  # fmt: skip
    async with ledger_with(db_url, events + extra) as (store, _runner):
        found = await findings(store.backend, None, "2019Q4", len(events) + len(extra), now=NOW)
        failed = rules_of(found, "exam.principal_failed")
        assert sorted(f["subject"]["id"] for f in failed) == ["P-4R1X0A-GM", "P-5N5V4E-GM"]


async def test_investigation_level_and_overdue_report(db_url: str) -> None:
    """A campaign (蓝山 2019 方案 四(七)) lifts every 一般 accident's investigation to the city:
    one opened by the county is too low; with no report 60 days on, it is overdue. The
    sample's 较大 accident was concluded in time, but as known before the conclusion was
    recorded its report was overdue."""
    events = sample_events()
    extra = [
        policy("兰安办〔2019〕12", "371302", {"elevate_general_accidents": True}, "2019-12-01T00:00:00+08:00",
               valid_to="2020-01-01T00:00:00+08:00"),
        ev("accident.occurred", "2019-12-10T08:00:00+08:00", accident_id="ACC-T-1", unit_id=CHEM, deaths=1,
           serious_injuries=0, direct_loss_cny=800000, description="储罐检修中毒1人死亡"),
        ev("accident.investigation_opened", "2019-12-11T09:00:00+08:00", accident_id="ACC-T-1", level="county"),
    ]  # fmt: skip
    async with ledger_with(db_url, events + extra) as (store, _runner):
        head = len(events) + len(extra)
        found = await findings(store.backend, "371302", "2019Q4", head, now=NOW)
        (level,) = rules_of(found, "accident_investigation.level")
        assert level["detail"]["opened_level"] == "county"
        assert level["detail"]["required_level"] == "city"
        assert level["policy"]["policy_id"] == "兰安办〔2019〕12"
        (overdue,) = rules_of(found, "accident_investigation.report_overdue")
        assert overdue["subject"] == {"kind": "accident", "id": "ACC-T-1", "name": None}
        assert overdue["detail"]["due"] == "2020-02-08T00:00:00.000000Z"
        assert overdue["detail"]["concluded_at"] is None
        assert rules_of(found, "accident.veto") == []  # 一般 is not a veto grade
        # not yet due on 1 February
        early = await findings(store.backend, "371302", "2019Q4", head, now="2020-02-01T00:00:00.000000Z")
        assert rules_of(early, "accident_investigation.report_overdue") == []
        # the sample's 较大 accident (concluded 2020-01-15, position 95), as known at 94
        sample = await findings(store.backend, "371311", "2019Q4", 94, now=NOW)
        (late,) = rules_of(sample, "accident_investigation.report_overdue")
        assert late["detail"]["accident_id"] == "ACC-2019-0001"
        assert late["detail"]["due"] == "2020-01-19T06:05:00.000000Z"
        assert (
            rules_of(
                await findings(store.backend, "371311", "2019Q4", head, now=NOW),
                "accident_investigation.report_overdue",
            )
            == []
        )


def penalty(sanction_id: str, day: str, kind: str = "fine") -> dict[str, Any]:
    return ev("sanction.imposed", f"{day}T10:00:00+08:00", sanction_id=sanction_id, target=BUILDER, kind=kind,
              basis_refs=["hazard:HZ-T-1"], issued_by="371300-YJJ", amount_cny=50000)  # fmt: skip


MAJOR_HAZARD = ev("hazard.reported", "2019-08-01T10:00:00+08:00", hazard_id="HZ-T-1", unit_id=BUILDER,
                  severity="major", description="深基坑支护严重变形", source="inspection")  # fmt: skip


async def test_repeated_penalties_of_a_unit_with_a_major_hazard(db_url: str) -> None:
    """安全生产法 第113条: three penalties within 180 days while a major hazard is open."""
    events = sample_events()
    extra = [
        MAJOR_HAZARD,
        penalty("SAN-T-1", "2019-08-20"),
        penalty("SAN-T-2", "2019-10-15", "interview"),  # 约谈 is not a penalty
        penalty("SAN-T-3", "2019-11-15"),
    ]
    async with ledger_with(db_url, events + extra) as (store, runner):
        head = len(events) + len(extra)
        assert rules_of(await findings(store.backend, None, "2019Q4", head, now=NOW), "repeat_penalties.closure") == []
        await post(store, [penalty("SAN-T-4", "2019-12-16", "max_fine")])
        await runner.catch_up()
        (closure,) = rules_of(
            await findings(store.backend, None, "2019Q4", head + 1, now=NOW), "repeat_penalties.closure"
        )
        assert closure["subject"]["id"] == BUILDER
        assert closure["detail"]["penalties"] == ["SAN-T-1", "SAN-T-3", "SAN-T-4"]
        assert closure["detail"]["window_days"] == 180
        assert closure["detail"]["major_hazards"] == ["HZ-T-1"]
        assert [e["type"] for e in closure["evidence"]] == ["hazard.reported"] + ["sanction.imposed"] * 3
        assert closure["policy"]["default"] is True


async def test_three_musts_an_open_major_hazard_is_suspended(db_url: str) -> None:
    """三个一律 where a policy asks for it: the sample's open major hazard at 鑫源化工 until a
    suspension is ordered."""
    events = sample_events()
    extra = [
        policy("兰安办〔2019〕9", "371302", {"major_hazard_requires_suspension": True}, "2019-10-01T00:00:00+08:00"),
    ]
    async with ledger_with(db_url, events + extra) as (store, runner):
        head = len(events) + len(extra)
        (finding,) = rules_of(await findings(store.backend, None, "2019Q4", head, now=NOW), "major_hazard.suspension")
        assert finding["subject"]["id"] == CHEM
        assert finding["detail"]["hazard_id"] == "HZ-2019-0002"
        assert finding["policy"]["basis"] == "兰安办〔2019〕9号"
        order = ev("sanction.imposed", "2019-12-01T10:00:00+08:00", sanction_id="SAN-T-9", target=CHEM,
                   kind="suspension", basis_refs=["hazard:HZ-2019-0002"], issued_by="371300-YJJ")  # fmt: skip
        await post(store, [order])
        await runner.catch_up()
        after = await findings(store.backend, None, "2019Q4", head + 1, now=NOW)
        assert rules_of(after, "major_hazard.suspension") == []


def test_periods_are_chinas_calendar() -> None:
    q4 = parse_period("2019Q4")
    assert (q4.start, q4.end) == ("2019-09-30T16:00:00.000000Z", "2019-12-31T16:00:00.000000Z")
    assert parse_period("2019-12").end == "2019-12-31T16:00:00.000000Z"
    assert parse_period("2019-10-H2").start == "2019-10-15T16:00:00.000000Z"
    assert parse_period("2019H2").start == "2019-06-30T16:00:00.000000Z"
    assert parse_period("2019").end == "2019-12-31T16:00:00.000000Z"
    assert parse_period(None, datetime(2019, 12, 31, 17, 0, tzinfo=UTC)).label == "2020Q1"  # 1 January in China
    with pytest.raises(ValueError, match="not a period"):
        parse_period("2019Q5")


async def test_township_and_department_rankings(db_url: str) -> None:
    """Bottom-10 townships' leaders are interviewed (here all three); a policy of the city
    narrowing it to the bottom one names itself; departments' bottom two make statements."""
    events = sample_events()
    scores = [("371302001", 90.0), ("371311002", 70.5), ("371312101", 80.0)]
    extra = [
        ev("evaluation.scored", "2020-01-06T10:00:00+08:00", unit_id=unit, period="2019Q4", score=score,
           scope="township")
        for unit, score in scores
    ] + [
        ev("evaluation.scored", "2020-01-06T10:00:00+08:00", unit_id="371300-YJJ", period="2019Q4", score=60,
           scope="department"),
    ]  # fmt: skip
    async with ledger_with(db_url, events + extra) as (store, runner):
        head = len(events) + len(extra)
        found = await findings(store.backend, None, "2019Q4", head, now=NOW)
        interviews = {f["subject"]["id"]: f for f in rules_of(found, "ranking.township_interview")}
        assert set(interviews) == {"371302001", "371311002", "371312101"}
        leaders = interviews["371311002"]["detail"]["leaders"]
        assert [(p["id"], p["role"]) for p in leaders] == [("P-371311002-001", "principal")]
        (statement,) = rules_of(found, "ranking.department_statement")
        assert statement["subject"]["id"] == "371300-YJJ"
        narrow = policy("临安办〔2019〕3", "371300", {"ranking": {"township_interview": 1}},
                        "2019-10-01T00:00:00+08:00")  # fmt: skip
        await post(store, [narrow])
        await runner.catch_up()
        found = await findings(store.backend, None, "2019Q4", head + 1, now=NOW)
        (only,) = rules_of(found, "ranking.township_interview")
        assert only["subject"]["id"] == "371311002"
        assert only["policy"]["policy_id"] == "临安办〔2019〕3"


async def test_the_580_cycle(db_url: str) -> None:
    """A county's hazard summary by the 25th answers "5"; a major hazard open on the 30th and
    never listed for supervision is a "0" finding (临沂 2019 方案 二(六)2)."""
    events = sample_events()
    summary = {
        "type": "report.submitted",
        "occurred_at": "2019-10-24T17:00:00+08:00",
        "data": {
            "report_id": "RPT-371302-2019-10-H2",
            "kind": "half_month_hazard",
            "unit_id": "371302",
            "period": "2019-10-H2",
        },
    }
    unlisted = {
        "type": "hazard.reported",
        "occurred_at": "2019-11-05T09:00:00+08:00",
        "data": {
            "hazard_id": "HZ-580-1",
            "unit_id": "91371311MA3G2M4W3D",
            "severity": "major",
            "description": "油罐车停车场无防静电设施",
            "source": "self_check",
        },
    }
    async with ledger_with(db_url, [*events, summary, unlisted]) as (store, _runner):
        head = (await store.head()).position
        october = await findings(store.backend, None, "2019-10", head, now=NOW)
        assert {f["unit_id"] for f in rules_of(october, "580.collection")} == {"371311"}
        november = await findings(store.backend, None, "2019-11", head, now=NOW)
        (listing,) = rules_of(november, "580.listing")
        assert listing["unit_id"] == "371311"
        assert listing["detail"]["hazard_id"] == "HZ-580-1"
        assert listing["evidence"][0]["position"] == head
