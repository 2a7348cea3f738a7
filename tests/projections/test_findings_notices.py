"""The findings docs/rules.md names that test_findings.py does not reach, each at its edges,
written from the notice's own words, on the 临沂 sample and events added to it, on both
backends: the departments of the ranking and the ranking of a campaign already over when the
quarter is scored; 枣庄 六's first two triggers of 一票否决; 蓝山 四(五)'s 三个一律; 蓝山 四(七)'s
提级调查; 临沂 二(五)3's 其他重点行业领域."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from projections.findings import findings
from tests.projections.support import ledger_with, sample_events

Fresh = Callable[[], Awaitable[str]]
NOW = "2020-03-01T00:00:00.000000Z"
XINYUAN = "91371302MA3C4R1X0A"  # 鑫源化工 (hazardous chemicals), 兰山街道 371302001; HZ-2019-0002 (major)
BUILDER = "91371302MA3D7K2Y1B"  # 恒达建筑 (construction), 兰山街道 371302001, 兰山区 371302
METALS = "91371311MA3F9L3Z2C"  # 永盛冶金, 傅庄街道 371311002; suspended on 11-22 (SAN-2019-0001)


def ev(type_: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    return {"type": type_, "occurred_at": occurred_at, "data": data}


def policy(policy_id: str, jurisdiction: str, rules: dict[str, Any], valid_from: str, **extra: Any) -> dict[str, Any]:
    data = {"policy_id": policy_id, "jurisdiction": jurisdiction, "rules": rules, "basis": f"{policy_id}号"}
    return ev("policy.adopted", valid_from, valid_from=valid_from, **data, **extra)


def of(found: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in found if f["rule"] == rule]


def subjects(found: list[dict[str, Any]], rule: str) -> set[str]:
    return {str(f["subject"]["id"]) for f in of(found, rule)}


async def ask(
    events: list[dict[str, Any]], fresh_db: Fresh, *periods: str, now: str = NOW
) -> list[list[dict[str, Any]]]:
    """The findings of a new ledger holding the sample and ``events``, for each period."""
    async with ledger_with(await fresh_db(), [*sample_events(), *events]) as (store, _runner):
        head = (await store.head()).position
        return [await findings(store.backend, None, period, head, now=now) for period in periods]


# --- 临沂 二(一)3: 排名倒数后 2 名的县区和行业主管部门 --------------------------------------------


def evaluation(unit_id: str, period: str, score: float, scope: str, on: str) -> dict[str, Any]:
    return ev("evaluation.scored", f"{on}T10:00:00+08:00", unit_id=unit_id, period=period, score=score, scope=scope)


async def test_the_campaign_s_ranking_judges_its_fourth_quarter_scored_after_it_ended(fresh_db: Fresh) -> None:
    """临沂 二(一)3 by the ready policy alone (in force 10-19 to 12-31): the fourth quarter is
    scored on 2020-01-05, after the campaign — its consequences are still the campaign's. The
    bottom county is warned; the bottom two counties and the bottom two 行业主管部门 make
    statements. The fourth quarter of 2020, when no policy set ``ranking``, gives nothing."""
    scores = [
        evaluation("371300-YJJ", "2019Q4", 88.0, "department", "2020-01-05"),
        evaluation("371302-ZJJ", "2019Q4", 70.0, "department", "2020-01-05"),
        evaluation("371311-JTJ", "2019Q4", 75.0, "department", "2020-01-05"),
        evaluation("371312-ZJJ", "2019Q4", 95.0, "department", "2020-01-05"),
        evaluation("371302", "2020Q4", 10.0, "county", "2021-01-05"),
        evaluation("371302-ZJJ", "2020Q4", 10.0, "department", "2021-01-05"),
    ]
    in_2019, in_2020 = await ask(scores, fresh_db, "2019", "2020")
    assert subjects(in_2019, "ranking.county_warning") == {"371311"}  # 78.0
    assert subjects(in_2019, "ranking.county_statement") == {"371311", "371312"}  # 78.0, 85.5
    statements = of(in_2019, "ranking.department_statement")
    assert {f["subject"]["id"] for f in statements} == {"371302-ZJJ", "371311-JTJ"}  # 70.0, 75.0
    assert {f["policy"]["policy_id"] for f in statements} == {"POL-371300-2019-119"}
    assert all("行业主管部门" in f["source"]["quote"] for f in statements)
    assert [f for f in in_2020 if f["rule"].startswith("ranking.")] == []


# --- 枣庄 六: 一票否决's first two triggers -------------------------------------------------------


VETO_LANSHAN = policy("POL-VETO-LS", "371302", {"veto_grades": ["larger", "major"]}, "2019-10-01T00:00:00+08:00")
VETO_HEDONG = policy("POL-VETO-HD", "371312", {"veto_grades": ["larger", "major"]}, "2019-10-01T00:00:00+08:00")


def rectified(hazard_id: str, at: str) -> dict[str, Any]:
    return ev("hazard.rectified", at, hazard_id=hazard_id, by="P-4R1X0A-GM", measures="更换报警装置")


async def test_a_major_hazard_from_a_higher_inspection_not_rectified_in_time_is_vetoed(fresh_db: Fresh) -> None:
    """枣庄 六: 凡在上级督导检查中发现存在重大隐患且未及时整治到位的 — HZ-2019-0002, found in the
    city's 四不两直 visit and due on 11-30 18:00: rectified at 18:00 is in time; at 18:01, or
    never, it is vetoed against 兰山街道 and the 应急管理局 supervising chemicals. A major hazard
    the enterprise found itself is no higher inspection's."""
    own = [
        ev("hazard.reported", "2019-10-20T10:00:00+08:00", hazard_id="HZ-SELF", unit_id=BUILDER, severity="major",
           description="深基坑支护变形", source="self_check"),
        ev("hazard.assigned", "2019-10-20T15:00:00+08:00", hazard_id="HZ-SELF", responsible="P-7K2Y1B-GM",
           deadline="2019-11-10T18:00:00+08:00"),
    ]  # fmt: skip
    (never,) = await ask([VETO_LANSHAN, *own], fresh_db, "2019Q4")
    vetoed = of(never, "veto.major_hazard")
    assert {(f["subject"]["id"], f["detail"]["hazard_id"]) for f in vetoed} == {
        ("371302001", "HZ-2019-0002"),
        ("371300-YJJ", "HZ-2019-0002"),
    }
    assert {f["detail"]["answers_as"] for f in vetoed} == {"相关街道（乡镇）", "区有关部门（行业监管）"}
    assert vetoed[0]["policy"]["policy_id"] == "POL-VETO-LS"
    assert "上级督导检查" in vetoed[0]["source"]["quote"]
    (on_time,) = await ask([VETO_LANSHAN, rectified("HZ-2019-0002", "2019-11-30T18:00:00+08:00")], fresh_db, "2019Q4")
    assert of(on_time, "veto.major_hazard") == []
    (late,) = await ask([VETO_LANSHAN, rectified("HZ-2019-0002", "2019-11-30T18:01:00+08:00")], fresh_db, "2019Q4")
    assert subjects(late, "veto.major_hazard") == {"371302001", "371300-YJJ"}


