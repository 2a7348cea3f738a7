"""Assignments: exclusive roles never overlap in valid time; intervals; ending; corrections."""

from __future__ import annotations

from typing import Any

from ledger.domain import Assignment
from ledger.domain.testing import ENTERPRISE, TOWNSHIP, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed

JAN, MAR, MAY, JUL = (f"2019-{m}-01T00:00:00+08:00" for m in ("01", "03", "05", "07"))


def made(aid: str, holder: str, valid_from: str, role: str = "principal", **extra: Any) -> Proposed:
    return proposed(
        "assignment.made",
        assignment_id=aid,
        role=role,
        holder=holder,
        target=ENTERPRISE,
        valid_from=valid_from,
        **extra,
    )


def given(*events: Proposed) -> FakeLedger:
    return jurisdiction().given(*events)


def test_an_overlapping_exclusive_assignment_is_refused_naming_the_earlier_one() -> None:
    error = given(made("A1", "P2", JAN)).refuse(made("A2", "P3", MAY))
    assert (error.rule, error.field) == ("assignment.exclusive", "valid_from")
    assert "A1" in error.message
    assert "P2" in error.message


def test_non_exclusive_roles_may_overlap() -> None:
    given(made("A1", "P2", JAN, role="covers")).post(made("A2", "P3", MAY, role="covers"))


def test_exclusivity_is_per_target() -> None:
    fl = given(made("A1", "P2", JAN))
    fl.post(
        proposed(
            "assignment.made",
            assignment_id="A2",
            role="principal",
            holder="P3",
            target=TOWNSHIP,
            valid_from=MAY,
        )
    )


def test_an_assignment_starting_after_the_earlier_one_ends_is_accepted() -> None:
    fl = given(made("A1", "P2", JAN, valid_to=MAY))
    fl.post(made("A2", "P3", MAY))  # half-open intervals: [JAN, MAY) and [MAY, …) touch only


def test_a_hand_over_in_one_batch_ends_the_earlier_holder() -> None:
    fl = given(made("A1", "P2", JAN))
    fl.post(proposed("assignment.ended", assignment_id="A1", valid_to=MAY), made("A2", "P3", MAY))


def test_supersedes_ends_the_earlier_holder_at_the_new_valid_from() -> None:
    fl = given(made("A1", "P2", JAN))
    fl.post(made("A2", "P3", MAY, supersedes="A1"))
    assert fl.domain.snapshot()["superseded"]["A1"][0] == "A2"
    # A1 now ends in MAY: a third holder from JUL overlaps A2, not A1
    error = fl.refuse(made("A3", "P1", JUL))
    assert "A2" in error.message
    # and A1 counts as ended
    assert fl.refuse(proposed("assignment.ended", assignment_id="A1", valid_to=JUL)).rule == "assignment.lifecycle"


def test_supersedes_must_name_an_earlier_running_assignment_of_the_same_duty() -> None:
    fl = given(made("A1", "P2", MAY), made("C1", "P2", JAN, role="covers"))
    assert fl.refuse(made("A2", "P3", MAR, supersedes="A1")).rule == "assignment.supersedes"
    assert fl.refuse(made("A2", "P3", JUL, supersedes="C1")).field == "supersedes"
    assert fl.refuse(made("A2", "P3", JUL, supersedes="A404")).rule == "registry.unknown"
    fl2 = given(made("A1", "P2", JAN, valid_to=MAR))
    assert fl2.refuse(made("A2", "P3", MAY, supersedes="A1")).rule == "assignment.supersedes"


def test_industry_supervisors_are_exclusive_per_industry() -> None:
    fl = given(made("S1", "P1", JAN, role="industry_supervisor", industry="hazardous_chemicals"))
    fl.post(made("S2", "P2", JAN, role="industry_supervisor", industry="fire_safety"))
    error = fl.refuse(made("S3", "P3", MAY, role="industry_supervisor", industry="hazardous_chemicals"))
    assert "S1" in error.message
    # one without an industry answers for all industries, so it clashes with both
    assert fl.refuse(made("S4", "P3", MAY, role="industry_supervisor")).rule == "assignment.exclusive"


