"""Every person and unit a dossier names, backed by the events that registered and changed them.

The builder indexes, in its pass over the log, every event that registers or updates a unit
or a person (``NameIndex``); ``name_table`` then gives, for each id the dossier mentions,
the name (and a person's title, a unit's kind) in force at the dossier's moment and the
events that back it. The PDF and the XLSX take every name from this table and nowhere else.

``check_names`` is the verifier's side (no database): each entry's events are in the
dossier, belong to that id's stream, begin with its registration, and set the name and title
the entry shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.envelope import StoredEvent
from ledger.timeutil import format_recorded, parse_timestamp

__all__ = ["BACKING_TYPES", "SHOWN", "NameIndex", "check_names", "cite_backing", "mentioned_ids", "name_table", "sets"]

#: the events that register or change a named entity, and the kind of entity
BACKING_TYPES = {
    "unit.registered": "unit",
    "unit.updated": "unit",
    "person.registered": "person",
    "person.updated": "person",
}
#: the attributes a dossier shows beside a name (data field → entry key): a person's title,
#: a unit's kind
SHOWN = {
    "person": {"name": "name", "title": "title", "unit_id": "unit_id"},
    "unit": {"name": "name", "kind": "unit_kind"},
}


def sets(event: StoredEvent | Mapping[str, Any]) -> dict[str, Any]:
    """The shown attributes an event sets (a registration's own, an update's ``changes``)."""
    type_ = event.type if isinstance(event, StoredEvent) else event.get("type")
    data = event.data if isinstance(event, StoredEvent) else event.get("data")
    kind = BACKING_TYPES.get(str(type_))
    if kind is None or not isinstance(data, dict):
        return {}
    source = data if str(type_).endswith(".registered") else data.get("changes")
    if not isinstance(source, dict):
        return {}
    return {k: source[k] for k in SHOWN[kind] if isinstance(source.get(k), str)}


@dataclass(frozen=True, slots=True)
class _Change:
    position: int
    #: from when it holds in valid time: "" for a registration (from the beginning)
    valid_from: str
    values: dict[str, Any]


@dataclass
class NameIndex:
    """Per unit or person id, its registration and updates (positions, not whole events)."""

    kinds: dict[str, str] = field(default_factory=dict)
    changes: dict[str, list[_Change]] = field(default_factory=dict)

    def add(self, event: StoredEvent) -> None:
        kind = BACKING_TYPES.get(event.type)
        if kind is None:
            return
        entity = event.stream.partition(":")[2]
        if event.type.endswith(".registered"):
            valid_from = ""
        else:
            valid_from = _utc(event.data.get("valid_from") or event.occurred_at)
        self.kinds.setdefault(entity, kind)
        self.changes.setdefault(entity, []).append(_Change(event.position, valid_from, sets(event)))

    def __contains__(self, entity: object) -> bool:
        return entity in self.changes


def _utc(timestamp: str) -> str:
    return format_recorded(parse_timestamp(timestamp))


def mentioned_ids(index: NameIndex, *values: Any) -> set[str]:
    """Every string anywhere in ``values`` that is a registered unit or person id."""
    found: set[str] = set()
    stack: list[Any] = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item in index:
                found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def name_table(index: NameIndex, ids: Iterable[str], at: str) -> dict[str, dict[str, Any]]:
    """``{id: {id, type, name, title | unit_kind, positions}}`` as in force at valid time ``at``
    (a UTC key); ``type`` is ``person`` or ``unit``; ``positions`` are the backing events, to
    be cited once they are read (``cite_backing``)."""
    table: dict[str, dict[str, Any]] = {}
    for entity in sorted(ids):
        changes = sorted(index.changes[entity], key=lambda c: (c.valid_from, c.position))
        shown: dict[str, Any] = {}
        for change in changes:
            if change.valid_from <= at or not shown:
                shown.update(change.values)
        kind = index.kinds[entity]
        table[entity] = {
            "id": entity,
            "type": kind,
            **{key: shown.get(field) for field, key in SHOWN[kind].items()},
            "positions": sorted(c.position for c in changes),
        }
    return table


def cite_backing(table: dict[str, dict[str, Any]], events: Mapping[int, StoredEvent]) -> None:
    """Replace each entry's ``positions`` by citations ``{position, hash, type}`` of its events."""
    for entry in table.values():
        entry["events"] = [
            {"position": p, "hash": events[p].hash, "type": events[p].type} for p in entry.pop("positions")
        ]


def check_names(names: Any, events: Mapping[int, StoredEvent]) -> list[tuple[int | None, str]]:
    """What is wrong with a dossier's name table, given the events it proves: (position, why)."""
    if not isinstance(names, dict):
        return [(None, "dossier.json has no table of the people and units it names")]
    problems: list[tuple[int | None, str]] = []
    for entity, entry in sorted(names.items()):
        problems += _check_entry(str(entity), entry, events)
    return problems


def _check_entry(entity: str, entry: Any, events: Mapping[int, StoredEvent]) -> list[tuple[int | None, str]]:
    if not isinstance(entry, dict) or entry.get("type") not in SHOWN or not isinstance(entry.get("events"), list):
        return [(None, f"the name entry of {entity} is malformed")]
    kind, cited = entry["type"], entry["events"]
    who = f"{kind} {entity} ({entry.get('name')})"
    raw = [c.get("position") if isinstance(c, dict) else None for c in cited]
    positions: list[int] = [p for p in raw if isinstance(p, int) and not isinstance(p, bool)]
    if not positions or len(positions) != len(raw):
        return [(None, f"{who} is named without the events that registered it")]
    missing = [p for p in positions if p not in events]
    if missing:
        return [(p, f"{who} is named, but its backing event at position {p} is not in events.jsonl") for p in missing]
    backing = [events[p] for p in sorted(positions)]
    if backing[0].type != f"{kind}.registered":
        return [(backing[0].position, f"{who} is named without the event that registered it")]
    problems: list[tuple[int | None, str]] = []
    shown: dict[str, set[Any]] = {}
    for event in backing:
        if event.stream != f"{kind}:{entity}" or event.type not in BACKING_TYPES:
            problems.append(
                (event.position, f"{who} cites an event that is not about it ({event.type} {event.stream})")
            )
        for key, value in sets(event).items():
            shown.setdefault(key, set()).add(value)
    for attribute, key in SHOWN[kind].items():
        value = entry.get(key)
        if value is not None and value not in shown.get(attribute, set()):
            problems.append((backing[0].position, f"{who}: its {attribute} {value!r} is set by none of its events"))
    return problems
