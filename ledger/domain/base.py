"""The aggregate base class and the two ways of applying an event to an aggregate.

Every entity is an ``eventsourcing.domain.Aggregate`` written in the library's bank-account
style: ``check_*`` guards raise ``DomainRefused`` and an ``@event`` method only mutates.
Its id is a UUID5 of the stream name (the library wants UUIDs); the ledger's own string id
is kept as ``stream`` / ``entity_id``. The library's event classes are never stored: the
log keeps the catalogue's type names (``hazard.rectified``), mapped here to methods.

The library's machinery (one frozen dataclass event per call, signature coercion) costs
about 35 µs for a creation and 12 µs for a change — too slow for replaying a million
events at startup. So ``apply_fast`` calls the *same* ``@event`` method body directly and
advances ``version`` / ``modified_on`` as the library would; ``apply_library`` goes through
the library, and the tests prove both give equal aggregates.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.timeutil import parse_timestamp

__all__ = [
    "Entity",
    "Fact",
    "Mutator",
    "apply_fast",
    "apply_library",
    "clone",
    "create_fast",
    "create_library",
    "mutator",
    "stream_uuid",
    "to_datetime",
]

#: namespace of the aggregates' UUID5 ids (fixed forever: ids derive from stream names)
STREAM_NAMESPACE: Final = UUID("5b0e5a52-3c8f-4d0e-9c55-6c6564676572")

#: the valid time of the event being applied, read by the library's timestamp factory so
#: that both application paths stamp an aggregate with the event's ``occurred_at``
_CLOCK: ContextVar[datetime] = ContextVar("ledger_domain_clock")


def stream_uuid(stream: str) -> UUID:
    return uuid5(STREAM_NAMESPACE, stream)


#: parsed timestamps; deadlines and valid_from repeat a great deal across a ledger
_PARSED: dict[str, datetime] = {}
_PARSED_MAX: Final = 65_536


def to_datetime(text: str) -> datetime:
    """A timestamp already validated by ``parse_timestamp``; the C parser first, for speed."""
    found = _PARSED.get(text)
    if found is not None:
        return found
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = parse_timestamp(text)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()  # a crude bound: the cache refills with what is common
    _PARSED[text] = moment
    return moment


class Entity(Aggregate):
    """An aggregate whose id derives from its stream name (``hazard:HZ-2019-0001``)."""

    stream: str

    class Event(Aggregate.Event):
        @staticmethod
        def create_timestamp() -> datetime:
            return _CLOCK.get()

    class Created(Event, Aggregate.Created):
        pass

    @staticmethod
    def create_id(stream: str) -> UUID:
        return stream_uuid(stream)

    @property
    def entity_id(self) -> str:
        return self.stream.partition(":")[2]

    def attributes(self) -> dict[str, Any]:
        """The aggregate's attributes as plain data (without the library's pending events)."""
        return {k: v for k, v in self.__dict__.items() if k != "_pending_events"}

    #: what the rules (and the scope of a post) still read of it once retired
    kept_when_retired: ClassVar[tuple[str, ...]] = ()

    def retiring(self) -> bool:
        """Is its life over — will every later event on it be refused, whatever it says? Then
        the rules' state keeps only ``kept_when_retired`` of it (``retired``): a city's
        closed hazards and past inspections would otherwise stay whole in every writing
        process for ever."""
        return False

    def retired(self) -> Entity:
        """The same entity with only its version and ``kept_when_retired`` — not the library's
        id, timestamps and pending events, which nothing reads of a life that is over (its
        own stream rebuilds it whole: ``rebuild``, ``GET /v1/streams``). Kept strings are
        interned: a unit's closed hazards and inspections share its id (a retired inspection
        in 150 bytes instead of 620)."""
        stub = object.__new__(type(self))
        mine = self.__dict__
        kept = {k: mine[k] for k in self.kept_when_retired if k in mine}
        for name, value in kept.items():  # the stream is the state's own key already: one object
            if name != "stream" and type(value) is str:
                kept[name] = sys.intern(value)
        stub.__dict__.update(kept, _version=mine["_version"])
        return stub


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is three times slower
class Fact:
    """An event being decided or replayed, with its valid time parsed once."""

    type: str
    stream: str
    data: dict[str, Any]
    occurred_at: str
    at: datetime
    position: int

    @property
    def entity_id(self) -> str:
        return self.stream.partition(":")[2]


@dataclass(frozen=True, slots=True)
class Mutator:
    """An ``@event`` method: its body, its parameters and the library event class name."""

    cls: type[Entity]
    name: str
    body: Callable[..., None]
    #: (data field, default) for each parameter but ``self``, ``stream`` and ``occurred_at``
    fields: tuple[tuple[str, Any], ...]
    wants_stream: bool
    wants_occurred_at: bool

    def kwargs(self, fact: Fact) -> dict[str, Any]:
        """The method's arguments: data fields by name, plus ``stream`` and ``occurred_at``."""
        data = fact.data
        out = {name: data.get(name, default) for name, default in self.fields}
        if self.wants_stream:
            out["stream"] = fact.stream
        if self.wants_occurred_at:
            out["occurred_at"] = fact.occurred_at
        return out

    @property
    def event_class(self) -> type[Any]:
        decorator = _find(self.cls, self.name)
        found: type[Any] = getattr(self.cls, decorator.event_cls_name)
        return found


def _find(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise AttributeError(f"{cls.__name__} has no {name}")


def mutator(cls: type[Entity], name: str) -> Mutator:
    """The ``@event`` method ``name`` of ``cls`` (``__init__`` for the creating event)."""
    body = _find(cls, name).decorated_func
    params = list(inspect.signature(body).parameters.values())[1:]
    names = {p.name for p in params}
    fields = tuple(
        (p.name, None if p.default is inspect.Parameter.empty else p.default)
        for p in params
        if p.name not in ("stream", "occurred_at")
    )
    return Mutator(cls, name, body, fields, "stream" in names, "occurred_at" in names)


def clone(agg: Entity) -> Entity:
    """A shallow copy: mutators rebind attributes (tuples, frozensets), never mutate them."""
    new = object.__new__(type(agg))
    new.__dict__.update(agg.__dict__)
    new.__dict__["_pending_events"] = []
    return new


def create_fast(m: Mutator, fact: Fact) -> Entity:
    agg = object.__new__(m.cls)
    agg.__base_init__(originator_id=stream_uuid(fact.stream), originator_version=1, timestamp=fact.at)
    m.body(agg, **m.kwargs(fact))
    return agg


def apply_fast(m: Mutator, agg: Entity, fact: Fact) -> None:
    m.body(agg, **m.kwargs(fact))
    agg._version += 1
    agg._modified_on = fact.at


def create_library(m: Mutator, fact: Fact) -> Entity:
    """Create through the library: ``Hazard(stream=…, …)`` triggers ``Hazard.Reported``."""
    token = _CLOCK.set(fact.at)
    try:
        agg = m.cls(**m.kwargs(fact))
    finally:
        _CLOCK.reset(token)
    agg.collect_events()
    return agg


def apply_library(m: Mutator, agg: Entity, fact: Fact) -> None:
    """Call the ``@event`` method itself, so the library triggers and applies its event."""
    token = _CLOCK.set(fact.at)
    try:
        getattr(agg, m.name)(**m.kwargs(fact))
    finally:
        _CLOCK.reset(token)
    agg.collect_events()
