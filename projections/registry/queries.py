"""Asking the registry: units and people as they were at valid time ``at``, as known at ``P``.

Every function takes ``at`` (a UTC key) and ``position``. ``Within`` is the one way to
filter "in the subtree of a unit": other read models compose its SQL with their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.errors import LedgerError
from ledger.labels import label
from ledger.store.sql import SQL
from projections.bitemporal import chunks

__all__ = [
    "UnknownUnit",
    "Within",
    "chain_at",
    "chains_at",
    "chains_at_moments",
    "children_at",
    "in_subtree",
    "names_at",
    "people_at",
    "search_people",
    "search_units",
    "subtree_at",
    "unit_at",
    "units_at",
]

#: "this version was in force at valid time ? and believed at position ?" (alias v)
VERSION_AT = "v.valid_from <= ? AND ? < v.valid_to AND v.recorded_from <= ? AND ? < v.recorded_to"
_UNIT_COLUMNS = (
    "v.unit_id, v.kind, v.name, v.parent_id, v.industry, v.above_scale, v.risk_level, v.closed_at, v.attributes"
)


class UnknownUnit(LedgerError):
    """A unit the registry does not hold (as known at the position asked about)."""

    code = "not-found"

    def __init__(self, unit_id: str, position: int | None = None) -> None:
        self.unit_id = unit_id
        self.position = position
        when = f" as known at position {position}" if position is not None else ""
        super().__init__(f"no unit {unit_id!r} is registered{when}")


def _at(at: str, position: int) -> list[Any]:
    return [at, at, position, position]


@dataclass(frozen=True)
class Within:
    """The subtree of ``unit_id`` in the tree in force at ``at``, as known at ``position``."""

    unit_id: str
    at: str
    position: int

    def sql(self, column: str) -> str:
        return (
            f"{column} IN (SELECT wt.unit_id FROM unit_tree wt WHERE wt.ancestor_id = ? AND wt.valid_from <= ? "
            "AND ? < wt.valid_to AND wt.recorded_from <= ? AND ? < wt.recorded_to)"
        )

    @property
    def args(self) -> list[Any]:
        return [self.unit_id, *_at(self.at, self.position)]


def _unit(row: Sequence[Any]) -> dict[str, Any]:
    unit_id, kind, name, parent_id, industry, above_scale, risk_level, closed_at, attributes = row[:9]
    attrs = orjson.loads(attributes)
    return {
        "unit_id": unit_id,
        "name": name,
        "kind": kind,
        "kind_label": label("unit_kind", kind),
        "parent_id": parent_id,
        "industry": industry,
        "industry_label": label("industry", industry),
        "above_scale": None if above_scale is None else bool(above_scale),
        "risk_level": risk_level,
        "risk_level_label": label("risk_level", risk_level),
        "closed_at": closed_at,
        "closed_reason": attrs.get("closed_reason"),
        "address": attrs.get("address"),
    }


async def units_at(db: SQL, unit_ids: Iterable[str], at: str, position: int) -> dict[str, dict[str, Any]]:
    """The units among ``unit_ids`` registered as known at ``position``, as they were at ``at``."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(unit_ids))):
        rows = await db.fetch(
            f"SELECT {_UNIT_COLUMNS} FROM unit_versions v WHERE {VERSION_AT} "
            f"AND v.unit_id IN ({', '.join('?' * len(chunk))})",
            *_at(at, position),
            *chunk,
        )
        out.update((r[0], _unit(r)) for r in rows)
    return out


async def unit_at(db: SQL, unit_id: str, at: str, position: int) -> dict[str, Any]:
    """The unit as it was at ``at``; ``UnknownUnit`` if not registered as known at ``position``."""
    found = await units_at(db, [unit_id], at, position)
    if unit_id not in found:
        raise UnknownUnit(unit_id, position)
    return found[unit_id]


async def chain_at(db: SQL, unit_id: str, at: str, position: int) -> list[dict[str, Any]]:
    """The unit and the units above it at ``at``, nearest first (enterprise → township →
    county → city …), each with its ``depth``."""
    return (await chains_at(db, [unit_id], at, position))[unit_id]


