"""The findings of SPEC §6, each at its edges, written from the notices' own words, on the
临沂 sample and on events added to it. Local rules give nothing where no policy sets their
key; every finding names its rule, its sentence, its subject, its policy and its evidence."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from projections.findings import RULES, findings
from tests.projections.support import ledger_with, sample_events

NOW = "2020-03-01T00:00:00.000000Z"
FIREWORKS = "91371312MA3H5N5V4E"  # 东方烟花 (fireworks), 汤头街道 371312101, 河东区 371312
BUILDER = "91371302MA3D7K2Y1B"  # 恒达建筑 (construction), 兰山街道 371302001, 兰山区 371302
METALS = "91371311MA3F9L3Z2C"  # 永盛冶金 (metallurgy), 傅庄街道 371311002, 罗庄区 371311
BASELINE = {"accident_investigation.level", "accident_investigation.report_overdue", "repeat_penalties.closure"}


def ev(type_: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    return {"type": type_, "occurred_at": occurred_at, "data": data}


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


def site(site_id: str, township: str, day: str) -> dict[str, Any]:
    return ev(
        "illegal_site.found",
        f"{day}T10:00:00+08:00",
        site_id=site_id,
        unit_id=township,
        description="无证非法生产窝点",
        stopped=False,
    )


#: 汤头街道's deputy in charge (分管负责人) beside its 主任 (the sample's principal) and 党工委书记
TANGTOU_HEADS = [
    ev("person.registered", "2019-01-01T00:00:00+08:00", person_id="P-TT-FZR", name="张敏", title="街道办事处副主任",
       unit_id="371312101"),
    ev("assignment.made", "2019-09-01T00:00:00+08:00", assignment_id="A-TT-DEPUTY", role="deputy_in_charge",
       holder="P-TT-FZR", target="371312101", valid_from="2019-01-01T00:00:00+08:00"),
]  # fmt: skip


Fresh = Callable[[], Awaitable[str]]


def of(found: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in found if f["rule"] == rule]


async def _findings(
    events: list[dict[str, Any]], fresh_db: Fresh, period: str, scope: str | None = None
) -> list[dict[str, Any]]:
    """The findings of a new ledger holding ``events``."""
    async with ledger_with(await fresh_db(), events) as (store, _runner):
        found = await findings(store.backend, scope, period, (await store.head()).position, now=NOW)
        for finding in found:  # every citation is the event at that position
            for ref in finding["evidence"]:
                (row,) = await store.backend.fetch("SELECT hash, type FROM events WHERE position = ?", ref["position"])
                assert (ref["hash"], ref.get("type", row[1])) == (row[0], row[1])
        return found


async def test_without_local_policies_only_the_national_baseline_judges(fresh_db: Fresh) -> None:
    """The sample without its policy: a county that adopted nothing gets no local finding."""
    events = [e for e in sample_events() if e["type"] != "policy.adopted"]
    found = await _findings(events, fresh_db, "2019")
    assert {f["rule"] for f in found} <= BASELINE


async def test_unstopped_illegal_sites_accuse_the_heads_of_government_not_the_party_secretary(fresh_db: Fresh) -> None:
    """临沂 二(四): 汤头街道's site of 11-08, not stopped in November → its 主任 and 分管负责人."""
    found = await _findings([*sample_events(), *TANGTOU_HEADS], fresh_db, "2019Q4")
    dismissals = of(found, "illegal_sites.dismissal")
    assert {(f["subject"]["id"], f["subject"]["role"]) for f in dismissals} == {
        ("P-371312101-001", "principal"),
        ("P-TT-FZR", "deputy_in_charge"),
    }
    first = dismissals[0]
    assert first["unit_id"] == "371312101"
    assert first["detail"]["month"] == "2019-11"
    assert first["policy"]["policy_id"] == "POL-370000-ILLEGAL-SITES"  # the province's rule, as 临沂 quotes it
    assert first["source"]["quote"].startswith("严格执行省委、省政府")
    assert first["title"]["zh"].endswith("撤职")
    assert "illegal_site.found" in [e["type"] for e in first["evidence"]]


