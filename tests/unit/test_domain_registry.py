"""Registry rules: ids must be registered in the log, never twice; closed units; departed people."""

from __future__ import annotations

from ledger.domain.testing import CITY, COUNTY, ENTERPRISE, TOWNSHIP, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed
from ledger.errors import DomainRefused

CITY, COUNTY, TOWN, ENT = CITY, COUNTY, TOWNSHIP, ENTERPRISE


def base() -> FakeLedger:
    return jurisdiction()


def refusal(ledger: FakeLedger, *events: Proposed) -> DomainRefused:
    return ledger.refuse(*events)


def test_a_unit_registered_twice_is_refused() -> None:
    error = refusal(base(), proposed("unit.registered", unit_id=TOWN, kind="township", name="x"))
    assert (error.rule, error.field) == ("registry.duplicate", "unit_id")


def test_a_parent_must_be_registered() -> None:
    error = refusal(base(), proposed("unit.registered", unit_id="X", kind="township", name="x", parent_id="nope"))
    assert (error.rule, error.field) == ("registry.unknown", "parent_id")


def test_a_back_dated_parent_registration_is_enough() -> None:
    """Existence in the log counts, not valid time: a parent registered later in valid time is fine."""
    ledger = base()
    ledger.post(proposed("unit.registered", "2030-01-01T00:00:00+08:00", unit_id="P", kind="city", name="p"))
    ledger.post(
        proposed(
            "unit.registered",
            "2001-01-01T00:00:00+08:00",
            unit_id="C",
            kind="county",
            name="c",
            parent_id="P",
        )
    )
    assert ledger.domain.get("unit:C") is not None


def test_a_change_to_an_unregistered_entity_is_refused() -> None:
    error = refusal(base(), proposed("unit.closed", unit_id="ghost", reason="shut_down"))
    assert (error.rule, error.field) == ("registry.unknown", "unit_id")


def test_a_person_must_belong_to_a_registered_unit() -> None:
    error = refusal(base(), proposed("person.registered", person_id="P9", name="李四", title="科员", unit_id="zz"))
    assert (error.rule, error.field) == ("registry.unknown", "unit_id")


def test_unit_update_refuses_a_parent_cycle() -> None:
    error = refusal(base(), proposed("unit.updated", unit_id=CITY, changes={"parent_id": TOWN}))
    assert (error.rule, error.field) == ("unit.parent", "changes/parent_id")


def test_unit_update_applies_the_changes() -> None:
    ledger = base()
    ledger.post(proposed("unit.updated", unit_id=ENT, changes={"risk_level": "red"}, reason="复评"))
    assert ledger.domain.get(f"unit:{ENT}").risk_level == "red"  # type: ignore[union-attr]


def test_a_unit_cannot_be_closed_twice() -> None:
    ledger = base()
    ledger.post(proposed("unit.closed", unit_id=ENT, reason="shut_down"))
    error = refusal(ledger, proposed("unit.closed", unit_id=ENT, reason="shut_down"))
    assert (error.rule, error.field) == ("unit.lifecycle", "unit_id")


def closed_enterprise() -> FakeLedger:
    ledger = base()
    ledger.post(proposed("unit.closed", "2019-10-10T00:00:00+08:00", unit_id=ENT, reason="shut_down"))
    return ledger


def hazard_at(when: str) -> Proposed:
    return proposed(
        "hazard.reported",
        when,
        hazard_id="H1",
        unit_id=ENT,
        severity="general",
        description="d",
        source="self_check",
    )


def test_a_closed_unit_takes_no_new_hazard_after_its_closure() -> None:
    error = refusal(closed_enterprise(), hazard_at("2019-10-11T00:00:00+08:00"))
    assert (error.rule, error.field) == ("unit.closed", "unit_id")


def test_a_closed_unit_takes_a_back_dated_hazard() -> None:
    ledger = closed_enterprise()
    ledger.post(hazard_at("2019-10-09T00:00:00+08:00"))


def test_a_closed_unit_takes_no_new_inspection_or_assignment() -> None:
    ledger = closed_enterprise()
    late = "2019-10-11T00:00:00+08:00"
    inspection = proposed(
        "inspection.conducted",
        late,
        inspection_id="I1",
        unit_id=ENT,
        kind="covert",
        inspectors=["P1"],
        result="r",
    )
    assert refusal(ledger, inspection).rule == "unit.closed"
    made = proposed(
        "assignment.made",
        late,
        assignment_id="A1",
        role="territorial",
        holder="P1",
        target=ENT,
        valid_from=late,
    )
    assert (refusal(ledger, made).rule, refusal(ledger, made).field) == ("unit.closed", "target")
    early_but_starting_late = proposed(
        "assignment.made",
        "2019-10-01T00:00:00+08:00",
        assignment_id="A1",
        role="territorial",
        holder="P1",
        target=ENT,
        valid_from=late,
    )
    assert refusal(ledger, early_but_starting_late).field == "valid_from"


def test_a_person_departs_once() -> None:
    ledger = base()
    ledger.post(proposed("person.departed", person_id="P1", reason="调离"))
    assert refusal(ledger, proposed("person.departed", person_id="P1")).rule == "person.lifecycle"


def test_exam_and_evaluation_live_on_registered_streams() -> None:
    ledger = base()
    ledger.post(proposed("exam.taken", person_id="P1", subject="安全生产知识", score=58, passed=False))
    ledger.post(proposed("evaluation.scored", unit_id=TOWN, period="2019Q4", score=87.5, scope="township"))
    assert ledger.domain.get("person:P1").exams[0][2] is False  # type: ignore[union-attr]
    assert refusal(ledger, proposed("exam.taken", person_id="P9", subject="s", score=1, passed=True)).rule == (
        "registry.unknown"
    )


def test_an_evaluation_scope_must_fit_the_unit_kind() -> None:
    error = refusal(base(), proposed("evaluation.scored", unit_id=TOWN, period="2019Q4", score=80, scope="county"))
    assert (error.rule, error.field) == ("evaluation.scope", "scope")
    error = refusal(base(), proposed("evaluation.scored", unit_id=TOWN, period="Q4", score=80, scope="township"))
    assert (error.rule, error.field) == ("schema", "period")
