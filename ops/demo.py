"""``ledger demo``: a deterministic, seeded city shaped like 临沂, generated and imported.

``generate(seed, enterprises, years)`` yields envelopes (``type``, ``occurred_at``, ``data``,
``idempotency_key``) in chronological order; the same seed gives the same bytes. ``run_demo``
appends them through the store and the domain's rules, like every other post, or writes them
to a JSON Lines file (``--output``). The city: 临沂市 (371300) with 12 counties/districts and
4 development zones (the counties of 临沂 2019 方案 Annex 1), 156 townships, the nine work
groups (市包县), county officials covering townships (县包乡), township officials covering
enterprises (乡包企), and a year (or more) of hazards, inspections, accidents, sanctions,
illegal sites, exams, evaluations and reports. See ``demo_city`` and ``demo_activity``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import orjson

from ledger.domain import accident_grade
from ledger.envelope import parse_proposed
from ledger.store import EventStore
from ops.demo_activity import Activity
from ops.demo_city import DAY, City, Out, minute_of
from ops.progress import progress_bar

__all__ = ["Tally", "generate", "run_demo", "write_jsonl"]

ACTOR = "demo"


def generate(seed: int, enterprises: int = 9000, years: int = 1) -> Iterator[dict[str, Any]]:
    """The demo city's events, in order, from 2019-01-01 for ``years`` years."""
    if enterprises < 1 or years < 1:
        raise ValueError("enterprises and years must be positive")
    rng = Random(seed)
    horizon = minute_of(dt.date(2019 + years, 1, 1))
    out = Out(horizon, seed)
    city = City(rng, out, enterprises)
    city.build()
    activity = Activity(city, rng)
    activity.plan(years)
    for y in range(years):
        for month in range(1, 13):
            start = minute_of(dt.date(2019 + y, month, 1))
            end = minute_of(dt.date(2019 + y + month // 12, month % 12 + 1, 1))
            activity.month(start, end)
            yield from out.release(end)
    yield from out.release(horizon + DAY)


@dataclass
class Tally:
    """What a generated stream holds: counts by type, hazards by final state, accidents by grade."""

    horizon: str = ""
    types: Counter[str] = field(default_factory=Counter)
    hazard_state: dict[str, str] = field(default_factory=dict)
    hazard_deadline: dict[str, str] = field(default_factory=dict)
    accidents: Counter[str] = field(default_factory=Counter)

    def add(self, envelope: dict[str, Any]) -> None:
        kind = envelope["type"]
        self.types[kind] += 1
        if kind.startswith("hazard."):
            data = envelope["data"]
            hid = data["hazard_id"]
            if kind in ("hazard.assigned", "hazard.deadline_extended"):
                self.hazard_deadline[hid] = data["deadline"]
                self.hazard_state[hid] = "assigned" if kind == "hazard.assigned" else self.hazard_state[hid]
            elif kind == "hazard.verified":
                self.hazard_state[hid] = "verified" if data["passed"] else "verification_failed"
            elif kind not in ("hazard.supervision_listed", "hazard.progress_reported"):
                self.hazard_state[hid] = kind.removeprefix("hazard.")
        elif kind == "accident.occurred":
            data = envelope["data"]
            self.accidents[accident_grade(data["deaths"], data["serious_injuries"], data["direct_loss_cny"])] += 1

    @property
    def events(self) -> int:
        return sum(self.types.values())

    def hazards_by_state(self) -> dict[str, int]:
        return dict(sorted(Counter(self.hazard_state.values()).items()))

    def overdue(self, at: str) -> int:
        """Hazards still awaiting rectification (or re-rectification) whose deadline had passed at ``at``."""
        waiting = ("assigned", "verification_failed")
        return sum(
            1 for hid, state in self.hazard_state.items() if state in waiting and self.hazard_deadline.get(hid, at) < at
        )

    def rectification_rate(self) -> float:
        total = len(self.hazard_state)
        done = sum(1 for s in self.hazard_state.values() if s in ("rectified", "verified", "closed"))
        return done / total if total else 0.0

    def summary(self, elapsed: float, years: int) -> str:
        horizon = f"{2019 + years}-01-01T00:00:00+08:00"
        lines = [
            f"events:    {self.events:,}",
            f"units:     {self.types['unit.registered']:,}",
            f"people:    {self.types['person.registered']:,}",
            f"hazards:   {len(self.hazard_state):,} {self.hazards_by_state()}",
            f"           rectified {self.rectification_rate():.1%}, overdue at the end {self.overdue(horizon):,}",
            f"inspections: {self.types['inspection.conducted']:,}",
            f"accidents: {sum(self.accidents.values()):,} {dict(sorted(self.accidents.items()))}",
            f"sanctions: {self.types['sanction.imposed']:,}",
            f"elapsed:   {elapsed:.1f} s",
        ]
        return "\n".join(lines)


async def run_demo(args: argparse.Namespace, settings: Any) -> int:
    if getattr(args, "if_empty", False) and not args.output and await _holds_events(settings.database_url):
        print("the ledger already holds events; the demo city is not loaded again")
        return 0
    began = time.perf_counter()
    tally = Tally()
    expected = int(args.enterprises * args.years * 45 + 12000)  # a guess for the bar, not a limit
    if args.output:
        path = Path(args.output)
        await asyncio.to_thread(write_jsonl, path, args.seed, args.enterprises, args.years, tally, expected)
        print(f"wrote {tally.events:,} events to {path}")
    else:
        await _import(args, settings, tally, expected)
    print(tally.summary(time.perf_counter() - began, args.years))
    return 0


async def _holds_events(url: str) -> bool:
    from ledger.decider import AcceptAll
    from ops.bootstrap import open_ledger

    store = await open_ledger(url, decider=AcceptAll())
    try:
        return (await store.head()).position > 0
    finally:
        await store.close()


def write_jsonl(path: Path, seed: int, enterprises: int, years: int, tally: Tally, expected: int | None = None) -> None:
    """Write the generated events to ``path``, one envelope a line (what ``ledger import`` reads)."""
    with path.open("wb") as handle, progress_bar(f"writing {path.name}", expected) as bar:
        for envelope in generate(seed, enterprises, years):
            tally.add(envelope)
            handle.write(orjson.dumps(envelope) + b"\n")
            if tally.events % 1000 == 0:
                bar.update(1000)


async def append_generated(
    store: EventStore,
    envelopes: Iterable[dict[str, Any]],
    progress: Callable[[int], object],
    tally: Tally | None = None,
) -> None:
    """Append envelopes through the validated path (envelope, domain) in batches of 1000."""
    batch = []
    for envelope in envelopes:
        if tally is not None:
            tally.add(envelope)
        batch.append(parse_proposed(envelope, ACTOR))
        if len(batch) >= 1000:
            await store.append(batch)
            progress(len(batch))
            batch = []
    if batch:
        await store.append(batch)
        progress(len(batch))


async def _import(args: argparse.Namespace, settings: Any, tally: Tally, expected: int) -> None:
    from ops.bootstrap import log_key, open_ledger, snapshot_when_due

    store = await open_ledger(settings.database_url, key=log_key(settings))
    try:
        head = (await store.head()).position
        with progress_bar("demo city", expected) as bar:
            await append_generated(store, generate(args.seed, args.enterprises, args.years), bar.update, tally)
        after = (await store.head()).position
        print(f"appended {after - head:,} events (log head {after:,})")
        await snapshot_when_due(store)  # the service's first start folds nothing
    finally:
        await store.close()
