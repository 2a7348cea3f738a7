"""Sanctions, illegal sites, reports and policies."""

from __future__ import annotations

from typing import Any

from ledger.domain.testing import CITY, COUNTY, ENTERPRISE, TOWNSHIP, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed


def imposed(
    target: str = ENTERPRISE, kind: str = "max_fine", refs: list[object] | None = None, **extra: Any
) -> Proposed:
    return proposed(
        "sanction.imposed",
        sanction_id="S1",
        target=target,
        kind=kind,
        basis_refs=refs if refs is not None else [4],
        issued_by=COUNTY,
        **extra,
    )


def test_a_sanction_rests_on_earlier_positions_or_registered_entities() -> None:
    fl = jurisdiction()  # positions 1–7
    fl.post(imposed(refs=[1, f"unit:{ENTERPRISE}", "P2"], amount_cny=500_000))
    assert fl.domain.get("sanction:S1").basis_refs == (1, f"unit:{ENTERPRISE}", "P2")  # type: ignore[union-attr]


def test_a_sanction_needs_a_basis() -> None:
    error = jurisdiction().refuse(imposed(refs=[]))
    assert (error.rule, error.field) == ("schema", "basis_refs")


def test_a_basis_position_must_be_an_earlier_event() -> None:
    fl = jurisdiction()
    assert (fl.refuse(imposed(refs=[0])).rule, fl.refuse(imposed(refs=[0])).field) == (
        "sanction.basis",
        "basis_refs/0",
    )
    assert fl.refuse(imposed(refs=[1, 8])).field == "basis_refs/1"  # 8 is the sanction's own position
    assert fl.refuse(imposed(refs=[True])).rule == "schema"


def test_a_basis_entity_must_be_registered() -> None:
    fl = jurisdiction()
    assert fl.refuse(imposed(refs=["hazard:H404"])).rule == "sanction.basis"
    assert fl.refuse(imposed(refs=["H404"])).field == "basis_refs/0"


def test_the_kind_must_suit_the_target() -> None:
    fl = jurisdiction()
    error = fl.refuse(imposed(target="P2", kind="max_fine"))
    assert (error.rule, error.field) == ("sanction.kind", "kind")
    assert fl.refuse(imposed(target=ENTERPRISE, kind="dismissal")).rule == "sanction.kind"
    assert fl.refuse(imposed(target=TOWNSHIP, kind="closure")).rule == "sanction.kind"
    fl.post(imposed(target=TOWNSHIP, kind="veto"))


def test_the_target_must_be_registered() -> None:
    error = jurisdiction().refuse(imposed(target="X404"))
    assert (error.rule, error.field) == ("registry.unknown", "target")


def test_a_sanction_is_lifted_once_after_it_was_imposed() -> None:
    fl = jurisdiction()
    lifted = proposed("sanction.lifted", sanction_id="S1", reason="整改到位")
    assert fl.refuse(lifted).rule == "registry.unknown"
    fl.post(imposed(kind="suspension", until="2019-12-31T00:00:00+08:00"))
    fl.post(lifted)
    error = fl.refuse(lifted)
    assert (error.rule, error.field) == ("sanction.lifecycle", "sanction_id")


def site(unit_id: str) -> Proposed:
    return proposed("illegal_site.found", site_id="W1", unit_id=unit_id, description="非法加油点", stopped=False)


def test_an_illegal_site_is_found_in_a_township() -> None:
    fl = jurisdiction()
    error = fl.refuse(site(COUNTY))
    assert (error.rule, error.field) == ("illegal_site.township", "unit_id")
    fl.post(site(TOWNSHIP))
    assert fl.refuse(site(TOWNSHIP)).rule == "registry.duplicate"


def test_a_report_names_its_kind_unit_and_period() -> None:
    fl = jurisdiction()
    report = {"report_id": "R1", "unit_id": TOWNSHIP, "period": "2019-10"}
    fl.post(proposed("report.submitted", kind="monthly", **report))
    assert fl.refuse(proposed("report.submitted", kind="gossip", **{**report, "report_id": "R2"})).field == "kind"
    half = {**report, "report_id": "R3", "period": "2019-10-H2"}
    fl.post(proposed("report.submitted", kind="half_month_hazard", **half))


def policy(rules: dict[str, object], **extra: Any) -> Proposed:
    data: dict[str, Any] = {
        "policy_id": "LY-2019-Q4",
        "jurisdiction": CITY,
        "rules": rules,
        "basis": "临应急发〔2019〕119号",
        "valid_from": "2019-10-01T00:00:00+08:00",
        "valid_to": "2020-01-01T00:00:00+08:00",
    }
    data.update(extra)
    return proposed("policy.adopted", **data)


def test_a_policy_with_the_keys_of_spec_6_is_adopted() -> None:
    fl = jurisdiction()
    fl.post(
        policy(
            {
                "accident_report_minutes": {"initial": 20, "written": 60},
                "elevate_general_accidents": True,
                "illegal_sites_dismissal": {"township": 1, "county": 2},
                "veto_grades": ["larger", "major"],
                "monthly_report_kinds": ["township"],
            }
        )
    )
    assert fl.domain.get("policy:LY-2019-Q4").rules["elevate_general_accidents"] is True  # type: ignore[union-attr]


def test_a_policy_refuses_unknown_keys_and_bad_values() -> None:
    fl = jurisdiction()
    error = fl.refuse(policy({"hazard_overdue_days": 3}))
    assert (error.rule, error.field) == ("policy.rules", "rules/hazard_overdue_days")
    assert fl.refuse(policy({"hazard_progress_days": 0})).field == "rules/hazard_progress_days"
    assert fl.refuse(policy({"elevate_general_accidents": "yes"})).rule == "policy.rules"
    assert fl.refuse(policy({"veto_grades": ["worst"]})).field == "rules/veto_grades/0"
    assert fl.refuse(policy({"ranking": {"county_warning": -1}})).field == "rules/ranking/county_warning"
    error = fl.refuse(policy({"accident_report_minutes": {"initial": 90, "written": 60}}))
    assert error.rule == "policy.rules"


def test_a_policy_ends_after_it_starts_and_covers_a_registered_unit() -> None:
    fl = jurisdiction()
    error = fl.refuse(policy({}, valid_to="2019-10-01T00:00:00+08:00"))
    assert (error.rule, error.field) == ("policy.interval", "valid_to")
    error = fl.refuse(policy({}, jurisdiction="999999"))
    assert (error.rule, error.field) == ("registry.unknown", "jurisdiction")


def test_a_policy_needs_a_basis() -> None:
    data = policy({}).data
    del data["basis"]
    error = FakeLedger().refuse(proposed("policy.adopted", **data))
    assert (error.rule, error.field) == ("schema", "basis")
