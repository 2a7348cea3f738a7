"""``Domain``: the ledger's ``Decider`` (``ledger.decider``) over the aggregates.

Deciding one event: validate its data (``validate.py``), find its stream's aggregate
(refuse a second registration, or a change to something never registered), check every
referenced id against the registries, run the type's guard, then apply the ``@event``
method to a copy of the aggregate in the decision's overlay. Every refusal happens before
the first write, and ``decide`` also rolls back to its own mark on any error, so a refused
event leaves the decision as it found it.

Replaying an event already in the log skips every check and applies it in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

from ledger.catalogue import EVENT_TYPES

# the entity modules register their rules on import
from ledger.domain import accidents, assignments, enforcement, hazards, policy, units, visits  # noqa: F401
from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.rules import RULES, EventRule, exists, refuse_unknown
from ledger.domain.snapshot import StateLoader, state_parts
from ledger.domain.state import DecisionView, ReplayView, Tables, View
from ledger.domain.validate import references, validate
from ledger.envelope import Proposed, StoredEvent
from ledger.errors import DomainRefused

__all__ = ["Domain", "DomainDecision"]

#: how many replay anomalies (events the rules could not apply) are kept for inspection
MAX_ANOMALIES: Final = 100


class DomainDecision:
    """One group of posts: copy-on-write over the committed state."""

    def __init__(self, domain: Domain) -> None:
        self._domain = domain
        self._view = DecisionView(domain.tables, domain.library, domain.retire)
        self._open = True

    def decide(self, event: Proposed, position: int) -> None:
        if not self._open:
            raise RuntimeError("this decision was already committed or aborted")
        fact = Fact(
            event.type,
            event.stream,
            event.data,
            event.occurred_at,
            _at(event.occurred_at),
            position,
        )
        mark = self._view.mark()
        try:
            _decide(self._view, fact)
        except BaseException:
            self._view.rollback(mark)  # guards refuse before writing; this is the safety net
            raise

    def mark(self) -> object:
        return self._view.mark()

    def rollback(self, mark: object) -> None:
        if not isinstance(mark, int):
            raise TypeError("not a mark of this decision")
        self._view.rollback(mark)

    def commit(self, position: int) -> None:
        self._view.merge()
        self._domain.position = position
        self._open = False

    def abort(self) -> None:
        self._view.discard()
        self._open = False


class Domain:
    """The rules of SPEC §5/§6 over the log; one instance lives as long as the appender.

    ``library=True`` applies every event through the eventsourcing library's own event
    objects instead of the fast path (same ``@event`` bodies; slower; for the tests).
    ``retire=False`` keeps every entity whole, also once its life is over (to show one
    stream's state; the appender's keeps only what the rules still read).
    """

    def __init__(self, library: bool = False, retire: bool = True) -> None:
        self.position = 0
        self.library = library
        self.retire = retire
        self.tables = Tables()
        self.replay_view = ReplayView(self.tables, library, retire)
        #: (position, reason) of log events the rules could not apply on replay
        self.anomalies: list[tuple[int, str]] = []

    def begin(self) -> DomainDecision:
        return DomainDecision(self)

    def replay(self, event: StoredEvent) -> None:
        """Fold an event already in the log; never refuses (the log is the truth)."""
        rule = RULES[event.type]
        fact = Fact(
            event.type,
            event.stream,
            event.data,
            event.occurred_at,
            _at(event.occurred_at),
            event.position,
        )
        view = self.replay_view
        try:
            _apply(view, rule, fact, view.get(event.stream))
        except Exception as exc:
            if len(self.anomalies) < MAX_ANOMALIES:
                self.anomalies.append((event.position, f"{type(exc).__name__}: {exc}"))
        self.position = event.position

    # snapshots (ledger/domain/snapshot.py; stored by ledger/store/snapshots.py) -----------
    @property
    def entities(self) -> int:
        return len(self.tables.aggregates)

    def state_parts(self) -> Iterator[bytes]:
        """The committed state as bytes, in parts (keep it still until the last one)."""
        return state_parts(self)

    def loader(self) -> StateLoader:
        """Loads a snapshot's parts into a domain that has folded nothing yet."""
        return StateLoader(self)

    # reads, for the API's "current state" and for tests ----------------------------------
    def get(self, stream: str) -> Entity | None:
        """The committed aggregate of ``stream`` (e.g. ``hazard:HZ-2019-0001``), or None."""
        return self.tables.aggregates.get(stream)

    def snapshot(self) -> dict[str, Any]:
        """The committed state as plain data (aggregates' attributes and the indexes)."""
        return {
            "aggregates": {s: _public(a) for s, a in self.tables.aggregates.items()},
            "exclusive": dict(self.tables.exclusive),
            "superseded": dict(self.tables.superseded),
        }


def _public(agg: Entity) -> dict[str, Any]:
    return {k: v for k, v in agg.__dict__.items() if k != "_pending_events"}


def _at(occurred_at: str) -> datetime:
    return to_datetime(occurred_at)


def _decide(view: DecisionView, fact: Fact) -> None:
    validate(fact.type, fact.data)
    rule = RULES[fact.type]
    agg = view.get(fact.stream)
    _check_stream(rule, fact, agg)
    for field, registry, entity_id in references(fact.type, fact.data):
        if not exists(view, registry, entity_id):
            raise refuse_unknown(registry, entity_id, field)
    rule.guard(view, fact, agg)
    _apply(view, rule, fact, agg)


def _check_stream(rule: EventRule, fact: Fact, agg: Entity | None) -> None:
    cls = rule.mutator.cls
    kind = cls.__name__.lower()
    if rule.creates and agg is not None:
        raise DomainRefused(
            "registry.duplicate",
            f"{fact.stream} is already registered (version {agg.version}); "
            "a registered entity cannot be registered twice",
            field=_id_field(fact),
        )
    if not rule.creates and not isinstance(agg, cls):
        raise DomainRefused(
            "registry.unknown",
            f"no {kind} {fact.entity_id!r} is registered in the ledger",
            field=_id_field(fact),
        )


def _id_field(fact: Fact) -> str:
    return EVENT_TYPES[fact.type][1]


def _apply(view: View, rule: EventRule, fact: Fact, agg: Entity | None) -> None:
    if rule.creates:
        if agg is not None:
            raise ValueError(f"{fact.stream} already exists")
        view.create(rule.mutator, fact)
    else:
        if agg is None:
            raise ValueError(f"{fact.stream} does not exist")
        view.update(rule.mutator, agg, fact)
    if rule.after is not None:
        rule.after(view, fact)
