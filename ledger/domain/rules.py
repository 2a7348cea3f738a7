"""The table from catalogue type to aggregate, ``@event`` method, guard and side effect.

Each entity module registers its types with ``@rule(type, Aggregate, "method")`` on its
guard function. The guard receives the view, the fact and the aggregate of the event's
stream (None for a creating event) and raises ``DomainRefused``; it must not write. An
optional ``after`` effect updates the cross-entity indexes and runs in replay too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ledger.domain.base import Entity, Fact, Mutator, mutator
from ledger.domain.state import View
from ledger.errors import DomainRefused

__all__ = [
    "RULES",
    "EventRule",
    "exists",
    "find",
    "refuse_unknown",
    "rule",
]

Guard = Callable[[View, Fact, Entity | None], None]
Effect = Callable[[View, Fact], None]

#: registry name (as in the schema's ``ref``) → the stream prefixes an id may be found under
REGISTRIES: Final[dict[str, tuple[str, ...]]] = {
    "unit": ("unit",),
    "person": ("person",),
    "holder": ("person", "unit"),  # a holder/responsible is a person or a unit
    "assignment": ("assignment",),
    "hazard": ("hazard",),
    "inspection": ("inspection",),
    "accident": ("accident",),
}


@dataclass(frozen=True, slots=True)
class EventRule:
    mutator: Mutator
    creates: bool
    guard: Guard
    after: Effect | None = None


RULES: dict[str, EventRule] = {}


def rule(event_type: str, cls: type[Entity], method: str, after: Effect | None = None) -> Callable[[Guard], Guard]:
    def register(guard: Guard) -> Guard:
        RULES[event_type] = EventRule(mutator(cls, method), method == "__init__", guard, after)
        return guard

    return register


def find(view: View, registry: str, entity_id: str) -> Entity | None:
    for prefix in REGISTRIES[registry]:
        agg = view.get(f"{prefix}:{entity_id}")
        if agg is not None:
            return agg
    return None


def exists(view: View, registry: str, entity_id: str) -> bool:
    return find(view, registry, entity_id) is not None


def refuse_unknown(registry: str, entity_id: str, field: str) -> DomainRefused:
    what = {"holder": "person or unit"}.get(registry, registry)
    return DomainRefused(
        "registry.unknown",
        f"{field}: no {what} {entity_id!r} is registered in the ledger; register it first "
        "(a back-dated registration is fine)",
        field=field,
    )