@pytest.mark.parametrize(
    ("stopped_on", "accused"),
    [("2019-11-20", False), ("2019-12-03", True)],
)
async def test_a_site_stopped_later_counts_as_stopped_from_then_on(
    fresh_db: Fresh, stopped_on: str, accused: bool
) -> None:
    stop = ev("illegal_site.stopped", f"{stopped_on}T10:00:00+08:00", site_id="IS-2019-0001", by="P-TT-FZR",
              measures="依法取缔")  # fmt: skip
    found = await _findings([*sample_events(), *TANGTOU_HEADS, stop], fresh_db, "2019-11")
    assert bool(of(found, "illegal_sites.dismissal")) is accused


async def test_a_site_found_before_the_policy_was_in_force_gives_nothing(fresh_db: Fresh) -> None:
    events = [e for e in sample_events() if e["type"] != "policy.adopted"]
    later = policy("POL-SD", "371300", {"illegal_sites_dismissal": {}}, "2019-11-09T00:00:00+08:00")
    found = await _findings([*events, *TANGTOU_HEADS, later], fresh_db, "2019Q4")
    assert of(found, "illegal_sites.dismissal") == []  # the site of 11-08, one day before
    again = await _findings(
        [*events, *TANGTOU_HEADS, later, site("IS-LATE", "371312101", "2019-11-20")], fresh_db, "2019Q4"
    )
    assert {f["detail"]["unstopped_sites"][0] for f in of(again, "illegal_sites.dismissal")} == {"IS-LATE"}


async def test_exam_failure_in_two_tiers_and_never_for_officials(fresh_db: Fresh) -> None:
    """临沂 二(五)3, in force from the notice's date (10-19): fireworks (应急管理系统监管) → not to
    stay in post; construction → a letter proposing removal; a township's head who failed is not
    a 生产经营单位负责人; a failure before the notice took effect is judged by nothing."""
    exams = [
        ev("exam.taken", "2019-11-10T10:00:00+08:00", person_id="P-7K2Y1B-GM", subject="主要负责人考试", score=40,
           passed=False),
        ev("exam.taken", "2019-11-10T10:00:00+08:00", person_id="P-371302001-001", subject="考试", score=30,
           passed=False),
        ev("exam.taken", "2019-10-10T10:00:00+08:00", person_id="P-8P6U5F-GM", subject="主要负责人考试", score=30,
           passed=False),
    ]  # fmt: skip
    found = await _findings([*sample_events(), *exams], fresh_db, "2019Q4")
    (removal,) = of(found, "exam.removal")
    assert (removal["subject"]["id"], removal["subject"]["name"]) == ("P-5N5V4E-GM", "陈刚")
    assert removal["detail"]["post"] == "principal"
    assert "不得继续担任现职" in removal["source"]["quote"]
    (proposed,) = of(found, "exam.removal_proposed")
    assert proposed["subject"]["id"] == "P-7K2Y1B-GM"
    assert proposed["detail"]["industry_label"] == "建筑施工"


async def test_the_fourth_quarter_ranking(fresh_db: Fresh) -> None:
    """临沂 二(一)3: the bottom county warned; the bottom two statements; the bottom townships'
    党政主要负责人 interviewed — by the fourth-quarter 执法评估 only."""
    extra = [
        policy("POL-RANK", "371300", {"ranking": {"township_interview": 1}}, "2019-10-19T00:00:00+08:00"),
        *TANGTOU_HEADS,
        ev("evaluation.scored", "2020-01-05T10:00:00+08:00", unit_id="371312101", period="2019Q4", score=60.0,
           scope="township"),
        ev("evaluation.scored", "2020-01-05T10:00:00+08:00", unit_id="371302001", period="2019Q4", score=90.0,
           scope="township"),
        ev("evaluation.scored", "2019-10-05T10:00:00+08:00", unit_id="371302", period="2019Q3", score=10.0,
           scope="county"),
    ]  # fmt: skip
    found = await _findings([*sample_events(), *extra], fresh_db, "2019")
    (warned,) = of(found, "ranking.county_warning")
    assert warned["subject"]["id"] == "371311"  # 78.0, the last of Q4 (兰山区's Q3 score does not count)
    assert {f["subject"]["id"] for f in of(found, "ranking.county_statement")} == {"371311", "371312"}
    interviews = of(found, "ranking.township_interview")
    assert {(f["subject"]["id"], f["subject"]["role"]) for f in interviews} == {
        ("P-371312101-005", "party_secretary"),
        ("P-371312101-001", "principal"),
    }


