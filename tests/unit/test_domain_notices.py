"""The events and roles the notices need, as the documents state them (issue 15, SPEC §5):
党政同责's two heads, 补报 and the regrading it causes, the investigation's extension
(条例 第29条), an illegal site stopped later, a work group's 现场办公, 立查立改, extensions only
before the deadline, 警示 beside 警告. Given events, when a command, then events or an error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ledger.domain import Accident, Hazard, IllegalSite, Visit, sanction_class
from ledger.domain.testing import CITY, COUNTY, ENTERPRISE, TOWNSHIP, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed

ACCIDENT_AT = "2019-11-03T14:05:00+08:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def made(aid: str, role: str, holder: str, valid_from: str = "2019-01-01T00:00:00+08:00", **extra: Any) -> Proposed:
    target = TOWNSHIP
    return proposed(
        "assignment.made", assignment_id=aid, role=role, holder=holder, target=target, valid_from=valid_from, **extra
    )


# --- 党政同责: a party secretary beside the head of government -------------------------------


def with_secretaries() -> FakeLedger:
    return jurisdiction().given(
        proposed("person.registered", person_id="P4", name="赵六", title="党委书记", unit_id=TOWNSHIP),
        proposed("person.registered", person_id="P5", name="钱七", title="党委书记", unit_id=TOWNSHIP),
    )


def test_a_township_has_a_party_secretary_beside_its_head_of_government() -> None:
    """党政同责: ``principal`` (镇长) and ``party_secretary`` (党委书记) are two duties, held together."""
    fl = with_secretaries()
    fl.post(made("A-HEAD", "principal", "P1"), made("A-SEC", "party_secretary", "P4"))
    assert fl.domain.get("assignment:A-SEC").role == "party_secretary"  # type: ignore[union-attr]


def test_one_party_secretary_at_a_time() -> None:
    """Like ``principal``, the party secretary is exclusive per target: a second one is refused
    unless it supersedes the first."""
    fl = with_secretaries().given(made("A-SEC", "party_secretary", "P4"))
    error = fl.refuse(made("A-SEC-2", "party_secretary", "P5", valid_from="2019-06-01T00:00:00+08:00"))
    assert (error.rule, error.field) == ("assignment.exclusive", "valid_from")
    fl.post(made("A-SEC-2", "party_secretary", "P5", valid_from="2019-06-01T00:00:00+08:00", supersedes="A-SEC"))


# --- 补报 (条例 第13条): the figures and the grade in valid time -------------------------------


def accident(deaths: int = 2, injuries: int = 1, loss: float = 4_200_000) -> Proposed:
    return proposed(
        "accident.occurred",
        ACCIDENT_AT,
        accident_id="AC1",
        unit_id=ENTERPRISE,
        deaths=deaths,
        serious_injuries=injuries,
        direct_loss_cny=loss,
        description="储罐爆炸",
    )


def corrected(occurred_at: str = "2019-11-10T09:00:00+08:00", **figures: object) -> Proposed:
    return proposed("accident.corrected", occurred_at, accident_id="AC1", reason="伤者抢救无效死亡，补报", **figures)


def test_a_correction_from_2_to_3_deaths_regrades_the_accident_in_valid_time() -> None:
    """An accident of 2 deaths is 一般; a third death on the 7th day makes it 较大 from then on,
    and the accident keeps both sets of figures with their times."""
    fl = jurisdiction().given(accident())
    fl.post(corrected(deaths=3))
    acc = fl.domain.get("accident:AC1")
    assert isinstance(acc, Accident)
    assert (acc.deaths, acc.serious_injuries, acc.grade, acc.grade_label) == (3, 1, "larger", "较大")
    assert acc.grade_at(at("2019-11-05T00:00:00+08:00")) == "general"
    assert acc.grade_at(at("2019-11-10T09:00:00+08:00")) == "larger"
    assert [(f[1], f[4]) for f in acc.figures] == [(2, "general"), (3, "larger")]
    assert fl.replayed().snapshot() == fl.domain.snapshot() == fl.replayed(library=True).snapshot()


def test_a_correction_may_lower_the_figures_and_the_grade() -> None:
    fl = jurisdiction().given(accident(deaths=3))
    fl.post(corrected(deaths=2))
    assert fl.domain.get("accident:AC1").grade == "general"  # type: ignore[union-attr]


def test_a_correction_cannot_post_a_grade_or_change_nothing() -> None:
    fl = jurisdiction().given(accident())
    assert (fl.refuse(corrected(deaths=3, grade="larger")).rule) == "accident.grade"
    error = fl.refuse(corrected(deaths=2, serious_injuries=1))
    assert (error.rule, error.field) == ("accident.correction", "reason")
    assert fl.refuse(corrected()).rule == "accident.correction"  # no figure at all


def test_corrections_follow_the_accident_and_each_other_in_valid_time() -> None:
    fl = jurisdiction().given(accident())
    assert fl.refuse(corrected("2019-11-03T14:00:00+08:00", deaths=3)).rule == "accident.correction"
    fl.post(corrected("2019-11-10T09:00:00+08:00", deaths=3))
    assert fl.refuse(corrected("2019-11-08T09:00:00+08:00", deaths=4)).rule == "accident.correction"
    fl.post(corrected("2019-11-12T09:00:00+08:00", deaths=4))


def test_casualties_change_by_a_correction_within_30_days_of_the_accident_only() -> None:
    """条例 第13条: 自事故发生之日起30日内，伤亡人数发生变化的，应当及时补报 — a death on the 31st
    day does not regrade the accident; the direct loss may still be corrected."""
    fl = jurisdiction().given(accident())
    error = fl.refuse(corrected("2019-12-04T09:00:00+08:00", deaths=3))
    assert (error.rule, error.field) == ("accident.correction", "deaths")
    fl.post(corrected("2019-12-20T09:00:00+08:00", direct_loss_cny=12_000_000))
    assert fl.domain.get("accident:AC1").grade == "larger"  # type: ignore[union-attr]


def test_a_correction_needs_the_accident() -> None:
    assert jurisdiction().refuse(corrected(deaths=3)).rule == "registry.unknown"


# --- 条例 第29条: the investigation report's extension ------------------------------------------


def opened() -> Proposed:
    return proposed("accident.investigation_opened", "2019-11-04T09:00:00+08:00", accident_id="AC1", level="county")


def extended(days: int, occurred_at: str = "2019-12-20T09:00:00+08:00") -> Proposed:
    return proposed("accident.investigation_extended", occurred_at, accident_id="AC1", days=days, approved_by=COUNTY)


def test_an_extension_needs_an_open_investigation() -> None:
    fl = jurisdiction().given(accident())
    error = fl.refuse(extended(30))
    assert (error.rule, error.field) == ("accident.investigation", "accident_id")
    fl.post(opened(), extended(30))
    assert fl.domain.get("accident:AC1").extension_days == 30  # type: ignore[union-attr]
    fl.post(proposed("accident.investigation_concluded", accident_id="AC1", findings="责任事故", responsible=[]))
    assert fl.refuse(extended(10)).rule == "accident.investigation"


def test_extensions_add_up_to_60_days_at_most() -> None:
    """延长的期限最长不超过60日: the article caps the extension, not the number of approvals."""
    fl = jurisdiction().given(accident(), opened(), extended(30), extended(30, "2020-01-25T09:00:00+08:00"))
    error = fl.refuse(extended(1, "2020-02-01T09:00:00+08:00"))
    assert (error.rule, error.field) == ("accident.investigation_extension", "days")
    assert fl.refuse(extended(61)).rule == "schema"
    assert fl.refuse(extended(0)).rule == "schema"


def test_an_extension_is_approved_before_the_report_is_due() -> None:
    """The report is due 60 days after the accident (2020-01-02 14:05 here); an extension
    approved after that is refused."""
    fl = jurisdiction().given(accident(), opened())
    error = fl.refuse(extended(30, "2020-01-02T14:06:00+08:00"))
    assert (error.rule, error.field) == ("accident.investigation_extension", "accident_id")
    fl.post(extended(30, "2020-01-02T14:05:00+08:00"))
    assert fl.domain.get("accident:AC1").report_due() == at("2020-02-01T14:05:00+08:00")  # type: ignore[union-attr]


# --- 非法窝点: a site stopped later ---------------------------------------------------------


def site(stopped: bool) -> Proposed:
    return proposed(
        "illegal_site.found",
        "2019-11-08T10:00:00+08:00",
        site_id="W1",
        unit_id=TOWNSHIP,
        description="无证非法加工烟花爆竹窝点",
        stopped=stopped,
    )


def stopped(occurred_at: str = "2019-11-09T10:00:00+08:00") -> Proposed:
    return proposed("illegal_site.stopped", occurred_at, site_id="W1", by="P1", measures="查封设备，清除原料")


def test_a_site_found_not_stopped_can_be_stopped_later_and_counts_as_stopped_from_then() -> None:
    fl = jurisdiction().given(site(stopped=False))
    fl.post(stopped())
    found = fl.domain.get("illegal_site:W1")
    assert isinstance(found, IllegalSite)
    assert (found.stopped, found.stopped_at, found.stopped_by) == (True, "2019-11-09T10:00:00+08:00", "P1")


def test_a_site_is_stopped_once() -> None:
    fl = jurisdiction().given(site(stopped=False), stopped())
    assert (fl.refuse(stopped()).rule, fl.refuse(stopped()).field) == ("illegal_site.stopped", "site_id")
    fl2 = jurisdiction().given(site(stopped=True))
    assert fl2.refuse(stopped()).rule == "illegal_site.stopped"


def test_a_site_is_not_stopped_before_it_was_found_nor_by_nobody() -> None:
    fl = jurisdiction().given(site(stopped=False))
    assert fl.refuse(stopped("2019-11-07T10:00:00+08:00")).rule == "illegal_site.stopped"
    ghost = proposed("illegal_site.stopped", site_id="W1", by="X404", measures="m")
    assert (fl.refuse(ghost).rule, fl.refuse(ghost).field) == ("registry.unknown", "by")


# --- 现场办公: a work group's visit ------------------------------------------------------------

GROUP = "371300-DD1"


def with_group() -> FakeLedger:
    return jurisdiction().given(
        proposed("unit.registered", unit_id=GROUP, kind="work_group", name="包县区督导工作组一组", parent_id=CITY),
        proposed(
            "unit.registered", unit_id=f"{COUNTY}-YJJ", kind="department", name="兰山区应急管理局", parent_id=COUNTY
        ),
    )


def visit(holder: str = GROUP, target: str = COUNTY, purpose: str = "on_site_office", **extra: Any) -> Proposed:
    return proposed(
        "visit.made", "2019-10-24T09:30:00+08:00", visit_id="V1", holder=holder, target=target, purpose=purpose, **extra
    )


def test_a_work_group_makes_an_on_site_office_visit_to_a_county_it_covers() -> None:
    """现场办公 is its own event on its own stream (``visit:V1``), not an enterprise inspection."""
    fl = with_group()
    [stored] = fl.post(visit(participants=["P1"], note="协调解决隐患整改资金问题"))
    assert stored.stream == "visit:V1"
    found = fl.domain.get("visit:V1")
    assert isinstance(found, Visit)
    assert (found.holder, found.target, found.purpose, found.participants) == (GROUP, COUNTY, "on_site_office", ("P1",))
    assert fl.refuse(visit()).rule == "registry.duplicate"


def test_a_person_may_make_a_visit_too() -> None:
    with_group().post(visit(holder="P1", target=TOWNSHIP, purpose="covert"))


def test_a_visit_is_made_by_a_person_or_a_work_group_to_a_division_or_body() -> None:
    fl = with_group()
    error = fl.refuse(visit(holder=f"{COUNTY}-YJJ"))
    assert (error.rule, error.field) == ("visit.holder", "holder")
    error = fl.refuse(visit(target=ENTERPRISE))
    assert (error.rule, error.field) == ("visit.target", "target")
    assert fl.refuse(visit(purpose="inspection")).rule == "schema"
    assert fl.refuse(visit(target="X404")).rule == "registry.unknown"


# --- 立查立改 and extensions -------------------------------------------------------------------


def hazard(severity: str = "general", occurred_at: str = "2019-10-12T10:00:00+08:00") -> Proposed:
    return proposed(
        "hazard.reported",
        occurred_at,
        hazard_id="H1",
        unit_id=ENTERPRISE,
        severity=severity,
        description="灭火器过期未更换",
        source="inspection",
    )


def rectified(occurred_at: str = "2019-10-12T11:00:00+08:00", **extra: Any) -> Proposed:
    return proposed("hazard.rectified", occurred_at, hazard_id="H1", by="P2", measures="当场更换灭火器", **extra)


def test_a_general_hazard_rectified_on_the_spot_needs_no_hand_over() -> None:
    """枣庄 五: 能立即整改的一律现场整改 — reported → rectified (on the spot) → verified → closed."""
    fl = jurisdiction().given(hazard())
    fl.post(rectified(on_the_spot=True))
    found = fl.domain.get("hazard:H1")
    assert isinstance(found, Hazard)
    assert (found.state, found.rectified_on_the_spot, found.deadline) == ("rectified", True, None)
    fl.post(
        proposed("hazard.verified", hazard_id="H1", verifier="P1", passed=True, note="现场复查合格"),
        proposed("hazard.closed", hazard_id="H1"),
    )


def test_without_on_the_spot_a_hazard_is_handed_over_first() -> None:
    error = jurisdiction().given(hazard()).refuse(rectified())
    assert (error.rule, error.field) == ("hazard.lifecycle", "hazard_id")
    assert "on_the_spot" in str(error)


def test_on_the_spot_means_the_day_it_was_found_a_general_hazard_and_no_hand_over() -> None:
    fl = jurisdiction().given(hazard())
    error = fl.refuse(rectified("2019-10-13T09:00:00+08:00", on_the_spot=True))
    assert (error.rule, error.field) == ("hazard.on_the_spot", "on_the_spot")
    assert jurisdiction().given(hazard("major")).refuse(rectified(on_the_spot=True)).rule == "hazard.on_the_spot"
    fl.post(proposed("hazard.assigned", hazard_id="H1", responsible="P2", deadline="2019-10-19T18:00:00+08:00"))
    assert fl.refuse(rectified(on_the_spot=True)).rule == "hazard.on_the_spot"
    fl.post(rectified("2019-10-15T09:00:00+08:00", on_the_spot=False))


def test_a_day_is_a_day_in_beijing_time() -> None:
    """Found at 23:30 Beijing time and fixed at 00:10 the next day is not the same day, though
    both fall on the same UTC date."""
    fl = jurisdiction().given(hazard(occurred_at="2019-10-12T23:30:00+08:00"))
    assert fl.refuse(rectified("2019-10-13T00:10:00+08:00", on_the_spot=True)).rule == "hazard.on_the_spot"
    fl.post(rectified("2019-10-12T15:50:00Z", on_the_spot=True))  # 23:50 in Beijing, the same day


def assigned(deadline: str = "2019-10-19T18:00:00+08:00") -> Proposed:
    return proposed("hazard.assigned", "2019-10-12T15:00:00+08:00", hazard_id="H1", responsible="P2", deadline=deadline)


def extension(occurred_at: str, deadline: str = "2019-11-19T18:00:00+08:00") -> Proposed:
    data = {"hazard_id": "H1", "deadline": deadline, "approved_by": "P1", "reason": "设备供货延迟"}
    return proposed("hazard.deadline_extended", occurred_at, **data)


def test_an_extension_is_granted_before_the_deadline_passes() -> None:
    """An extension dated after the deadline is refused: the hazard was overdue by then (it
    may be handed over again after a failed verification, with a new deadline)."""
    fl = jurisdiction().given(hazard(), assigned())
    error = fl.refuse(extension("2019-10-19T18:01:00+08:00"))
    assert (error.rule, error.field) == ("hazard.extension", "deadline")
    fl.post(extension("2019-10-19T18:00:00+08:00"))
    assert fl.domain.get("hazard:H1").deadline == "2019-11-19T18:00:00+08:00"  # type: ignore[union-attr]


# --- 警示 and 警告; 行政处罚 and 问责 ------------------------------------------------------------


def sanction(target: str, kind: str) -> Proposed:
    return proposed(
        "sanction.imposed", sanction_id=f"S-{target}-{kind}", target=target, kind=kind, basis_refs=[1], issued_by=CITY
    )


def test_an_admonition_is_not_a_warning() -> None:
    """临沂 二(一)3: the bottom county is 警示'd; 警示 may also be given to an enterprise (二(六)2);
    only 警告 on an enterprise is an administrative penalty."""
    fl = jurisdiction()
    fl.post(sanction(COUNTY, "admonition"), sanction(ENTERPRISE, "admonition"), sanction(ENTERPRISE, "warning"))
    assert sanction_class("admonition", on_enterprise=True) == "regulatory_measure"
    assert sanction_class("warning", on_enterprise=True) == "administrative_penalty"
    assert sanction_class("warning", on_enterprise=False) == "accountability"
    assert sanction_class("criminal_referral", on_enterprise=False) == "criminal_referral"


@pytest.mark.parametrize("kind", ["fine", "max_fine", "suspension", "closure", "license_suspended", "license_revoked"])
def test_the_penalties_on_an_enterprise_are_administrative_penalties(kind: str) -> None:
    assert sanction_class(kind, on_enterprise=True) == "administrative_penalty"


@pytest.mark.parametrize("kind", ["interview", "blacklist", "standardization_revoked"])
def test_interviews_blacklists_and_grades_are_not(kind: str) -> None:
    assert sanction_class(kind, on_enterprise=True) == "regulatory_measure"


def test_a_hazard_fixed_on_the_spot_that_fails_verification_is_handed_over_with_a_deadline() -> None:
    fl = jurisdiction().given(hazard(), rectified(on_the_spot=True))
    fl.post(proposed("hazard.verified", hazard_id="H1", verifier="P1", passed=False, note="不合格"))
    error = fl.refuse(extension("2019-10-12T16:00:00+08:00"))
    assert (error.rule, error.field) == ("hazard.lifecycle", "hazard_id")
    fl.post(assigned())
