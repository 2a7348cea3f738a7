"""The registry projector: units and people as facts in valid time, the tree, the policies.

A registration holds from the dawn of time; a ``unit.updated`` / ``person.updated`` sets
the attributes it names from its ``valid_from`` (default its ``occurred_at``) on; a closure
or a departure is a fact from its ``occurred_at`` on. The facts of an entity are kept as
posted (``registry_facts``); its versions — one per valid-time segment between the facts'
``valid_from``s, the facts applied in (valid_from, position) order — are derived from them
and kept bitemporally (``unit_versions``, ``person_versions``), so that "the name of this
enterprise on that day, as the ledger knew it then" is one indexed read.

``unit_tree`` is the closure of the administrative tree in valid time: each unit's
ancestors, with the interval during which each lay above it. A unit's rows follow from its
parent's segments and its parents' rows; when a unit's parent changes (or a parent is
registered after its children), its rows and those of everything below it are computed anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import orjson
import structlog

from ledger.envelope import StoredEvent
from ledger.store.sql import SQLTx
from projections.base import Projector
from projections.bitemporal import Believed, chunks
from projections.timekeys import DAWN, FOREVER, OPEN, utc_key

__all__ = ["RegistryProjector", "closure_rows", "segments"]

log = structlog.get_logger("ledger.projections.registry")

#: attributes of a unit with a column of their own (the rest only in ``attributes``)
UNIT_COLUMNS = ("kind", "name", "parent_id", "industry", "above_scale", "risk_level")
UNIT_CONTENT = ("valid_from", "valid_to", *UNIT_COLUMNS, "attributes", "closed_at", "events")
PERSON_CONTENT = ("valid_from", "valid_to", "name", "title", "unit_id", "departed_at", "events")
TREE_CONTENT = ("ancestor_id", "depth", "valid_from", "valid_to")
#: a walk up the tree longer than this is a cycle (the tree is about six deep)
MAX_DEPTH = 64

Fact = tuple[str, int, str, str, dict[str, Any]]  # (valid_from, position, hash, type, changes)
Segment = tuple[str, str, dict[str, Any], list[list[Any]]]  # (from, to, attributes, events)
TreeRow = tuple[str, int, str, str]  # (ancestor_id, depth, valid_from, valid_to)


def segments(facts: Iterable[Fact]) -> list[Segment]:
    """The versions the facts make: from each distinct ``valid_from`` to the next, every fact
    with an earlier or equal ``valid_from`` applied in (valid_from, position) order."""
    ordered = sorted(facts, key=lambda f: (f[0], f[1]))
    out: list[Segment] = []
    state: dict[str, Any] = {}
    events: list[list[Any]] = []
    for i, (valid_from, position, hash_, type_, changes) in enumerate(ordered):
        state.update(changes)
        events.append([position, hash_, type_])
        if i + 1 < len(ordered) and ordered[i + 1][0] == valid_from:
            continue  # another fact takes effect at the same instant: one version for both
        valid_to = ordered[i + 1][0] if i + 1 < len(ordered) else FOREVER
        out.append((valid_from, valid_to, dict(state), list(events)))
    return out


def closure_rows(
    unit_id: str, parents: list[tuple[str, str, str | None]], rows_of: Callable[[str], list[TreeRow]]
) -> list[TreeRow]:
    """The tree rows of ``unit_id``: itself at depth 0 for all time, and above it, during each
    of its parent segments ``(from, to, parent)``, the parent's rows one level deeper."""
    found: list[TreeRow] = [(unit_id, 0, DAWN, FOREVER)]
    for start, end, parent in parents:
        if parent is None:
            continue
        for ancestor, depth, p_from, p_to in rows_of(parent):
            low, high = max(start, p_from), min(end, p_to)
            if low < high and ancestor != unit_id and depth + 1 < MAX_DEPTH:
                found.append((ancestor, depth + 1, low, high))
    found.sort()
    merged: list[TreeRow] = []
    for row in found:  # adjacent intervals of the same ancestor at the same depth: one row
        if merged and merged[-1][:2] == row[:2] and merged[-1][3] == row[2]:
            merged[-1] = (row[0], row[1], merged[-1][2], row[3])
        else:
            merged.append(row)
    return merged


