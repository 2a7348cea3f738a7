"""A given-events / when-posted harness for the domain, with no I/O (like ``structlog.testing``).

``FakeLedger`` drives a ``Domain`` exactly as the appender does — ``begin``, ``decide``
each event at its position, ``commit`` — and keeps the accepted events as ``StoredEvent``s
(with placeholder hashes), so tests can replay them into a fresh ``Domain``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ledger.catalogue import EVENT_TYPES, stream_for
from ledger.domain.decider import Domain
from ledger.envelope import Proposed, StoredEvent
from ledger.errors import DomainRefused
from ledger.timeutil import normalise_timestamp

__all__ = [
    "CITY",
    "COUNTY",
    "DEFAULT_TIME",
    "ENTERPRISE",
    "TOWNSHIP",
    "FakeLedger",
    "jurisdiction",
    "proposed",
]

DEFAULT_TIME = "2019-10-01T08:00:00+08:00"
_FAKE_HASH = "0" * 64


def proposed(event_type: str, occurred_at: str = DEFAULT_TIME, **data: Any) -> Proposed:
    """A shape-checked event as ``parse_proposed`` would return it."""
    _, id_field = EVENT_TYPES[event_type]
    stream = stream_for(event_type, data[id_field])
    return Proposed(event_type, stream, normalise_timestamp(occurred_at), data, "test")


class FakeLedger:
    """An in-memory log in front of a ``Domain``: every post is one atomic group."""

    def __init__(self, library: bool = False) -> None:
        self.domain = Domain(library=library)
        self.log: list[StoredEvent] = []
        self._versions: Counter[str] = Counter()

    @property
    def position(self) -> int:
        return len(self.log)

    def post(self, *events: Proposed) -> list[StoredEvent]:
        """Decide ``events`` as one batch: all are appended, or ``DomainRefused`` and none."""
        decision = self.domain.begin()
        for index, event in enumerate(events):
            try:
                decision.decide(event, self.position + index + 1)
            except DomainRefused as refused:
                decision.abort()
                raise refused.at_index(index) from None
        stored = [self._store(event) for event in events]
        decision.commit(self.position)
        return stored

    def refuse(self, *events: Proposed) -> DomainRefused:
        """Post ``events``, expect a refusal, check the state is unchanged, return the refusal."""
        before = self.domain.snapshot()
        length = len(self.log)
        try:
            self.post(*events)
        except DomainRefused as refused:
            if self.domain.snapshot() != before or len(self.log) != length:
                raise AssertionError("a refused post changed the domain state") from refused
            return refused
        raise AssertionError(f"expected a refusal, but {[e.type for e in events]} was accepted")

    def given(self, *events: Proposed) -> FakeLedger:
        for event in events:
            self.post(event)
        return self

    def _store(self, event: Proposed) -> StoredEvent:
        self._versions[event.stream] += 1
        stored = StoredEvent(
            position=self.position + 1,
            stream=event.stream,
            version=self._versions[event.stream],
            type=event.type,
            occurred_at=event.occurred_at,
            recorded_at="2026-01-01T00:00:00.000000Z",
            actor=event.actor,
            data=event.data,
            idempotency_key=event.idempotency_key,
            prev_hash=_FAKE_HASH,
            hash=_FAKE_HASH,
        )
        self.log.append(stored)
        return stored

    def replayed(self, library: bool = False) -> Domain:
        """A fresh ``Domain`` that replayed this log."""
        domain = Domain(library=library)
        for stored in self.log:
            domain.replay(stored)
        return domain

    def stream(self, name: str) -> list[StoredEvent]:
        return [e for e in self.log if e.stream == name]


CITY, COUNTY, TOWNSHIP = "371300", "371302", "371302001"
ENTERPRISE = "91371302MA3C000001"


def jurisdiction(library: bool = False) -> FakeLedger:
    """A city, a county, a township, an enterprise and three people (P1 at the township,
    P2 and P3 at the enterprise), all registered."""
    return FakeLedger(library).given(
        proposed("unit.registered", unit_id=CITY, kind="city", name="临沂市"),
        proposed("unit.registered", unit_id=COUNTY, kind="county", name="兰山区", parent_id=CITY),
        proposed("unit.registered", unit_id=TOWNSHIP, kind="township", name="枣园镇", parent_id=COUNTY),
        proposed(
            "unit.registered",
            unit_id=ENTERPRISE,
            kind="enterprise",
            name="某化工有限公司",
            parent_id=TOWNSHIP,
            industry="hazardous_chemicals",
            above_scale=True,
            risk_level="orange",
        ),
        proposed("person.registered", person_id="P1", name="张三", title="镇长", unit_id=TOWNSHIP),
        proposed("person.registered", person_id="P2", name="李四", title="总经理", unit_id=ENTERPRISE),
        proposed("person.registered", person_id="P3", name="王五", title="经理", unit_id=ENTERPRISE),
    )
