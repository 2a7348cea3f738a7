"""The registry read model: units and their ancestors, people, policies.

Every other read model filters by jurisdiction ("in the subtree of 371302") through
``unit_ancestors``, a closure table kept here, and judges deadlines by the policy in force
(``policy_rules``), kept here too.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from ledger.domain.policy import DEFAULT_RULES
from ledger.envelope import StoredEvent
from ledger.store.sql import SQL, SQLTx
from projections.base import Projector
from projections.timekeys import FOREVER, utc_key

__all__ = ["DEFAULT_RULES", "UnitsProjector", "ancestors", "policy_rules", "subtree_sql"]

_POSITION_MAX = 2**63 - 1


class UnitsProjector(Projector):
    name = "units"
    tables = ("unit_ancestors", "units", "people", "policies")
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

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        # registrations are the bulk of a rebuild: gathered into a few executemany calls,
        # flushed before any change that may touch a row they add
        units: list[tuple[Any, ...]] = []
        people: list[tuple[Any, ...]] = []
        for event in events:
            if event.type == "unit.registered":
                units.append(_unit_row(event))
            elif event.type == "person.registered":
                d = event.data
                people.append((d["person_id"], d["name"], d["title"], d["unit_id"], event.position))
            else:
                await self._flush(tx, units, people)
                units, people = [], []
                await self._apply_one(tx, event)
        await self._flush(tx, units, people)

    async def _flush(self, tx: SQLTx, units: list[tuple[Any, ...]], people: list[tuple[Any, ...]]) -> None:
        if units:
            await self._register_units(tx, units)
        if people:
            await tx.executemany(
                "INSERT INTO people (person_id, name, title, unit_id, position) VALUES (?, ?, ?, ?, ?)", people
            )

    async def _register_units(self, tx: SQLTx, rows: list[tuple[Any, ...]]) -> None:
        await tx.executemany(
            "INSERT INTO units (unit_id, kind, name, parent_id, industry, above_scale, risk_level, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        # The closure of a batch in one statement: each new unit's chain is its parent's
        # chain (from this batch, or from the table) plus itself. A parent registered only
        # later leaves the chain short, exactly as a per-unit recursive query would.
        parents = {row[0]: row[3] for row in rows}
        chains = await _known_chains(tx, {p for p in parents.values() if p and p not in parents})

        def chain(unit_id: str) -> list[tuple[str, int]]:
            if unit_id not in chains:
                parent = parents.get(unit_id)
                above = chain(parent) if parent and (parent in parents or parent in chains) else []
                chains[unit_id] = [(unit_id, 0), *((a, d + 1) for a, d in above)]
            return chains[unit_id]

        await tx.executemany(
            "INSERT INTO unit_ancestors (unit_id, ancestor_id, depth) VALUES (?, ?, ?)",
            [(unit_id, ancestor, depth) for unit_id in parents for ancestor, depth in chain(unit_id)],
        )

    async def _apply_one(self, tx: SQLTx, event: StoredEvent) -> None:
        data = event.data
        if event.type == "unit.updated":
            changes = data["changes"]
            for column in ("kind", "name", "parent_id", "industry", "above_scale", "risk_level"):
                if column in changes:
                    value = changes[column]
                    value = int(value) if column == "above_scale" else value
                    await tx.execute(f"UPDATE units SET {column} = ? WHERE unit_id = ?", value, data["unit_id"])
            if "parent_id" in changes:
                await _rebuild_subtree_closure(tx, data["unit_id"])
        elif event.type == "unit.closed":
            await tx.execute(
                "UPDATE units SET closed_at = ? WHERE unit_id = ?", utc_key(event.occurred_at), data["unit_id"]
            )
        elif event.type == "person.registered":
            await tx.execute(
                "INSERT INTO people (person_id, name, title, unit_id, position) VALUES (?, ?, ?, ?, ?)",
                data["person_id"],
                data["name"],
                data["title"],
                data["unit_id"],
                event.position,
            )
        elif event.type == "person.updated":
            for column in ("name", "title", "unit_id"):
                if column in data["changes"]:
                    await tx.execute(
                        f"UPDATE people SET {column} = ? WHERE person_id = ?",
                        data["changes"][column],
                        data["person_id"],
                    )
        elif event.type == "person.departed":
            await tx.execute(
                "UPDATE people SET departed_at = ? WHERE person_id = ?", utc_key(event.occurred_at), data["person_id"]
            )
        elif event.type == "policy.adopted":
            await tx.execute(
                "INSERT INTO policies (policy_id, jurisdiction, rules, basis, name, valid_from, valid_to, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                data["policy_id"],
                data["jurisdiction"],
                orjson.dumps(data["rules"]).decode(),
                data["basis"],
                data.get("name"),
                utc_key(data["valid_from"]),
                utc_key(data["valid_to"]) if data.get("valid_to") else FOREVER,
                event.position,
            )


def _unit_row(event: StoredEvent) -> tuple[Any, ...]:
    d = event.data
    above = d.get("above_scale")
    return (
        d["unit_id"],
        d["kind"],
        d["name"],
        d.get("parent_id"),
        d.get("industry"),
        None if above is None else int(above),
        d.get("risk_level"),
        event.position,
    )


async def _known_chains(tx: SQLTx, unit_ids: set[str]) -> dict[str, list[tuple[str, int]]]:
    """The ancestor chains of units already in the table (a unit not there: no chain)."""
    chains: dict[str, list[tuple[str, int]]] = {}
    ordered = sorted(unit_ids)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i : i + 500]
        rows = await tx.fetch(
            "SELECT unit_id, ancestor_id, depth FROM unit_ancestors "
            f"WHERE unit_id IN ({', '.join('?' * len(chunk))}) ORDER BY unit_id, depth",
            *chunk,
        )
        for unit_id, ancestor, depth in rows:
            chains.setdefault(unit_id, []).append((ancestor, int(depth)))
    return chains


async def _rebuild_closure(tx: SQLTx, unit_id: str) -> None:
    """The unit's own ancestor rows: itself at depth 0, then its parent's chain."""
    await tx.execute("DELETE FROM unit_ancestors WHERE unit_id = ?", unit_id)
    await tx.execute(
        "INSERT INTO unit_ancestors (unit_id, ancestor_id, depth) "
        "WITH RECURSIVE chain (ancestor_id, depth) AS ("
        " SELECT ?, 0"
        " UNION ALL"
        " SELECT u.parent_id, chain.depth + 1 FROM chain JOIN units u ON u.unit_id = chain.ancestor_id"
        " WHERE u.parent_id IS NOT NULL AND chain.depth < 32"
        ") SELECT ?, ancestor_id, MIN(depth) FROM chain GROUP BY ancestor_id",
        unit_id,
        unit_id,
    )


async def _rebuild_subtree_closure(tx: SQLTx, unit_id: str) -> None:
    """A unit moved: it and everything below it get their chains anew (rare; small subtrees)."""
    below = [r[0] for r in await tx.fetch("SELECT unit_id FROM unit_ancestors WHERE ancestor_id = ?", unit_id)]
    for member in sorted(below, key=lambda u: u != unit_id):
        await _rebuild_closure(tx, member)


# -- queries ------------------------------------------------------------------------------


def subtree_sql(column: str) -> str:
    """A filter "``column`` is in the subtree of ?" (the scope of a viewer, a dashboard)."""
    return f"{column} IN (SELECT unit_id FROM unit_ancestors WHERE ancestor_id = ?)"


async def ancestors(db: SQL, unit_id: str) -> list[dict[str, Any]]:
    """The unit and the units above it, nearest first (enterprise → township → county → city)."""
    rows = await db.fetch(
        "SELECT u.unit_id, u.kind, u.name, u.parent_id, a.depth FROM unit_ancestors a "
        "JOIN units u ON u.unit_id = a.ancestor_id WHERE a.unit_id = ? ORDER BY a.depth",
        unit_id,
    )
    return [{"unit_id": r[0], "kind": r[1], "name": r[2], "parent_id": r[3], "depth": r[4]} for r in rows]


async def policy_rules(
    db: SQL, unit_id: str, at: str, position: int | None = None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The rules in force for ``unit_id`` at valid time ``at`` (a UTC key), and the policies
    they come from, as known at ``position`` (default: everything recorded).

    SPEC §6: a key left out keeps what the enclosing jurisdiction (or the default) says;
    where two policies cover the same unit and time, the one for the smaller jurisdiction
    wins, then the later ``valid_from``."""
    rows = await db.fetch(
        "SELECT p.policy_id, p.rules, p.basis, p.valid_from, a.depth FROM policies p "
        "JOIN unit_ancestors a ON a.ancestor_id = p.jurisdiction AND a.unit_id = ? "
        "WHERE p.valid_from <= ? AND ? < p.valid_to AND p.position <= ? "
        "ORDER BY a.depth DESC, p.valid_from, p.position",
        unit_id,
        at,
        at,
        _POSITION_MAX if position is None else position,
    )
    rules = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_RULES.items()}
    sources = []
    for policy_id, text, basis, _valid_from, _depth in rows:  # widest first: the narrowest applies last
        for key, value in orjson.loads(text).items():
            rules[key] = (
                {**rules[key], **value} if isinstance(value, dict) and isinstance(rules.get(key), dict) else value
            )
        sources.append({"policy_id": policy_id, "basis": basis})
    return rules, sources