async def test_illegal_production_not_stopped_in_its_month_is_vetoed(fresh_db: Fresh) -> None:
    """枣庄 六: 凡是存在非法生产经营建设行为未及时发现和有效制止的 — 汤头街道's site of 11-08: stopped
    on 11-20, in time; stopped on 12-03, November ended with it running: vetoed against the
    街道. While November still runs, "in time" is not over yet."""

    def stopped(on: str) -> dict[str, Any]:
        return ev("illegal_site.stopped", f"{on}T10:00:00+08:00", site_id="IS-2019-0001", by="P-371312101-002",
                  measures="依法取缔，没收生产工具")  # fmt: skip

    (in_time,) = await ask([VETO_HEDONG, stopped("2019-11-20")], fresh_db, "2019-11")
    assert of(in_time, "veto.illegal_production") == []
    (later,) = await ask([VETO_HEDONG, stopped("2019-12-03")], fresh_db, "2019-11")
    (veto,) = of(later, "veto.illegal_production")
    assert (veto["subject"]["id"], veto["detail"]["site_id"], veto["detail"]["month"]) == (
        "371312101",
        "IS-2019-0001",
        "2019-11",
    )
    assert veto["policy"]["policy_id"] == "POL-VETO-HD"
    (mid_month,) = await ask([VETO_HEDONG], fresh_db, "2019-11", now="2019-11-25T00:00:00.000000Z")
    assert of(mid_month, "veto.illegal_production") == []


