"""Every code an official can meet has its Chinese label in the one table (ledger/labels.py)."""

from __future__ import annotations

import pytest

from ledger.catalogue import EVENT_TYPES, STREAM_KINDS
from ledger.domain import GRADES, HAZARD_STATES, SANCTION_CLASSES, enums
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
    "sanction_class": SANCTION_CLASSES,
    "closure_reason": enums.UNIT_CLOSURE_REASONS,
    "visit_purpose": enums.VISIT_PURPOSES,
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


def test_penalties_on_enterprises_are_labelled_administrative_and_accountability_is_for_officials() -> None:
    """问责 is for officials; a fine or a 警告 on an enterprise is a 行政处罚, a 警示 is neither."""
    from ledger.domain import sanction_class

    def said(kind: str, on_enterprise: bool) -> str | None:
        return label("sanction_class", sanction_class(kind, on_enterprise))

    assert said("fine", True) == said("warning", True) == said("suspension", True) == "行政处罚"
    assert said("admonition", True) == said("interview", True) == "监管措施"
    assert said("warning", False) == said("dismissal", False) == "问责"
    assert label("sanction_kind", "admonition") == "警示" != label("sanction_kind", "warning")
    assert "问责" not in LABELS["event_type"]["sanction.imposed"]  # it may be a fine on an enterprise
    assert "注销" not in LABELS["event_type"]["unit.closed"]
    assert label("closure_reason", "shut_down") == "关闭取缔" != label("closure_reason", "deregistered")