def _parent_segments(versions: list[tuple[Any, ...]]) -> list[tuple[str, str, str | None]]:
    index = UNIT_CONTENT.index("parent_id")
    found = sorted((v[0], v[1], v[index]) for v in versions)
    merged: list[tuple[str, str, str | None]] = []
    for start, end, parent in found:
        if merged and merged[-1][2] == parent and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end, parent)
        else:
            merged.append((start, end, parent))
    return merged


def _unit_content(segment: Segment) -> tuple[Any, ...]:
    start, end, attrs, events = segment
    above = attrs.get("above_scale")
    return (
        start,
        end,
        attrs.get("kind", ""),
        attrs.get("name", ""),
        attrs.get("parent_id"),
        attrs.get("industry"),
        None if above is None else int(bool(above)),
        attrs.get("risk_level"),
        orjson.dumps(attrs, option=orjson.OPT_SORT_KEYS).decode(),
        attrs.get("closed_at"),
        orjson.dumps(events).decode(),
    )


def _person_content(segment: Segment) -> tuple[Any, ...]:
    start, end, attrs, events = segment
    return (
        start,
        end,
        attrs.get("name", ""),
        attrs.get("title", ""),
        attrs.get("unit_id", ""),
        attrs.get("departed_at"),
        orjson.dumps(events).decode(),
    )


def _fact(event: StoredEvent) -> tuple[str, str, Fact] | None:
    """(entity, id, fact) of a registry event; None for one that sets no attribute."""
    d = event.data
    kind = event.type
    if kind == "unit.registered":
        changes = {k: v for k, v in d.items() if k != "unit_id"}
        return "unit", d["unit_id"], (DAWN, event.position, event.hash, kind, changes)
    if kind == "person.registered":
        changes = {k: d[k] for k in ("name", "title", "unit_id")}
        return "person", d["person_id"], (DAWN, event.position, event.hash, kind, changes)
    start = utc_key(d.get("valid_from") or event.occurred_at)
    if kind == "unit.updated":
        return "unit", d["unit_id"], (start, event.position, event.hash, kind, dict(d["changes"]))
    if kind == "person.updated":
        changes = {k: v for k, v in d["changes"].items() if k in ("name", "title", "unit_id")}
        return "person", d["person_id"], (start, event.position, event.hash, kind, changes)
    if kind == "unit.closed":
        changes = {"closed_at": utc_key(event.occurred_at), "closed_reason": d.get("reason")}
        return "unit", d["unit_id"], (utc_key(event.occurred_at), event.position, event.hash, kind, changes)
    if kind == "person.departed":
        changes = {"departed_at": utc_key(event.occurred_at)}
        return "person", d["person_id"], (utc_key(event.occurred_at), event.position, event.hash, kind, changes)
    return None


