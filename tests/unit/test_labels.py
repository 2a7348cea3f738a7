"""Every code an official can meet has its Chinese label in the one table (ledger/labels.py)."""

from __future__ import annotations

import pytest

from ledger.catalogue import EVENT_TYPES, STREAM_KINDS
from ledger.domain import GRADES, HAZARD_STATES, enums
from ledger.labels import LABELS, label

VOCABULARIES = {
    "unit_kind": enums.UNIT_KINDS,
    "industry": enums.INDUSTRIES,
    "risk_level": enums.RISK_LEVELS,
    "role": enums.ROLES,
    "hazard_severity": enums.HAZARD_SEVERITIES,
    "hazard_state": HAZARD_STATES,
    "hazard_source": enums.HAZARD_SOURCES,
    "supervision_level": enums.SUPERVISION_LEVELS,
    "inspection_kind": enums.INSPECTION_KINDS,
    "accident_grade": GRADES,
    "report_stage": enums.ACCIDENT_REPORT_STAGES,
    "investigation_level": enums.INVESTIGATION_LEVELS,
    "responsibility": enums.RESPONSIBILITIES,
    "sanction_kind": enums.SANCTION_KINDS,
    "evaluation_scope": enums.EVALUATION_SCOPES,
    "report_kind": enums.REPORT_KINDS,
    "event_type": tuple(EVENT_TYPES),
    "stream_kind": tuple(sorted(STREAM_KINDS)),
}


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_every_code_of_the_domain_has_a_chinese_label(vocabulary: str) -> None:
    """A code without a label would reach an official as English."""
    missing = [code for code in VOCABULARIES[vocabulary] if code not in LABELS[vocabulary]]
    assert missing == []
    assert all(any("\u4e00" <= c <= "\u9fff" for c in text) for text in LABELS[vocabulary].values())


def test_an_unknown_code_keeps_its_code_and_none_stays_none() -> None:
    assert label("role", "territorial") == "属地管理责任人"
    assert label("role", "no_such_role") == "no_such_role"
    assert label("role", None) is None