async def chains_at(db: SQL, unit_ids: Iterable[str], at: str, position: int) -> dict[str, list[dict[str, Any]]]:
    """``chain_at`` of each of ``unit_ids``, in one read a few hundred units."""
    out: dict[str, list[dict[str, Any]]] = {u: [] for u in dict.fromkeys(unit_ids)}
    for chunk in chunks(list(out)):
        rows = await db.fetch(
            f"SELECT {_UNIT_COLUMNS}, t.depth, t.unit_id FROM unit_tree t JOIN unit_versions v "
            f"ON v.unit_id = t.ancestor_id AND {VERSION_AT} WHERE t.unit_id IN ({', '.join('?' * len(chunk))}) "
            "AND t.valid_from <= ? AND ? < t.valid_to AND t.recorded_from <= ? AND ? < t.recorded_to "
            "ORDER BY t.unit_id, t.depth",
            *_at(at, position),
            *chunk,
            *_at(at, position),
        )
        for r in rows:
            out[r[10]].append({**_unit(r), "depth": int(r[9])})
    return out


async def chains_at_moments(
    db: SQL, asked: Iterable[tuple[str, str]], position: int
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """``chain_at`` of each (unit, moment) — where each report of a city's accidents went,
    when it went — in one read a few hundred pairs."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {p: [] for p in dict.fromkeys(asked)}
    for chunk in chunks(list(out)):
        rows = await db.fetch(
            f"WITH q (unit_id, at) AS (VALUES {', '.join(['(CAST(? AS TEXT), CAST(? AS TEXT))'] * len(chunk))}) "
            f"SELECT {_UNIT_COLUMNS}, t.depth, q.unit_id, q.at FROM q JOIN unit_tree t ON t.unit_id = q.unit_id "
            "AND t.valid_from <= q.at AND q.at < t.valid_to AND t.recorded_from <= ? AND ? < t.recorded_to "
            "JOIN unit_versions v ON v.unit_id = t.ancestor_id AND v.valid_from <= q.at AND q.at < v.valid_to "
            "AND v.recorded_from <= ? AND ? < v.recorded_to ORDER BY q.unit_id, q.at, t.depth",
            *(value for pair in chunk for value in pair),
            position,
            position,
            position,
            position,
        )
        for r in rows:
            out[(r[10], r[11])].append({**_unit(r), "depth": int(r[9])})
    return out


async def children_at(db: SQL, unit_id: str, at: str, position: int) -> list[dict[str, Any]]:
    """The units whose parent was ``unit_id`` at ``at``, as known at ``position``, by id."""
    rows = await db.fetch(
        f"SELECT {_UNIT_COLUMNS} FROM unit_versions v WHERE v.parent_id = ? AND {VERSION_AT} ORDER BY v.unit_id",
        unit_id,
        *_at(at, position),
    )
    return [_unit(r) for r in rows]


async def subtree_at(db: SQL, scope: str, at: str, position: int) -> set[str]:
    """Every unit in the subtree of ``scope`` at ``at`` (``scope`` itself included)."""
    within = Within(scope, at, position)
    rows = await db.fetch(
        "SELECT DISTINCT t.unit_id FROM unit_tree t WHERE t.ancestor_id = ? AND t.valid_from <= ? "
        "AND ? < t.valid_to AND t.recorded_from <= ? AND ? < t.recorded_to",
        *within.args,
    )
    return {r[0] for r in rows}


async def in_subtree(db: SQL, unit_id: str, scope: str, at: str, position: int) -> bool:
    rows = await db.fetch(
        "SELECT 1 FROM unit_tree t WHERE t.unit_id = ? AND t.ancestor_id = ? AND t.valid_from <= ? "
        "AND ? < t.valid_to AND t.recorded_from <= ? AND ? < t.recorded_to",
        unit_id,
        scope,
        *_at(at, position),
    )
    return bool(rows)


def _person(row: Sequence[Any]) -> dict[str, Any]:
    person_id, name, title, unit_id, departed_at = row[:5]
    return {"person_id": person_id, "name": name, "title": title, "unit_id": unit_id, "departed_at": departed_at}


async def people_at(db: SQL, person_ids: Iterable[str], at: str, position: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(person_ids))):
        rows = await db.fetch(
            "SELECT v.person_id, v.name, v.title, v.unit_id, v.departed_at FROM person_versions v "
            f"WHERE {VERSION_AT} AND v.person_id IN ({', '.join('?' * len(chunk))})",
            *_at(at, position),
            *chunk,
        )
        out.update((r[0], _person(r)) for r in rows)
    return out


async def names_at(db: SQL, ids: Iterable[str], at: str, position: int) -> dict[str, str]:
    """The name of each person or unit among ``ids`` at ``at`` (ids not registered are left out)."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    people = await people_at(db, wanted, at, position)
    units = await units_at(db, [i for i in wanted if i not in people], at, position)
    return {**{k: v["name"] for k, v in people.items()}, **{k: v["name"] for k, v in units.items()}}


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search_units(
    db: SQL, q: str, within: Within | None, at: str, position: int, limit: int = 20
) -> list[dict[str, Any]]:
    """Units whose code, name or any former name (as known at ``position``) holds ``q``, as
    they are at ``at``; within the subtree of ``within`` when given."""
    where, args = "", []
    if within is not None:
        where = " AND " + within.sql("v.unit_id")
        args = within.args
    rows = await db.fetch(
        "SELECT DISTINCT v.unit_id FROM unit_versions v WHERE v.recorded_from <= ? "
        "AND (v.unit_id LIKE ? ESCAPE '\\' OR v.name LIKE ? ESCAPE '\\')" + where + " ORDER BY v.unit_id LIMIT ?",
        position,
        _like(q),
        _like(q),
        *args,
        int(limit),
    )
    found = await units_at(db, [r[0] for r in rows], at, position)
    former = await _former_names(db, list(found), position)
    out = []
    for unit_id in (r[0] for r in rows):
        if unit_id in found:
            unit = found[unit_id]
            unit["former_names"] = [n for n in former.get(unit_id, []) if n != unit["name"]]
            out.append(unit)
    out.sort(key=lambda u: (q not in u["name"], len(u["name"]), u["unit_id"]))
    return out


async def _former_names(db: SQL, unit_ids: list[str], position: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for chunk in chunks(unit_ids):
        rows = await db.fetch(
            "SELECT unit_id, name, MIN(valid_from) FROM unit_versions WHERE recorded_from <= ? AND ? < recorded_to "
            f"AND unit_id IN ({', '.join('?' * len(chunk))}) GROUP BY unit_id, name ORDER BY unit_id, MIN(valid_from)",
            position,
            position,
            *chunk,
        )
        for unit_id, name, _start in rows:
            out.setdefault(unit_id, []).append(name)
    return out


async def search_people(
    db: SQL, q: str, within: Within | None, at: str, position: int, limit: int = 20
) -> list[dict[str, Any]]:
    """People whose name (now or before) or id holds ``q``, as they are at ``at``, whose home
    unit lies in the subtree of ``within`` when given; with their home unit's name."""
    where, args = "", []
    if within is not None:
        where = " AND " + within.sql("v.unit_id")
        args = within.args
    rows = await db.fetch(
        "SELECT DISTINCT v.person_id FROM person_versions v WHERE v.recorded_from <= ? "
        "AND (v.person_id LIKE ? ESCAPE '\\' OR v.name LIKE ? ESCAPE '\\')" + where + " ORDER BY v.person_id LIMIT ?",
        position,
        _like(q),
        _like(q),
        *args,
        int(limit),
    )
    people = await people_at(db, [r[0] for r in rows], at, position)
    units = await units_at(db, {p["unit_id"] for p in people.values()}, at, position)
    out = []
    for person in people.values():
        home = units.get(person["unit_id"])
        person["unit_name"] = home["name"] if home else None
        out.append(person)
    out.sort(key=lambda p: (q not in p["name"], p["name"], p["person_id"]))
    return out
