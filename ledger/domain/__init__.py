"""The domain of the duty and accountability ledger: aggregates and the rules of SPEC §5/§6.

``Domain`` is the appender's ``Decider``; ``SCHEMAS`` declares every event's data fields
(for validation and for the OpenAPI document); ``accident_grade`` derives 条例 第3条's grade.
No I/O happens in this package.
"""

from __future__ import annotations

from ledger.domain.accidents import GRADE_LABELS, GRADES, Accident, accident_grade, grade_label
from ledger.domain.assignments import Assignment
from ledger.domain.base import Entity
from ledger.domain.decider import Domain, DomainDecision
from ledger.domain.enforcement import SANCTION_CLASSES, IllegalSite, Report, Sanction, sanction_class
from ledger.domain.hazards import HAZARD_STATES, Hazard, Inspection
from ledger.domain.policy import (
    BASELINE_RULES,
    LOCAL_KEYS,
    RULE_KEYS,
    AdoptedRules,
    Policy,
    RuleSet,
    resolve_rules,
)
from ledger.domain.rebuild import rebuild
from ledger.domain.rules import RULES
from ledger.domain.schema import POLICY_RULES, SCHEMAS, json_schema
from ledger.domain.units import Person, Unit
from ledger.domain.validate import validate
from ledger.domain.visits import Visit

__all__ = [
    "BASELINE_RULES",
    "GRADES",
    "GRADE_LABELS",
    "HAZARD_STATES",
    "LOCAL_KEYS",
    "POLICY_RULES",
    "RULES",
    "RULE_KEYS",
    "SANCTION_CLASSES",
    "SCHEMAS",
    "Accident",
    "AdoptedRules",
    "Assignment",
    "Domain",
    "DomainDecision",
    "Entity",
    "Hazard",
    "IllegalSite",
    "Inspection",
    "Person",
    "Policy",
    "Report",
    "RuleSet",
    "Sanction",
    "Unit",
    "Visit",
    "accident_grade",
    "grade_label",
    "json_schema",
    "rebuild",
    "resolve_rules",
    "sanction_class",
    "validate",
]