class _Page:
    """One page's state: the facts, versions and tree rows of the entities it touches."""

    def __init__(self, tx: SQLTx) -> None:
        self.tx = tx
        self.facts: dict[tuple[str, str], list[Fact]] = {}
        self.new_facts: list[tuple[str, str, Fact]] = []
        self.units = Believed("unit_versions", "unit_id", UNIT_CONTENT, ("valid_from",))
        self.people = Believed("person_versions", "person_id", PERSON_CONTENT, ("valid_from",))
        self.tree = Believed("unit_tree", "unit_id", TREE_CONTENT, ("ancestor_id", "valid_from"))
        #: parent → units whose believed versions name it (from the page, and waiting ones)
        self.children: dict[str, set[str]] = {}

    async def prefetch(self, events: list[StoredEvent]) -> None:
        """Load, in bulk, the facts and believed rows of what the page touches."""
        registered: set[tuple[str, str]] = set()
        touched: set[tuple[str, str]] = set()
        parents: set[str] = set()
        for event in events:
            found = _fact(event)
            if found is None:
                continue
            entity, entity_id, (_, _, _, kind, changes) = found
            if kind.endswith(".registered"):
                registered.add((entity, entity_id))
            elif (entity, entity_id) not in registered:
                touched.add((entity, entity_id))
            if entity == "unit" and changes.get("parent_id"):
                parents.add(changes["parent_id"])
        new_units = sorted(i for e, i in registered if e == "unit")
        for entity in ("unit", "person"):
            ids = sorted(i for e, i in touched if e == entity)
            await self._load_facts(entity, ids)
            for entity_id in (i for e, i in registered if e == entity):
                self.facts.setdefault((entity, entity_id), [])
            await (self.units if entity == "unit" else self.people).load(self.tx, ids)
        await self.tree.load(self.tx, sorted((parents - set(new_units)) | {i for e, i in touched if e == "unit"}))
        # what this page registers has nothing stored yet (a registration comes first)
        for entity_id in new_units:
            self.units.rows.setdefault(entity_id, [])
            self.tree.rows.setdefault(entity_id, [])
        for entity_id in (i for e, i in registered if e == "person"):
            self.people.rows.setdefault(entity_id, [])
        # units that named a unit of this page as their parent before it was registered
        for chunk in chunks(new_units):
            rows = await self.tx.fetch(
                "SELECT DISTINCT parent_id, unit_id FROM unit_versions "
                f"WHERE recorded_to = ? AND parent_id IN ({', '.join('?' * len(chunk))})",
                OPEN,
                *chunk,
            )
            for parent, child in rows:
                self.children.setdefault(parent, set()).add(child)

    async def _load_facts(self, entity: str, ids: Iterable[str]) -> None:
        for chunk in chunks([i for i in dict.fromkeys(ids) if (entity, i) not in self.facts]):
            for entity_id in chunk:
                self.facts[(entity, entity_id)] = []
            rows = await self.tx.fetch(
                "SELECT entity_id, valid_from, position, hash, type, changes FROM registry_facts "
                f"WHERE entity = ? AND entity_id IN ({', '.join('?' * len(chunk))})",
                entity,
                *chunk,
            )
            for entity_id, valid_from, position, hash_, type_, changes in rows:
                self.facts[(entity, entity_id)].append((valid_from, int(position), hash_, type_, orjson.loads(changes)))

    async def apply(self, event: StoredEvent) -> None:
        found = _fact(event)
        if found is None:
            return
        entity, entity_id, fact = found
        await self._load_facts(entity, [entity_id])
        facts = self.facts[(entity, entity_id)]
        facts.append(fact)
        self.new_facts.append((entity, entity_id, fact))
        if entity == "person":
            await self.people.load(self.tx, [entity_id])
            self.people.replace(entity_id, [_person_content(s) for s in segments(facts)], event.position)
            return
        await self.units.load(self.tx, [entity_id])
        before = _parent_segments(self.units.current(entity_id))
        self.units.replace(entity_id, [_unit_content(s) for s in segments(facts)], event.position)
        after = _parent_segments(self.units.current(entity_id))
        for _, _, parent in after:
            if parent:
                self.children.setdefault(parent, set()).add(entity_id)
        if fact[3] == "unit.registered":
            waiting: set[str] = set()
            for child in self.children.get(entity_id, set()) - {entity_id}:
                waiting |= {child, *await self._descendants(child)}
            await self._retree([entity_id, *sorted(waiting)], event.position)
        elif before != after:
            await self._retree([entity_id, *await self._descendants(entity_id)], event.position)

    async def _descendants(self, unit_id: str) -> list[str]:
        rows = await self.tx.fetch(
            "SELECT DISTINCT unit_id FROM unit_tree WHERE ancestor_id = ? AND recorded_to = ? AND unit_id <> ?",
            unit_id,
            OPEN,
            unit_id,
        )
        pending = {u for u, _ in self._pending_tree_members(unit_id)}
        return sorted({r[0] for r in rows} | pending)

    def _pending_tree_members(self, ancestor: str) -> Iterable[tuple[str, int]]:
        for unit, _rows in self.tree.rows.items():
            for content in self.tree.current(unit):
                if content[0] == ancestor and unit != ancestor:
                    yield unit, content[1]

    async def _retree(self, units: list[str], position: int) -> None:
        """Compute the tree rows of ``units`` anew, parents before children."""
        await self.units.load(self.tx, units)
        await self.tree.load(self.tx, units)
        parent_of = {u: _parent_segments(self.units.current(u)) for u in units}
        await self.tree.load(self.tx, {p for segs in parent_of.values() for _, _, p in segs if p})
        remaining = list(dict.fromkeys(units))
        done: set[str] = set()
        for _ in range(len(remaining) + 1):
            progress = False
            for unit in list(remaining):
                waits = {p for _, _, p in parent_of[unit] if p in parent_of and p not in done and p != unit}
                if waits:
                    continue
                rows = closure_rows(unit, parent_of[unit], self._rows_of)
                self.tree.replace(unit, rows, position)
                done.add(unit)
                remaining.remove(unit)
                progress = True
            if not remaining or not progress:
                break
        if remaining:  # a cycle in valid time: the domain refuses these; never loop on one
            log.warning("the unit tree has a cycle; chains left short", units=remaining, position=position)
            for unit in remaining:
                self.tree.replace(unit, closure_rows(unit, [], self._rows_of), position)

    def _rows_of(self, unit_id: str) -> list[TreeRow]:
        return [(c[0], int(c[1]), c[2], c[3]) for c in self.tree.current(unit_id)]

    async def flush(self) -> None:
        if self.new_facts:
            await self.tx.insert(
                "registry_facts",
                ("entity", "entity_id", "position", "hash", "type", "valid_from", "changes"),
                [
                    (
                        entity,
                        entity_id,
                        f[1],
                        f[2],
                        f[3],
                        f[0],
                        orjson.dumps(f[4], option=orjson.OPT_SORT_KEYS).decode(),
                    )
                    for entity, entity_id, f in self.new_facts
                ],
            )
        await self.units.flush(self.tx)
        await self.people.flush(self.tx)
        await self.tree.flush(self.tx)


