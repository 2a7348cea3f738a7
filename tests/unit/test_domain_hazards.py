"""Hazard lifecycle (入库 → 交办 → 整改 → 验收 → 销号) and inspections."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain import Hazard
from ledger.domain.testing import ENTERPRISE, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed

DEADLINE = "2019-10-20T00:00:00+08:00"


def hz(event_type: str, **data: Any) -> Proposed:
    return proposed(event_type, hazard_id="H1", **data)


REPORTED = hz(
    "hazard.reported",
    unit_id=ENTERPRISE,
    severity="major",
    description="储罐区无防火堤",
    source="covert_visit",
)
ASSIGNED = hz("hazard.assigned", responsible="P2", deadline=DEADLINE)
RECTIFIED = hz("hazard.rectified", by="P2", measures="修筑防火堤")
PASSED = hz("hazard.verified", verifier="P1", passed=True, note="合格")
FAILED = hz("hazard.verified", verifier="P1", passed=False, note="不合格")
CLOSED = hz("hazard.closed")
EXTENDED = hz("hazard.deadline_extended", deadline="2019-11-20T00:00:00+08:00", approved_by="P1", reason="工程量大")
LISTED = hz("hazard.supervision_listed", level="county", supervisor="P1")
PROGRESS = hz("hazard.progress_reported", note="已完成一半")


def ledger(*events: Proposed) -> FakeLedger:
    return jurisdiction().given(*events)


def state(fl: FakeLedger) -> str:
    hazard = fl.domain.get("hazard:H1")
    assert isinstance(hazard, Hazard)
    return hazard.state


def test_the_full_lifecycle_is_accepted() -> None:
    fl = ledger(REPORTED, LISTED, ASSIGNED, PROGRESS, EXTENDED, RECTIFIED, PASSED, CLOSED)
    assert state(fl) == "closed"


@pytest.mark.parametrize(
    ("given", "when"),
    [
        ((), RECTIFIED),
        ((), PASSED),
        ((), CLOSED),
        ((ASSIGNED,), PASSED),
        ((ASSIGNED,), CLOSED),
        ((ASSIGNED,), ASSIGNED),
        ((ASSIGNED, RECTIFIED), RECTIFIED),
        ((ASSIGNED, RECTIFIED), CLOSED),
        ((ASSIGNED, RECTIFIED, FAILED), CLOSED),
        ((ASSIGNED, RECTIFIED, PASSED), RECTIFIED),
        ((ASSIGNED, RECTIFIED, PASSED, CLOSED), PROGRESS),
        ((ASSIGNED, RECTIFIED, PASSED, CLOSED), LISTED),
        ((ASSIGNED, RECTIFIED, PASSED, CLOSED), CLOSED),
        ((), EXTENDED),
        ((ASSIGNED, RECTIFIED), EXTENDED),
    ],
)
def test_an_illegal_transition_is_refused(given: tuple[Proposed, ...], when: Proposed) -> None:
    error = ledger(REPORTED, *given).refuse(when)
    assert (error.rule, error.field) == ("hazard.lifecycle", "hazard_id")


def test_a_failed_verification_sends_the_hazard_back_to_rectification() -> None:
    fl = ledger(REPORTED, ASSIGNED, RECTIFIED, FAILED)
    assert state(fl) == "verification_failed"
    fl.post(EXTENDED)
    fl.post(RECTIFIED)
    fl.post(PASSED)
    assert fl.domain.get("hazard:H1").rectifications == 2  # type: ignore[union-attr]
    fl.post(CLOSED)
    assert state(fl) == "closed"


def test_a_closed_hazard_is_kept_as_little_as_the_rules_still_read() -> None:
    """Once closed (销号) nothing more may be recorded on a hazard: the rules' state keeps its
    state (to refuse) and its unit (the scope of a post) — not
    its description, deadlines, verifications, nor the library's id and timestamps, only its
    version — and refuses as before."""
    fl = ledger(REPORTED, ASSIGNED, RECTIFIED, PASSED)
    live = fl.domain.get("hazard:H1")
    assert isinstance(live, Hazard)
    assert live.retiring() is False
    assert "description" in live.attributes()
    fl.post(CLOSED)
    closed = fl.domain.get("hazard:H1")
    assert isinstance(closed, Hazard)
    assert {k for k in closed.attributes() if not k.startswith("_")} == {"stream", "unit_id", "state"}
    assert (closed.state, closed.unit_id, closed.version) == ("closed", live.unit_id, live.version + 1)
    for later in (PROGRESS, LISTED, CLOSED, RECTIFIED, EXTENDED):
        assert fl.refuse(later).rule == "hazard.lifecycle"


def test_a_failed_hazard_may_be_handed_over_again() -> None:
    fl = ledger(REPORTED, ASSIGNED, RECTIFIED, FAILED)
    fl.post(hz("hazard.assigned", responsible=ENTERPRISE, deadline="2019-12-01T00:00:00+08:00"))
    assert state(fl) == "assigned"


def test_an_extension_must_move_the_deadline_later() -> None:
    fl = ledger(REPORTED, ASSIGNED)
    error = fl.refuse(hz("hazard.deadline_extended", deadline=DEADLINE, approved_by="P1", reason="r"))
    assert (error.rule, error.field) == ("hazard.deadline", "deadline")


def test_an_extension_needs_an_approver_and_a_reason() -> None:
    fl = ledger(REPORTED, ASSIGNED)
    error = fl.refuse(hz("hazard.deadline_extended", deadline="2019-12-01T00:00:00+08:00", reason="r"))
    assert (error.rule, error.field) == ("schema", "approved_by")
    error = fl.refuse(hz("hazard.deadline_extended", deadline="2019-12-01T00:00:00+08:00", approved_by="P1"))
    assert (error.rule, error.field) == ("schema", "reason")
    error = fl.refuse(
        hz("hazard.deadline_extended", deadline="2019-12-01T00:00:00+08:00", approved_by="nobody", reason="r")
    )
    assert (error.rule, error.field) == ("registry.unknown", "approved_by")


def test_the_responsible_may_be_a_person_or_a_unit_but_must_be_registered() -> None:
    ledger(REPORTED).post(hz("hazard.assigned", responsible=ENTERPRISE, deadline=DEADLINE))
    error = ledger(REPORTED).refuse(hz("hazard.assigned", responsible="P404", deadline=DEADLINE))
    assert (error.rule, error.field) == ("registry.unknown", "responsible")


def test_a_deadline_needs_an_offset() -> None:
    error = ledger(REPORTED).refuse(hz("hazard.assigned", responsible="P2", deadline="2019-10-20T00:00:00"))
    assert (error.rule, error.field) == ("schema", "deadline")


def test_listed_supervision_is_once_per_level() -> None:
    fl = ledger(REPORTED, LISTED)
    error = fl.refuse(LISTED)
    assert (error.rule, error.field) == ("hazard.supervision", "level")
    fl.post(hz("hazard.supervision_listed", level="city", supervisor="P1"))


def test_a_hazard_report_needs_its_unit_and_its_inspection_registered() -> None:
    fl = jurisdiction()
    error = fl.refuse(hz("hazard.reported", unit_id="404", severity="general", description="d", source="self_check"))
    assert (error.rule, error.field) == ("registry.unknown", "unit_id")
    error = fl.refuse(
        hz(
            "hazard.reported",
            unit_id=ENTERPRISE,
            severity="general",
            description="d",
            source="inspection",
            inspection_id="I1",
        )
    )
    assert (error.rule, error.field) == ("registry.unknown", "inspection_id")
    fl.post(
        proposed(
            "inspection.conducted",
            inspection_id="I1",
            unit_id=ENTERPRISE,
            kind="covert",
            inspectors=["P1"],
            result="发现隐患1处",
        )
    )
    fl.post(
        hz(
            "hazard.reported",
            unit_id=ENTERPRISE,
            severity="general",
            description="d",
            source="inspection",
            inspection_id="I1",
        )
    )


def test_severity_and_source_are_closed_lists() -> None:
    fl = jurisdiction()
    error = fl.refuse(hz("hazard.reported", unit_id=ENTERPRISE, severity="huge", description="d", source="self_check"))
    assert (error.rule, error.field) == ("schema", "severity")
    error = fl.refuse(hz("hazard.reported", unit_id=ENTERPRISE, severity="major", description="d", source="rumour"))
    assert (error.rule, error.field) == ("schema", "source")


def test_an_inspection_cites_registered_inspectors_and_hazards() -> None:
    fl = ledger(REPORTED)
    base = {"inspection_id": "I2", "unit_id": ENTERPRISE, "kind": "joint", "result": "r"}
    error = fl.refuse(proposed("inspection.conducted", inspectors=["P1", "P404"], **base))
    assert (error.rule, error.field) == ("registry.unknown", "inspectors/1")
    error = fl.refuse(proposed("inspection.conducted", inspectors=[], **base))
    assert (error.rule, error.field) == ("schema", "inspectors")
    error = fl.refuse(proposed("inspection.conducted", inspectors=["P1"], hazard_ids=["H404"], **base))
    assert (error.rule, error.field) == ("registry.unknown", "hazard_ids/0")
    fl.post(proposed("inspection.conducted", inspectors=["P1", ENTERPRISE], hazard_ids=["H1"], **base))
