"""The Decider seam: copy-on-write decisions, mark/rollback, abort, replay == decide, rebuild."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain import Domain, Hazard, rebuild
from ledger.domain.testing import ENTERPRISE, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed
from ledger.errors import DomainRefused


def hz(event_type: str, hazard_id: str = "H1", **data: Any) -> Proposed:
    return proposed(event_type, hazard_id=hazard_id, **data)


def reported(hazard_id: str = "H1") -> Proposed:
    return hz(
        "hazard.reported",
        hazard_id,
        unit_id=ENTERPRISE,
        severity="general",
        description="d",
        source="self_check",
    )


ASSIGNED = hz("hazard.assigned", responsible="P2", deadline="2019-10-20T00:00:00+08:00")
RECTIFIED = hz("hazard.rectified", by="P2", measures="m")


def test_a_decision_changes_nothing_until_commit() -> None:
    fl = jurisdiction()
    before = fl.domain.snapshot()
    decision = fl.domain.begin()
    decision.decide(reported(), 8)
    assert fl.domain.get("hazard:H1") is None
    assert fl.domain.snapshot() == before
    decision.commit(8)
    assert fl.domain.get("hazard:H1") is not None
    assert fl.domain.position == 8


def test_abort_forgets_the_whole_group() -> None:
    fl = jurisdiction()
    before = fl.domain.snapshot()
    decision = fl.domain.begin()
    decision.decide(reported(), 8)
    decision.decide(ASSIGNED, 9)
    decision.abort()
    assert fl.domain.snapshot() == before
    assert fl.domain.position == 7


def test_rollback_undoes_a_refused_request_but_keeps_earlier_ones() -> None:
    fl = jurisdiction().given(reported())
    domain = fl.domain
    decision = domain.begin()
    decision.decide(ASSIGNED, 9)  # request 1
    mark = decision.mark()
    decision.decide(RECTIFIED, 10)  # request 2, part 1 …
    with pytest.raises(DomainRefused):
        decision.decide(RECTIFIED, 11)  # … part 2 refused: rectified twice
    decision.rollback(mark)
    decision.decide(reported("H2"), 10)  # request 3 reuses the positions
    decision.commit(10)
    hazard = domain.get("hazard:H1")
    assert isinstance(hazard, Hazard)
    assert hazard.state == "assigned"
    assert hazard.version == 2
    assert domain.get("hazard:H2") is not None


def test_a_refused_decide_leaves_the_decision_as_it_was() -> None:
    fl = jurisdiction().given(reported())
    decision = fl.domain.begin()
    decision.decide(ASSIGNED, 9)
    mark = decision.mark()
    with pytest.raises(DomainRefused):
        decision.decide(hz("hazard.closed"), 10)
    assert decision.mark() == mark
    decision.decide(RECTIFIED, 10)
    decision.commit(10)
    assert fl.domain.get("hazard:H1").state == "rectified"  # type: ignore[union-attr]


def test_the_committed_aggregate_is_never_mutated_by_a_decision() -> None:
    fl = jurisdiction().given(reported())
    committed = fl.domain.get("hazard:H1")
    decision = fl.domain.begin()
    decision.decide(ASSIGNED, 9)
    decision.abort()
    assert committed is fl.domain.get("hazard:H1")
    assert committed.state == "reported"  # type: ignore[union-attr]


def scenario() -> FakeLedger:
    fl = jurisdiction()
    fl.post(
        proposed(
            "assignment.made",
            assignment_id="A1",
            role="principal",
            holder="P2",
            target=ENTERPRISE,
            valid_from="2019-01-01T00:00:00+08:00",
        ),
        proposed(
            "assignment.made",
            assignment_id="A2",
            role="principal",
            holder="P3",
            target=ENTERPRISE,
            valid_from="2019-06-01T00:00:00+08:00",
            supersedes="A1",
        ),
    )
    fl.post(reported(), ASSIGNED, RECTIFIED)
    fl.post(hz("hazard.verified", verifier="P1", passed=False, note="n"))
    fl.post(
        proposed(
            "accident.occurred",
            accident_id="AC1",
            unit_id=ENTERPRISE,
            deaths=1,
            serious_injuries=0,
            direct_loss_cny=1e6,
            description="d",
        )
    )
    fl.post(
        proposed(
            "sanction.imposed",
            sanction_id="S1",
            target=ENTERPRISE,
            kind="fine",
            basis_refs=[12, "AC1"],
            issued_by="P1",
        )
    )
    fl.post(proposed("unit.closed", unit_id=ENTERPRISE, reason="shut_down"))
    return fl


def test_replay_rebuilds_exactly_what_decide_built() -> None:
    fl = scenario()
    assert fl.replayed().snapshot() == fl.domain.snapshot()
    assert fl.replayed().position == fl.domain.position
    assert fl.replayed().anomalies == []


def test_the_library_machinery_and_the_fast_path_agree() -> None:
    fast = scenario()
    slow = FakeLedger(library=True)
    for stored in fast.log:
        slow.post(proposed(stored.type, stored.occurred_at, **stored.data))
    assert slow.domain.snapshot() == fast.domain.snapshot()
    assert fast.replayed(library=True).snapshot() == fast.domain.snapshot()


@pytest.mark.parametrize("stream", ["hazard:H1", f"unit:{ENTERPRISE}", "accident:AC1", "assignment:A2", "sanction:S1"])
def test_replaying_a_stream_through_the_library_rebuilds_the_aggregate(stream: str) -> None:
    fl = scenario()
    rebuilt = rebuild(fl.stream(stream))
    assert rebuilt is not None
    assert rebuilt.attributes() == fl.domain.get(stream).attributes()  # type: ignore[union-attr]
    assert rebuilt.version == len(fl.stream(stream))


def test_replay_never_refuses_and_records_anomalies() -> None:
    fl = scenario()
    domain = Domain()
    for stored in fl.log[7:]:  # without the registrations the rules would refuse
        domain.replay(stored)
    assert domain.position == fl.log[-1].position
    assert domain.get("hazard:H1") is not None
