"""Policies: the deadlines and thresholds of SPEC §6 as data, adopted per jurisdiction.

The value types of ``rules`` are declared in ``schema.POLICY_RULES`` (errors there carry
the ``policy.rules`` slug); this module adds what a schema cannot say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.rules import rule
from ledger.domain.state import View
from ledger.errors import DomainRefused

__all__ = [
    "BASELINE_KEYS",
    "BASELINE_RULES",
    "BASELINE_SOURCES",
    "LOCAL_KEYS",
    "NOTICE_PARTS",
    "RULE_KEYS",
    "AdoptedRules",
    "Policy",
    "RuleSet",
    "resolve_rules",
]

#: SPEC §6, the national baseline: in force everywhere, always (a policy may tighten it)
BASELINE_RULES: Final[dict[str, Any]] = {
    "accident_report_minutes": {"initial": 60},
    "escalation_minutes": 120,
    "investigation_report_days": 60,
    "repeat_penalties": {"in_180_days": 3, "in_365_days": 4},
}
#: the national text each baseline key rests on
BASELINE_SOURCES: Final[dict[str, str]] = {
    "accident_report_minutes": "《生产安全事故报告和调查处理条例》（国务院令第493号）第九条",
    "escalation_minutes": "《生产安全事故报告和调查处理条例》（国务院令第493号）第十条、第十一条",
    "investigation_report_days": "《生产安全事故报告和调查处理条例》（国务院令第493号）第二十九条",
    "repeat_penalties": "《中华人民共和国安全生产法》（2021年修正）第一百一十三条",
    # baseline rules with no number to adopt
    "investigation_level": "《生产安全事故报告和调查处理条例》（国务院令第493号）第十九条",
    "hazard_deadline": "《安全生产事故隐患排查治理暂行规定》（国家安全监管总局令第16号）第二十条",
}
BASELINE_KEYS: Final = frozenset(BASELINE_RULES)
#: the local rules: off everywhere unless a policy in force at the place and time sets them
LOCAL_KEYS: Final = frozenset(
    {
        "hazard_progress_days",
        "monthly_report_day",
        "monthly_report_kinds",
        "veto_grades",
        "elevate_general_accidents",
        "major_hazard_requires_suspension",
        "principal_inspection_days",
        "illegal_sites_dismissal",
        "exam_failure_removal",
        "ranking",
        "cycle_580",
        "covering_visit_days",
        "fatal_accident_sanctions",
    }
)
RULE_KEYS: Final = BASELINE_KEYS | LOCAL_KEYS
#: an object-valued key given in part takes the rest from what it inherits, else from the
#: notice that defines it (SPEC §6, the values in brackets)
NOTICE_PARTS: Final[dict[str, dict[str, Any]]] = {
    "illegal_sites_dismissal": {"township": 1, "county": 2},
    "ranking": {"county_warning": 1, "county_statement": 2, "township_interview": 10},
    "cycle_580": {"collect_day": 25, "consult_day": 28, "listing_day": 30},
    "fatal_accident_sanctions": {
        "kinds": ["suspension", "standardization_revoked", "license_suspended", "license_revoked"],
    },
}
#: keys that come as a pair: setting one switches on the other with the notice's value
_COMPANIONS: Final[dict[str, tuple[str, Any]]] = {
    "monthly_report_day": ("monthly_report_kinds", ["township", "department"]),
    "monthly_report_kinds": ("monthly_report_day", 1),
}


@dataclass(frozen=True)
class AdoptedRules:
    """One policy in force, as the resolution needs it."""

    policy_id: str
    basis: str
    rules: Mapping[str, Any]
    name: str | None = None


@dataclass(frozen=True)
class RuleSet:
    """The rules in force at one place and time: each key's value, and who set it.

    ``values`` holds every baseline key and the local keys some policy switched on (a
    local key absent from it is off). ``set_by[key]`` is the policy that decided the key,
    None for the national baseline."""

    values: Mapping[str, Any]
    set_by: Mapping[str, AdoptedRules | None]
    in_force: tuple[AdoptedRules, ...] = ()

    def get(self, key: str) -> Any:
        """The key's value, or None when the rule is off here."""
        return self.values.get(key)

    def source(self, key: str) -> dict[str, Any]:
        """How an answer names what a key was judged by: the policy and its document, or
        the national text of the baseline."""
        policy = self.set_by.get(key)
        if policy is not None:
            return {"policy_id": policy.policy_id, "basis": policy.basis, "name": policy.name, "national": False}
        return {"policy_id": None, "basis": BASELINE_SOURCES.get(key), "name": None, "national": True}


