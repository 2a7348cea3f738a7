"""Jurisdiction: which units an event touches, and whether a unit lies in a caller's subtree.

A recorder may write only facts whose every unit lies in its subtree: the unit an event is
about, and every unit, person (their home unit) or holder it names — a unit's new parent,
an assignment's holder, a hazard's responsible person, a sanction's target. Writes are
judged against the domain's own state (exact, up to the last append; today's tree). Outside
a reader's scope, "not found" and "forbidden" look the same (``hidden``; reads judge scope in
``api/reads.py``), so no answer tells whether something exists.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from api.problems import Problem
from ledger.domain import Domain
from ledger.domain.validate import references
from ledger.envelope import Proposed

__all__ = ["event_unit", "event_units", "hidden", "within_written"]

_UNIT_FIELD = {
    "hazard.reported": "unit_id",
    "inspection.conducted": "unit_id",
    "accident.occurred": "unit_id",
    "illegal_site.found": "unit_id",
    "report.submitted": "unit_id",
    "evaluation.scored": "unit_id",
    "assignment.made": "target",
    "policy.adopted": "jurisdiction",
    "visit.made": "target",
}
#: for events about an existing entity: the attribute of its aggregate naming its unit
_ENTITY_UNIT = {
    "hazard": "unit_id",
    "accident": "unit_id",
    "person": "unit_id",
    "assignment": "target",
    "inspection": "unit_id",
}


def event_units(event: Proposed, domain: Domain, batch: Sequence[Proposed]) -> Iterator[tuple[str, str | None]]:
    """Every unit ``event`` touches, with the field naming it ("" for the unit it is about);
    None where it cannot be told (an unknown id: never in anyone's scope)."""
    yield "", event_unit(event, domain, batch)
    for path, registry, ident in references(event.type, event.data):
        yield f"data/{path}", _unit_of(registry, ident, domain, batch)


def _unit_of(registry: str, ident: str, domain: Domain, batch: Sequence[Proposed]) -> str | None:
    if registry == "unit":
        return ident
    if registry in ("holder", "person"):
        return _unit_of_holder(ident, domain, batch)
    attribute = _ENTITY_UNIT.get(registry)
    stream = f"{registry}:{ident}"
    entity = domain.get(stream) or _registered_in(batch, stream)
    return getattr(entity, attribute, None) if attribute and entity is not None else None


def event_unit(event: Proposed, domain: Domain, batch: Sequence[Proposed]) -> str | None:
    """The unit an event concerns (a new unit: its parent), or None if it cannot be told."""
    data = event.data
    if event.type == "unit.registered":
        return data.get("parent_id") or data.get("unit_id")
    if event.type.startswith("unit.") or event.type == "evaluation.scored":
        return data.get("unit_id")
    if event.type in _UNIT_FIELD:
        return data.get(_UNIT_FIELD[event.type])
    if event.type == "person.registered":
        return data.get("unit_id")
    if event.type == "sanction.imposed":
        return _unit_of_holder(str(data.get("target")), domain, batch)
    if event.type == "sanction.lifted":
        imposed = domain.get(event.stream)
        return _unit_of_holder(str(getattr(imposed, "target", "")), domain, batch) if imposed else None
    prefix = event.stream.partition(":")[0]
    if prefix in _ENTITY_UNIT:
        entity = domain.get(event.stream) or _registered_in(batch, event.stream)
        return getattr(entity, _ENTITY_UNIT[prefix], None) if entity is not None else None
    return None


def _unit_of_holder(holder: str, domain: Domain, batch: Sequence[Proposed]) -> str | None:
    if domain.get(f"unit:{holder}") is not None or _registered_in(batch, f"unit:{holder}") is not None:
        return holder
    person = domain.get(f"person:{holder}") or _registered_in(batch, f"person:{holder}")
    return getattr(person, "unit_id", None) if person is not None else None


class _Pending:
    """A stand-in for an entity registered earlier in the same batch."""

    def __init__(self, data: dict[str, object]) -> None:
        self.__dict__.update(data)


def _registered_in(batch: Sequence[Proposed], stream: str) -> _Pending | None:
    for event in batch:
        if event.stream == stream and event.type.endswith((".registered", ".made", ".reported", ".occurred")):
            return _Pending(event.data)
    return None


def within_written(unit_id: str | None, scope: str, domain: Domain, batch: Sequence[Proposed]) -> bool:
    """Is ``unit_id`` the scope unit or below it, as the domain (and this batch) knows the tree?"""
    seen = 0
    current = unit_id
    while current is not None and seen < 64:
        if current == scope:
            return True
        unit = domain.get(f"unit:{current}") or _registered_in(batch, f"unit:{current}")
        current = getattr(unit, "parent_id", None) if unit is not None else None
        seen += 1
    return False


def hidden(what: str) -> Problem:
    """The one answer for something that does not exist *or* lies outside the caller's
    scope: the same status and words either way, so that no answer is an existence oracle."""
    return Problem(
        404, "not-found", "Not found", f"no {what} (or none you may read)", zh=f"未找到 {what}，或不在本令牌的辖区内"
    )