# --- 蓝山 四(五): 三个一律 -----------------------------------------------------------------------


THREE_MUSTS = policy(
    "POL-THREE-MUSTS",
    "371302",
    {"major_hazard_requires_suspension": True},
    "2019-09-01T00:00:00+08:00",
    valid_to="2020-01-01T00:00:00+08:00",
)


def order(sanction_id: str, target: str, kind: str, at: str, basis: str) -> dict[str, Any]:
    return ev("sanction.imposed", at, sanction_id=sanction_id, target=target, kind=kind, basis_refs=[basis],
              issued_by="371302")  # fmt: skip


async def test_a_major_hazard_is_ordered_to_suspend_and_one_not_rectified_is_proposed_for_closure(
    fresh_db: Fresh,
) -> None:
    """蓝山 四(五): 凡是存在重大隐患的生产经营单位一律依法责令停产停业整顿、凡是存在重大隐患拒不整改的
    生产经营单位一律依法提请县级政府予以关闭 — HZ-2019-0002 (major, reported 10-12, due 11-30 18:00,
    never rectified): no suspension and no closure → both findings; suspended on 10-13 and closed
    on 12-02 → neither; a suspension ordered before the hazard was found does not answer it, and
    a hazard rectified by its deadline was not refused."""
    (nothing,) = await ask([THREE_MUSTS], fresh_db, "2019Q4")
    (suspension,) = of(nothing, "three_musts.suspension")
    assert (suspension["subject"]["id"], suspension["detail"]["hazard_id"]) == (XINYUAN, "HZ-2019-0002")
    assert suspension["policy"]["policy_id"] == "POL-THREE-MUSTS"
    (closure,) = of(nothing, "three_musts.closure")
    assert closure["detail"]["deadline"] == "2019-11-30T10:00:00.000000Z"
    answered = [
        order("S-SUSP", XINYUAN, "suspension", "2019-10-13T10:00:00+08:00", "hazard:HZ-2019-0002"),
        order("S-CLOSE", XINYUAN, "closure", "2019-12-02T10:00:00+08:00", "hazard:HZ-2019-0002"),
    ]
    (done,) = await ask([THREE_MUSTS, *answered], fresh_db, "2019Q4")
    assert [f for f in done if f["rule"].startswith("three_musts.")] == []
    earlier = order("S-EARLY", XINYUAN, "suspension", "2019-10-11T10:00:00+08:00", "INS-2019-0001")
    (partly,) = await ask(
        [THREE_MUSTS, earlier, rectified("HZ-2019-0002", "2019-11-30T17:00:00+08:00")], fresh_db, "2019Q4"
    )
    assert subjects(partly, "three_musts.suspension") == {XINYUAN}
    assert of(partly, "three_musts.closure") == []


async def test_an_accident_while_suspended_holds_the_principal_accountable(fresh_db: Fresh) -> None:
    """蓝山 四(五): 凡是在关停整改期间违法组织生产的企业负责人一律依法追究责任 — 永盛冶金 was suspended on
    11-22: an accident on 12-05 proves it was producing, and its principal answers; once the
    suspension was lifted (12-01), or before it began, an accident is no such proof."""
    campaign = policy("POL-THREE-MUSTS-LZ", "371311", {"major_hazard_requires_suspension": True},
                      "2019-09-01T00:00:00+08:00")  # fmt: skip

    def accident(accident_id: str, on: str) -> dict[str, Any]:
        return ev("accident.occurred", f"{on}T09:00:00+08:00", accident_id=accident_id, unit_id=METALS, deaths=0,
                  serious_injuries=1, direct_loss_cny=30000, description="违规组织生产，1人受伤")  # fmt: skip

    (while_suspended,) = await ask([campaign, accident("ACC-SUSP", "2019-12-05")], fresh_db, "2019Q4")
    (held,) = of(while_suspended, "three_musts.producing_while_suspended")
    assert (held["subject"]["id"], held["subject"]["role"]) == ("P-9L3Z2C-GM", "principal")
    assert held["detail"]["suspension"] == "SAN-2019-0001"
    assert {"accident.occurred", "sanction.imposed"} <= {e["type"] for e in held["evidence"]}
    lifted = ev(
        "sanction.lifted", "2019-12-01T10:00:00+08:00", sanction_id="SAN-2019-0001", reason="整改验收合格，恢复生产"
    )
    (after_lift,) = await ask([campaign, lifted, accident("ACC-SUSP", "2019-12-05")], fresh_db, "2019Q4")
    assert of(after_lift, "three_musts.producing_while_suspended") == []
    (before,) = await ask([campaign, accident("ACC-BEFORE", "2019-11-21")], fresh_db, "2019Q4")
    assert of(before, "three_musts.producing_while_suspended") == []