class RegistryProjector(Projector):
    name = "registry"
    tables = ("registry_facts", "unit_versions", "unit_tree", "person_versions", "policies")
    types: ClassVar[frozenset[str]] = frozenset(
        {
            "unit.registered",
            "unit.updated",
            "unit.closed",
            "person.registered",
            "person.updated",
            "person.departed",
            "policy.adopted",
        }
    )
    # a unit registered after its children finds them by parent; a moved unit, its subtree
    fold_indexes = frozenset({"unit_versions_parent", "unit_tree_ancestor"})

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        page = _Page(tx)
        await page.prefetch(events)
        policies: list[tuple[Any, ...]] = []
        for event in events:
            if event.type == "policy.adopted":
                policies.append(_policy_row(event))
            else:
                await page.apply(event)
        await page.flush()
        if policies:
            await tx.executemany(
                "INSERT INTO policies (policy_id, jurisdiction, rules, basis, name, valid_from, valid_to, position, "
                "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                policies,
            )


def _policy_row(event: StoredEvent) -> tuple[Any, ...]:
    d = event.data
    return (
        d["policy_id"],
        d["jurisdiction"],
        orjson.dumps(d["rules"]).decode(),
        d["basis"],
        d.get("name"),
        utc_key(d["valid_from"]),
        utc_key(d["valid_to"]) if d.get("valid_to") else FOREVER,
        event.position,
        event.hash,
    )