async def test_a_correction_to_three_deaths_makes_the_accident_larger_and_triggers_the_veto(fresh_db: Fresh) -> None:
    """条例 第13条 补报: 2 deaths (一般) corrected to 3 (较大) — 枣庄 六's veto where a policy adopts
    it, against the township and the department supervising the industry; the investigation
    must now be the city's."""
    accident = [
        policy("POL-VETO", "371312", {"veto_grades": ["larger", "major"]}, "2019-10-01T00:00:00+08:00"),
        ev("accident.occurred", "2019-12-10T08:00:00+08:00", accident_id="ACC-GAS", unit_id="91371312MA3J8P6U5F",
           deaths=2, serious_injuries=0, direct_loss_cny=800000, description="燃气爆炸致2人死亡"),
        ev("accident.investigation_opened", "2019-12-11T09:00:00+08:00", accident_id="ACC-GAS", level="county"),
    ]  # fmt: skip
    correction = ev("accident.corrected", "2019-12-20T09:00:00+08:00", accident_id="ACC-GAS", deaths=3,
                    reason="1名重伤人员经抢救无效死亡（补报）")  # fmt: skip
    before = await _findings([*sample_events(), *accident], fresh_db, "2019Q4", scope="371312")
    assert of(before, "veto.accident") == []
    assert of(before, "accident_investigation.level") == []
    after = await _findings([*sample_events(), *accident, correction], fresh_db, "2019Q4", scope="371312")
    vetoes = {f["subject"]["id"]: f for f in of(after, "veto.accident")}
    assert set(vetoes) == {"371312101", "371312-ZJJ"}  # the township, and the 住建局 supervising gas
    assert vetoes["371312101"]["detail"]["grade"] == "larger"
    assert [e["type"] for e in vetoes["371312101"]["evidence"]] == ["accident.occurred", "accident.corrected"]
    (level,) = of(after, "accident_investigation.level")
    assert (level["detail"]["opened_level"], level["detail"]["required_level"]) == ("county", "city")
    assert level["policy"]["national"] is True


async def test_an_investigation_report_overdue_and_its_extension(fresh_db: Fresh) -> None:
    """条例 第29条: 60 days, extendable by at most 60: a report of 2020-01-20 is late without the
    extension and on time with it."""
    extra = [
        ev("accident.occurred", "2019-10-20T08:00:00+08:00", accident_id="ACC-LATE", unit_id=BUILDER, deaths=1,
           serious_injuries=0, direct_loss_cny=100000, description="高处坠落致1人死亡"),
        ev("accident.investigation_opened", "2019-10-21T09:00:00+08:00", accident_id="ACC-LATE", level="county"),
    ]  # fmt: skip
    blamed = [{"holder": "P-7K2Y1B-GM", "responsibility": "management"}]
    concluded = ev("accident.investigation_concluded", "2020-01-20T09:00:00+08:00", accident_id="ACC-LATE",
                   findings="违章作业", responsible=blamed)  # fmt: skip
    found = await _findings([*sample_events(), *extra, concluded], fresh_db, "2019Q4")
    (late,) = of(found, "accident_investigation.report_overdue")
    assert late["detail"]["report_due"] == "2019-12-19T00:00:00.000000Z"
    assert late["detail"]["concluded_at"] == "2020-01-20T01:00:00.000000Z"
    extension = ev("accident.investigation_extended", "2019-12-15T09:00:00+08:00", accident_id="ACC-LATE", days=60,
                   approved_by="371302")  # fmt: skip
    found = await _findings([*sample_events(), *extra, extension, concluded], fresh_db, "2019Q4")
    assert of(found, "accident_investigation.report_overdue") == []