# --- 蓝山 四(七): 一般事故一律提级调查 -------------------------------------------------------------


async def test_a_general_accident_during_the_campaign_is_investigated_one_level_up(fresh_db: Fresh) -> None:
    """蓝山 四(七): 集中攻坚行动期间发生一般生产安全生产事故一律提级调查 — a 一般 accident of 11-10
    investigated by the county is below the level the campaign requires (the city); by the city
    it is not; after the campaign (2020-01-10) the county's own investigation is the national
    level (条例 第十九条)."""
    campaign = policy("POL-ELEVATE", "371302", {"elevate_general_accidents": True}, "2019-09-01T00:00:00+08:00",
                      valid_to="2020-01-01T00:00:00+08:00")  # fmt: skip

    def accident(accident_id: str, on: str, level: str) -> list[dict[str, Any]]:
        return [
            ev("accident.occurred", f"{on}T08:00:00+08:00", accident_id=accident_id, unit_id=BUILDER, deaths=1,
               serious_injuries=0, direct_loss_cny=200000, description="高处坠落致1人死亡"),
            ev("accident.investigation_opened", f"{on}T15:00:00+08:00", accident_id=accident_id, level=level),
        ]  # fmt: skip

    events = [
        campaign,
        *accident("ACC-COUNTY", "2019-11-10", "county"),
        *accident("ACC-CITY", "2019-11-12", "city"),
        *accident("ACC-AFTER", "2020-01-10", "county"),
    ]
    during, after = await ask(events, fresh_db, "2019Q4", "2020Q1")
    (below,) = of(during, "accident_investigation.level")
    assert below["subject"]["id"] == "ACC-COUNTY"
    assert (below["detail"]["opened_level"], below["detail"]["required_level"]) == ("county", "city")
    assert below["policy"]["policy_id"] == "POL-ELEVATE"
    assert below["policy"]["national"] is False
    assert of(after, "accident_investigation.level") == []


# --- 临沂 二(五)3: 其他重点行业领域 ----------------------------------------------------------------


async def test_a_failed_exam_outside_the_key_industries_accuses_nobody(fresh_db: Fresh) -> None:
    """临沂 二(五)3: 其他重点行业领域生产经营单位负责人考试不合格的，一律函告…提出解除职务的建议 — the
    principal of a road-transport company is proposed for removal; the principal of a company
    the ledger records under 其他 (or under no industry) is not known to be in a key industry."""

    def company(unit_id: str, person_id: str, industry: str | None) -> list[dict[str, Any]]:
        unit = {"unit_id": unit_id, "kind": "enterprise", "name": f"{unit_id}有限公司", "parent_id": "371302001"}
        if industry is not None:
            unit["industry"] = industry
        return [
            ev("unit.registered", "2019-01-01T00:00:00+08:00", **unit),
            ev("person.registered", "2019-01-01T00:00:00+08:00", person_id=person_id, name="负责人", title="总经理",
               unit_id=unit_id),
            ev("assignment.made", "2019-01-01T00:00:00+08:00", assignment_id=f"A-{unit_id}", role="principal",
               holder=person_id, target=unit_id, valid_from="2019-01-01T00:00:00+08:00"),
        ]  # fmt: skip

    def failed(person_id: str) -> dict[str, Any]:
        return ev("exam.taken", "2019-11-10T10:00:00+08:00", person_id=person_id, subject="主要负责人考试", score=41,
                  passed=False)  # fmt: skip

    events = [
        *company("91371302MAOTHER001", "P-OTHER-GM", "other"),
        *company("91371302MANONE0001", "P-NONE-GM", None),
        failed("P-OTHER-GM"),
        failed("P-NONE-GM"),
        failed("P-2M4W3D-GM"),
    ]
    (found,) = await ask(events, fresh_db, "2019Q4")
    assert subjects(found, "exam.removal_proposed") == {"P-2M4W3D-GM"}
    assert subjects(found, "exam.removal") == {"P-5N5V4E-GM"}  # the sample's fireworks principal