def resolve_rules(policies: Sequence[AdoptedRules]) -> RuleSet:
    """Fold the policies in force at a place and time into one ``RuleSet``.

    ``policies`` come widest jurisdiction first, then by ``valid_from`` (SPEC §6: the
    smaller jurisdiction wins, then the later ``valid_from``), so that each one overrides
    the keys it sets. An object-valued key given in part keeps the parts it does not give
    from what it inherits, else from the notice (``NOTICE_PARTS``)."""
    values: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASELINE_RULES.items()}
    set_by: dict[str, AdoptedRules | None] = dict.fromkeys(BASELINE_RULES)
    for policy in policies:
        for key, value in policy.rules.items():
            if key not in RULE_KEYS:
                continue  # a key this version does not know (a newer ledger's): judged by nothing
            if isinstance(value, dict):
                inherited = values.get(key)
                base = inherited if isinstance(inherited, dict) else NOTICE_PARTS.get(key, {})
                value = {**base, **value}
            values[key] = value
            set_by[key] = policy
            companion = _COMPANIONS.get(key)
            if companion is not None and companion[0] not in values:
                values[companion[0]] = companion[1]
                set_by[companion[0]] = policy
    return RuleSet(values, set_by, tuple(policies))


class Policy(Entity):
    @event("Adopted")
    def __init__(
        self,
        stream: str,
        jurisdiction: str,
        rules: dict[str, Any],
        basis: str,
        valid_from: str,
        valid_to: str | None = None,
        name: str | None = None,
    ) -> None:
        self.stream = stream
        self.jurisdiction = jurisdiction
        self.rules = rules
        self.basis = basis
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.name = name


def _check_interval(data: dict[str, Any]) -> None:
    valid_to = data.get("valid_to")
    if valid_to is not None and to_datetime(valid_to) <= to_datetime(data["valid_from"]):
        raise DomainRefused(
            "policy.interval",
            f"a policy must end after it starts: valid_to {valid_to} is not after valid_from {data['valid_from']}",
            field="valid_to",
        )


def _check_minutes(rules: dict[str, Any]) -> None:
    minutes = rules.get("accident_report_minutes")
    if not minutes:
        return
    given = [minutes[s] for s in ("initial", "written", "detailed") if s in minutes]
    if given != sorted(given):
        raise DomainRefused(
            "policy.rules",
            "rules/accident_report_minutes: the initial, written and detailed reports must be due in that order",
            field="rules/accident_report_minutes",
        )


def _check_repeat_penalties(rules: dict[str, Any]) -> None:
    counts = rules.get("repeat_penalties") or {}
    half, year = counts.get("in_180_days"), counts.get("in_365_days")
    if half is not None and year is not None and year < half:
        raise DomainRefused(
            "policy.rules",
            "rules/repeat_penalties: a year cannot need fewer penalties than 180 days",
            field="rules/repeat_penalties",
        )


@rule("policy.adopted", Policy, "__init__")
def _adopted(view: View, fact: Fact, agg: Entity | None) -> None:
    _check_interval(fact.data)
    _check_minutes(fact.data["rules"])
    _check_repeat_penalties(fact.data["rules"])