async def test_article_113_counts_administrative_penalties_not_admonitions(fresh_db: Fresh) -> None:
    """安全生产法 第113条: a major hazard and three 行政处罚 in 180 days; 警示 is not one."""

    def sanction(sid: str, day: str, kind: str) -> dict[str, Any]:
        return ev("sanction.imposed", f"{day}T10:00:00+08:00", sanction_id=sid, target="91371302MA3C4R1X0A", kind=kind,
                  basis_refs=["hazard:HZ-2019-0002"], issued_by="371300-YJJ")  # fmt: skip

    two_and_admonition = [sanction("S1", "2019-10-20", "warning"), sanction("S2", "2019-11-01", "fine"),
                          sanction("S3", "2019-11-05", "admonition")]  # fmt: skip
    found = await _findings([*sample_events(), *two_and_admonition], fresh_db, "2019Q4")
    assert of(found, "repeat_penalties.closure") == []
    three = [*two_and_admonition, sanction("S4", "2019-11-06", "warning")]
    found = await _findings([*sample_events(), *three], fresh_db, "2019Q4")
    (closure,) = of(found, "repeat_penalties.closure")
    assert closure["detail"]["penalties"] == ["S1", "S2", "S4"]
    assert closure["detail"]["major_hazards"] == ["HZ-2019-0002"]
    assert closure["policy"]["national"] is True


async def test_the_580_listing_is_the_citys_and_the_collection_the_countys(fresh_db: Fresh) -> None:
    """临沂 二(六)2: HZ-2019-0002 (major) was listed by the city on 10-14 — no listing finding; a
    major hazard reported in November and never listed is the city's; a county that submitted
    nothing by the 25th is the county's."""
    extra = [
        policy("POL-580", "371300", {"cycle_580": {}}, "2019-11-01T00:00:00+08:00", valid_to="2019-12-31T00:00:00Z"),
        ev("hazard.reported", "2019-11-05T10:00:00+08:00", hazard_id="HZ-MAJOR", unit_id=METALS, severity="major",
           description="煤气柜区域未设置报警", source="inspection"),
        ev("report.submitted", "2019-11-20T10:00:00+08:00", report_id="R-LS", kind="half_month_hazard",
           unit_id="371302", period="2019-11-H1"),
    ]  # fmt: skip
    found = await _findings([*sample_events(), *extra], fresh_db, "2019-11")
    (listing,) = of(found, "580.listing")
    assert (listing["subject"]["id"], listing["detail"]["hazard_id"]) == ("371300", "HZ-MAJOR")
    assert listing["detail"]["county"] == "371311"
    assert {f["subject"]["id"] for f in of(found, "580.collection")} == {"371311", "371312"}
    county = await _findings([*sample_events(), *extra], fresh_db, "2019-11", scope="371311")
    assert of(county, "580.listing") == []  # not the county's


async def test_fatal_accident_consequences_where_a_policy_sets_the_days(fresh_db: Fresh) -> None:
    """临汾 三(三)1(7): suspension, the standardization grade, the licence suspended or revoked."""
    extra = [
        policy("POL-LF", "371300", {"fatal_accident_sanctions": {"within_days": 30}}, "2019-10-01T00:00:00+08:00"),
        ev("sanction.imposed", "2019-11-25T10:00:00+08:00", sanction_id="S-REV", target=METALS, kind="license_revoked",
           basis_refs=["accident:ACC-2019-0001"], issued_by="371300-YJJ"),
    ]  # fmt: skip
    found = await _findings([*sample_events(), *extra], fresh_db, "2019Q4")
    assert of(found, "fatal_accident.sanctions") == []  # suspended on 11-22; metallurgy holds no licence of its own
    builder = [
        *extra,
        ev("accident.occurred", "2019-10-10T08:00:00+08:00", accident_id="ACC-B", unit_id=BUILDER, deaths=1,
           serious_injuries=0, direct_loss_cny=50000, description="坍塌致1人死亡"),
        ev("sanction.imposed", "2019-10-12T10:00:00+08:00", sanction_id="S-B", target=BUILDER, kind="suspension",
           basis_refs=["accident:ACC-B"], issued_by="371302"),
    ]  # fmt: skip
    found = await _findings([*sample_events(), *builder], fresh_db, "2019Q4")
    (missing,) = of(found, "fatal_accident.sanctions")
    assert missing["detail"]["missing"] == ["license_suspended_or_revoked"]  # 建筑施工企业安全生产许可证


def test_every_rule_has_its_sentence() -> None:
    for rule in RULES.values():
        assert rule.quote
        assert rule.document
        assert rule.title_zh