def test_an_assignment_must_end_after_it_starts() -> None:
    error = jurisdiction().refuse(made("A1", "P2", MAY, valid_to=MAY))
    assert (error.rule, error.field) == ("assignment.interval", "valid_to")
    fl = given(made("A1", "P2", MAY))
    error = fl.refuse(proposed("assignment.ended", assignment_id="A1", valid_to=JAN))
    assert (error.rule, error.field) == ("assignment.interval", "valid_to")


def test_an_ended_assignment_cannot_be_ended_again() -> None:
    fl = given(made("A1", "P2", JAN), proposed("assignment.ended", assignment_id="A1", valid_to=MAY))
    error = fl.refuse(proposed("assignment.ended", assignment_id="A1", valid_to=JUL))
    assert (error.rule, error.field) == ("assignment.lifecycle", "assignment_id")


def test_holder_and_target_must_be_registered() -> None:
    fl = jurisdiction()
    assert fl.refuse(made("A1", "P404", JAN)).field == "holder"
    error = fl.refuse(
        proposed("assignment.made", assignment_id="A1", role="covers", holder="P1", target="404", valid_from=JAN)
    )
    assert (error.rule, error.field) == ("registry.unknown", "target")
    fl.post(made("A1", TOWNSHIP, JAN, role="territorial"))  # a unit may hold a duty


def test_a_departed_person_takes_no_new_duty() -> None:
    fl = given(proposed("person.departed", "2019-02-01T00:00:00+08:00", person_id="P3"))
    assert fl.refuse(made("A1", "P3", MAY)).rule == "assignment.holder"
    fl.post(made("A1", "P3", JAN))  # back-dated: before the departure


def test_a_correction_needs_a_reason_and_a_change() -> None:
    fl = given(made("A1", "P2", JAN))
    assert fl.refuse(proposed("assignment.corrected", assignment_id="A1", holder="P3")).field == "reason"
    error = fl.refuse(proposed("assignment.corrected", assignment_id="A1", reason="录入错误"))
    assert error.rule == "assignment.correction"
    fl.post(proposed("assignment.corrected", assignment_id="A1", holder="P3", reason="录入错误"))
    assert fl.domain.get("assignment:A1").holder == "P3"  # type: ignore[union-attr]


def test_a_correction_is_checked_against_the_other_assignments() -> None:
    fl = given(made("A1", "P2", JAN, valid_to=MAY), made("A2", "P3", MAY))
    error = fl.refuse(proposed("assignment.corrected", assignment_id="A1", valid_to=JUL, reason="r"))
    assert (error.rule, error.field) == ("assignment.exclusive", "valid_to")
    error = fl.refuse(proposed("assignment.corrected", assignment_id="A2", valid_from=MAR, reason="r"))
    assert (error.rule, error.field) == ("assignment.exclusive", "valid_from")
    error = fl.refuse(proposed("assignment.corrected", assignment_id="A2", valid_to=MAR, reason="r"))
    assert (error.rule, error.field) == ("assignment.interval", "valid_to")
    fl.post(proposed("assignment.corrected", assignment_id="A1", valid_to=MAR, reason="r"))
    fl.post(proposed("assignment.corrected", assignment_id="A2", valid_from=MAR, reason="r"))


def test_a_correction_may_reopen_an_ended_assignment() -> None:
    fl = given(made("A1", "P2", JAN), proposed("assignment.ended", assignment_id="A1", valid_to=MAY))
    fl.post(proposed("assignment.corrected", assignment_id="A1", valid_to=None, reason="未离任"))
    agg = fl.domain.get("assignment:A1")
    assert isinstance(agg, Assignment)
    assert agg.valid_to is None
    assert agg.ended is False
    fl.post(proposed("assignment.ended", assignment_id="A1", valid_to=JUL))


def test_a_superseding_assignment_cannot_be_corrected_to_start_before_the_earlier() -> None:
    fl = given(made("A1", "P2", MAR), made("A2", "P3", MAY, supersedes="A1"))
    error = fl.refuse(proposed("assignment.corrected", assignment_id="A2", valid_from=JAN, reason="r"))
    assert error.rule == "assignment.supersedes"
    error = fl.refuse(
        proposed("assignment.corrected", assignment_id="A2", valid_from="2019-04-01T00:00:00+08:00", reason="r")
    )
    assert error.rule == "assignment.exclusive"  # A1 still ends in MAY


def test_roles_are_a_closed_list() -> None:
    assert jurisdiction().refuse(made("A1", "P2", JAN, role="boss")).field == "role"
