"""Throughput of ``Domain.decide`` and ``Domain.replay`` on a realistic mix of events.

``python -m ledger.domain.bench 10000``: a city, 13 counties, 156 townships and N
enterprises, each with a person, a principal and a territorial assignment, a hazard through
its whole lifecycle and an inspection (11 events per enterprise).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

from ledger.domain.decider import Domain
from ledger.domain.testing import FakeLedger, proposed
from ledger.envelope import Proposed

__all__ = ["measure", "realistic_events"]

_FROM = "2019-01-01T00:00:00+08:00"


def _divisions() -> Iterator[Proposed]:
    yield proposed("unit.registered", unit_id="371300", kind="city", name="临沂市")
    for c in range(1, 14):
        county = f"3713{c:02d}"
        yield proposed("unit.registered", unit_id=county, kind="county", name=f"县{c}", parent_id="371300")
        for t in range(12):
            yield proposed(
                "unit.registered",
                unit_id=f"{county}{t:03d}",
                kind="township",
                name=f"乡{t}",
                parent_id=county,
            )


def _enterprise(i: int) -> Iterator[Proposed]:
    town, ent, person, hazard = f"3713{i % 13 + 1:02d}{i % 12:03d}", f"91371300MA{i:08d}", f"P{i}", f"H{i}"
    yield proposed(
        "unit.registered",
        unit_id=ent,
        kind="enterprise",
        name=f"企业{i}",
        parent_id=town,
        industry="hazardous_chemicals",
        above_scale=True,
        risk_level="yellow",
    )
    yield proposed("person.registered", person_id=person, name=f"人{i}", title="总经理", unit_id=ent)
    yield proposed(
        "assignment.made",
        assignment_id=f"A{i}",
        role="principal",
        holder=person,
        target=ent,
        valid_from=_FROM,
    )
    yield proposed(
        "assignment.made",
        assignment_id=f"T{i}",
        role="territorial",
        holder=town,
        target=ent,
        valid_from=_FROM,
    )
    yield proposed(
        "hazard.reported",
        "2019-10-02T09:00:00+08:00",
        hazard_id=hazard,
        unit_id=ent,
        severity="general",
        description="消防通道堵塞",
        source="self_check",
    )
    yield proposed(
        "hazard.assigned",
        "2019-10-02T10:00:00+08:00",
        hazard_id=hazard,
        responsible=person,
        deadline="2019-10-20T00:00:00+08:00",
    )
    yield proposed("hazard.progress_reported", "2019-10-10T10:00:00+08:00", hazard_id=hazard, note="整改中")
    yield proposed("hazard.rectified", "2019-10-15T10:00:00+08:00", hazard_id=hazard, by=person, measures="清理")
    yield proposed(
        "hazard.verified",
        "2019-10-16T10:00:00+08:00",
        hazard_id=hazard,
        verifier=town,
        passed=True,
        note="合格",
    )
    yield proposed("hazard.closed", "2019-10-17T10:00:00+08:00", hazard_id=hazard)
    yield proposed(
        "inspection.conducted",
        "2019-10-18T10:00:00+08:00",
        inspection_id=f"I{i}",
        unit_id=ent,
        kind="covert",
        inspectors=[person],
        result="ok",
        hazard_ids=[hazard],
    )


def realistic_events(enterprises: int) -> Iterator[Proposed]:
    yield from _divisions()
    for i in range(enterprises):
        yield from _enterprise(i)


def measure(enterprises: int = 10_000, group: int = 100) -> dict[str, float]:
    """Events per second of decide (groups of ``group``) and of replay."""
    events = list(realistic_events(enterprises))
    domain = Domain()
    started = time.perf_counter()
    for start in range(0, len(events), group):
        decision = domain.begin()
        for offset, event in enumerate(events[start : start + group]):
            decision.decide(event, start + offset + 1)
        decision.commit(min(start + group, len(events)))
    decide_rate = len(events) / (time.perf_counter() - started)
    ledger = FakeLedger()
    for start in range(0, len(events), group):
        ledger.post(*events[start : start + group])
    replayed = Domain()
    started = time.perf_counter()
    for stored in ledger.log:
        replayed.replay(stored)
    replay_rate = len(events) / (time.perf_counter() - started)
    return {"events": len(events), "decide_per_s": decide_rate, "replay_per_s": replay_rate}


if __name__ == "__main__":
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    print(
        f"{result['events']:.0f} events: decide {result['decide_per_s']:,.0f}/s, replay {result['replay_per_s']:,.0f}/s"
    )
