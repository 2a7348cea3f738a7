"""Property tests: random hazard and assignment histories are accepted exactly when legal.

Each test keeps its own small model of legality, written independently of the domain code,
posts random events one by one and checks that the domain accepts exactly those the model
accepts — and that replaying what was accepted rebuilds the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.testing import ENTERPRISE, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed
from ledger.errors import DomainRefused

EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def day(n: int) -> str:
    return (EPOCH + timedelta(days=n)).isoformat()


def accepted(fl: FakeLedger, event: Proposed) -> bool:
    try:
        fl.post(event)
    except DomainRefused:
        return False
    return True


# --- hazards -------------------------------------------------------------------------------

HAZARD_OPS = st.one_of(
    st.tuples(st.just("assigned"), st.integers(0, 30)),
    st.tuples(st.just("extended"), st.integers(0, 30)),
    st.tuples(st.just("listed"), st.sampled_from(["county", "city", "province"])),
    st.tuples(st.just("progress"), st.just(0)),
    st.tuples(st.just("rectified"), st.just(0)),
    st.tuples(st.just("on_the_spot"), st.just(0)),
    st.tuples(st.just("verified"), st.booleans()),
    st.tuples(st.just("closed"), st.just(0)),
)


#: the day every hazard event is posted on (deadlines fall before or after it)
TODAY = 15


@dataclass
class HazardModel:
    state: str = "new"  # new → handed → done → (bad →) ok → shut
    deadline: int | None = None
    levels: set[str] = field(default_factory=set)
    severity: str = "major"

    def step(self, op: str, arg: object) -> bool:
        """Apply ``op`` if the 隐患 rules allow it; say whether they did."""
        if self.state == "shut":
            return False
        waiting = self.state in ("handed", "bad")
        if op == "assigned" and self.state in ("new", "bad"):
            self.state, self.deadline = "handed", int(arg)  # type: ignore[call-overload]
        elif op == "extended" and waiting and self._extensible(int(arg)):  # type: ignore[call-overload]
            self.deadline = int(arg)  # type: ignore[call-overload]
        elif op == "listed" and arg not in self.levels:
            self.levels.add(str(arg))
        elif op == "progress":
            pass
        elif op == "rectified" and waiting:
            self.state = "done"
        elif op == "on_the_spot" and self.state == "new" and self.severity == "general":
            self.state = "done"  # 立查立改: no hand-over first
        elif op == "verified" and self.state == "done":
            self.state = "ok" if arg else "bad"
        elif op == "closed" and self.state == "ok":
            self.state = "shut"
        else:
            return False
        return True

    def _extensible(self, new_deadline: int) -> bool:
        """Later than the current deadline, and granted before it passed."""
        return self.deadline is not None and new_deadline > self.deadline and self.deadline >= TODAY


HAZARD_TYPES = {
    "assigned": "hazard.assigned",
    "extended": "hazard.deadline_extended",
    "listed": "hazard.supervision_listed",
    "progress": "hazard.progress_reported",
    "rectified": "hazard.rectified",
    "on_the_spot": "hazard.rectified",
    "verified": "hazard.verified",
    "closed": "hazard.closed",
}


def hazard_data(op: str, arg: object) -> dict[str, object]:
    if op == "assigned":
        return {"responsible": "P2", "deadline": day(int(arg))}  # type: ignore[call-overload]
    if op == "extended":
        return {"deadline": day(int(arg)), "approved_by": "P1", "reason": "r"}  # type: ignore[call-overload]
    if op == "listed":
        return {"level": arg, "supervisor": "P1"}
    if op == "progress":
        return {"note": "n"}
    if op == "rectified":
        return {"by": "P2", "measures": "m"}
    if op == "on_the_spot":
        return {"by": "P2", "measures": "m", "on_the_spot": True}
    if op == "verified":
        return {"verifier": "P1", "passed": arg, "note": "n"}
    return {}


def hazard_event(op: str, arg: object) -> Proposed:
    return proposed(HAZARD_TYPES[op], day(TODAY), hazard_id="H1", **hazard_data(op, arg))


@SETTINGS
@given(st.sampled_from(["general", "major"]), st.lists(HAZARD_OPS, max_size=14))
def test_hazard_histories_are_accepted_exactly_when_legal(severity: str, ops: list[tuple[str, object]]) -> None:
    fl = jurisdiction().given(
        proposed(
            "hazard.reported",
            day(TODAY),
            hazard_id="H1",
            unit_id=ENTERPRISE,
            severity=severity,
            description="d",
            source="self_check",
        )
    )
    model = HazardModel(severity=severity)
    for op, arg in ops:
        assert accepted(fl, hazard_event(op, arg)) == model.step(op, arg), (op, arg, model)
    assert fl.replayed().snapshot() == fl.domain.snapshot()


# --- assignments ---------------------------------------------------------------------------

IDS = ["A0", "A1", "A2", "A3"]
DAYS = st.integers(0, 12)
MADE = st.tuples(
    st.just("made"),
    st.sampled_from(IDS),
    st.sampled_from(["principal", "principal", "covers"]),
    DAYS,
    st.none() | DAYS,
    st.none() | st.sampled_from(IDS),
)
ENDED = st.tuples(st.just("ended"), st.sampled_from(IDS), DAYS)
CORRECTED = st.tuples(
    st.just("corrected"),
    st.sampled_from(IDS),
    st.none() | DAYS,  # valid_from, None = unchanged
    st.sampled_from(["keep", "open"]) | DAYS,  # valid_to: unchanged, re-opened, or a day
)
ASSIGNMENT_OPS = st.one_of(MADE, ENDED, CORRECTED)
INF = 10**9


@dataclass
class Tenure:
    role: str
    start: int
    end: int  # INF: open
    ended: bool = False
    supersedes: str | None = None
    cut: int = INF  # where a later assignment superseded it

    @property
    def stop(self) -> int:
        return min(self.end, self.cut)


@dataclass
class DutyModel:
    held: dict[str, Tenure] = field(default_factory=dict)

    def clash(self, me: str, role: str, start: int, stop: int, skip: str | None = None) -> bool:
        if role != "principal":
            return False
        return any(
            other != me and other != skip and t.role == role and start < t.stop and t.start < stop
            for other, t in self.held.items()
        )

    def made(self, aid: str, role: str, start: int, end: int | None, sup: str | None) -> bool:
        stop = INF if end is None else end
        if aid in self.held or stop <= start:
            return False
        if sup is not None:
            old = self.held.get(sup)
            if old is None or old.role != role or old.cut != INF or old.start >= start or old.stop <= start:
                return False
        if self.clash(aid, role, start, stop, skip=sup):
            return False
        self.held[aid] = Tenure(role, start, stop, supersedes=sup)
        if sup is not None:
            self.held[sup].cut = start
        return True

    def ended(self, aid: str, end: int) -> bool:
        t = self.held.get(aid)
        if t is None or t.ended or t.cut != INF or end <= t.start:
            return False
        if self.clash(aid, t.role, t.start, end):
            return False
        t.end, t.ended = end, True
        return True

    def corrected(self, aid: str, start: int | None, end: int | str) -> bool:
        t = self.held.get(aid)
        if t is None or (start is None and end == "keep"):
            return False
        new_start = t.start if start is None else start
        new_end = t.end if end == "keep" else INF if end == "open" else int(end)
        if min(new_end, t.cut) <= new_start:
            return False
        if t.supersedes is not None and new_start <= self.held[t.supersedes].start:
            return False
        if self.clash(aid, t.role, new_start, min(new_end, t.cut)):
            return False
        t.start, t.end = new_start, new_end
        if end == "open":
            t.ended = False
        return True


def assignment_event(op: tuple[Any, ...]) -> Proposed:
    kind, aid = op[0], str(op[1])
    if kind == "made":
        _, _, role, start, end, sup = op
        data: dict[str, Any] = {
            "role": role,
            "holder": "P2",
            "target": ENTERPRISE,
            "valid_from": day(int(start)),
        }
        if end is not None:
            data["valid_to"] = day(int(end))
        if sup is not None:
            data["supersedes"] = sup
        return proposed("assignment.made", assignment_id=aid, **data)
    if kind == "ended":
        return proposed("assignment.ended", assignment_id=aid, valid_to=day(int(op[2])))
    _, _, start, end = op
    data = {"reason": "录入错误"}
    if start is not None:
        data["valid_from"] = day(int(start))
    if end == "open":
        data["valid_to"] = None
    elif end != "keep":
        data["valid_to"] = day(int(end))
    return proposed("assignment.corrected", assignment_id=aid, **data)


def model_step(model: DutyModel, op: tuple[object, ...]) -> bool:
    if op[0] == "made":
        return model.made(*op[1:])  # type: ignore[arg-type]
    if op[0] == "ended":
        return model.ended(*op[1:])  # type: ignore[arg-type]
    return model.corrected(*op[1:])  # type: ignore[arg-type]


@SETTINGS
@given(st.lists(ASSIGNMENT_OPS, max_size=14))
def test_assignment_histories_are_accepted_exactly_when_legal(ops: list[tuple[object, ...]]) -> None:
    fl = jurisdiction()
    model = DutyModel()
    for op in ops:
        assert accepted(fl, assignment_event(op)) == model_step(model, op), (op, model)
    assert fl.replayed().snapshot() == fl.domain.snapshot()


@SETTINGS
@given(st.lists(ASSIGNMENT_OPS, min_size=1, max_size=10), st.integers(0, 9))
def test_a_refused_batch_changes_nothing(ops: list[tuple[object, ...]], cut: int) -> None:
    """A batch is all or nothing: after a refusal the state is as before the batch."""
    fl = jurisdiction()
    events = [assignment_event(op) for op in ops]
    before = fl.domain.snapshot()
    try:
        fl.post(*events)
    except DomainRefused:
        assert fl.domain.snapshot() == before
        assert len(fl.log) == 7
