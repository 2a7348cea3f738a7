"""Which rule is in force where several policies cover a place (SPEC §6, ``resolve_rules``):
the national baseline everywhere; a local key only where a policy sets it; the smaller
jurisdiction, then the later ``valid_from``, wins; a key given in part takes the rest from
the policy it overrides, else from the notice that defines it — the notice's own numbers,
which the ready policies state."""

from __future__ import annotations

from typing import Any

from ledger.domain.policy import BASELINE_RULES, LOCAL_KEYS, NOTICE_PARTS, AdoptedRules, resolve_rules
from ledger.policies import READY


def adopted(policy_id: str, rules: dict[str, Any]) -> AdoptedRules:
    return AdoptedRules(policy_id, f"{policy_id}号", rules)


def test_without_a_policy_only_the_national_baseline_is_in_force() -> None:
    rules = resolve_rules([])
    assert dict(rules.values) == BASELINE_RULES
    assert all(rules.get(key) is None for key in LOCAL_KEYS)
    source = rules.source("accident_report_minutes")
    assert source["national"] is True
    assert source["basis"] == "《生产安全事故报告和调查处理条例》（国务院令第493号）第九条"


def test_the_later_policy_in_the_order_given_wins_and_tightens_the_baseline() -> None:
    """The caller orders widest jurisdiction first, then by valid_from: the last decides."""
    city = adopted("POL-CITY", {"accident_report_minutes": {"initial": 30}, "covering_visit_days": 7})
    county = adopted("POL-COUNTY", {"accident_report_minutes": {"initial": 20, "written": 60}})
    rules = resolve_rules([city, county])
    assert rules.get("accident_report_minutes") == {"initial": 20, "written": 60}
    assert rules.source("accident_report_minutes")["policy_id"] == "POL-COUNTY"
    assert rules.get("covering_visit_days") == 7
    assert rules.source("covering_visit_days")["policy_id"] == "POL-CITY"
    assert rules.get("escalation_minutes") == 120  # untouched: the national text
    assert rules.source("escalation_minutes")["national"] is True


def test_a_key_given_in_part_inherits_the_rest_else_takes_the_notice_s_numbers() -> None:
    province = adopted("POL-PROVINCE", {"illegal_sites_dismissal": {"township": 2, "county": 5}})
    township = adopted("POL-TOWNSHIP", {"illegal_sites_dismissal": {"township": 1}})
    assert resolve_rules([province, township]).get("illegal_sites_dismissal") == {"township": 1, "county": 5}
    alone = resolve_rules([township])
    assert alone.get("illegal_sites_dismissal") == {"township": 1, "county": 2}  # 临沂 二(四): 2 in a county
    assert resolve_rules([adopted("POL-580", {"cycle_580": {}})]).get("cycle_580") == NOTICE_PARTS["cycle_580"]


def test_a_monthly_report_key_brings_its_companion_from_the_notice() -> None:
    """枣庄: 请各街道、区各部门于每月1日前 — the day and the kinds of unit come together."""
    day_only = resolve_rules([adopted("POL-DAY", {"monthly_report_day": 3})])
    assert (day_only.get("monthly_report_day"), day_only.get("monthly_report_kinds")) == (3, ["township", "department"])
    kinds_only = resolve_rules([adopted("POL-KINDS", {"monthly_report_kinds": ["township"]})])
    assert (kinds_only.get("monthly_report_day"), kinds_only.get("monthly_report_kinds")) == (1, ["township"])


def test_a_key_this_version_does_not_know_judges_nothing() -> None:
    rules = resolve_rules([adopted("POL-NEWER", {"hazard_photo_days": 3, "veto_grades": ["major"]})])
    assert rules.get("hazard_photo_days") is None
    assert rules.get("veto_grades") == ["major"]


def test_the_notice_s_numbers_are_the_ready_policies() -> None:
    """NOTICE_PARTS fills what a partial key leaves out with what the notice itself says: the
    same numbers as the policy document of that notice."""
    setting = {key: policy for policy in READY.values() for key in policy.rules}
    for key, parts in NOTICE_PARTS.items():
        stated = setting[key].rules[key]
        assert {part: stated[part] for part in parts} == parts, key
    zaozhuang = READY["POL-370400-GXQ-2021-9"].rules
    companions = resolve_rules([adopted("POL-DAY", {"monthly_report_day": zaozhuang["monthly_report_day"]})])
    assert companions.get("monthly_report_kinds") == zaozhuang["monthly_report_kinds"]
