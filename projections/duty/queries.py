"""Who was responsible for what, when, as known when: holders, the responsibility map up the
covering chain (SPEC §7), and a role's timeline.

Holders carry their names as they were at the moment asked about (a person renamed later
keeps the name of the time), the Chinese label of their role, and the events each holding
rests on. The chain follows the tree in force at that moment (``projections.registry``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from ledger.labels import label
from ledger.store.sql import SQL
from projections.asof import AsOf
from projections.bitemporal import chunks
from projections.registry import chain_at, unit_at, units_at
from projections.timekeys import DAWN, FOREVER, as_key

__all__ = [
    "EXCLUSIVE_ROLES",
    "GROUP_ROLES",
    "REQUIRED_ROLES",
    "held_by",
    "holders_at",
    "holders_of",
    "responsibility",
    "timeline",
]

#: roles one holder at a time (per target; industry supervisors per target and industry)
EXCLUSIVE_ROLES = ("principal", "party_secretary", "territorial", "industry_supervisor")
#: the roles of a work group's members
GROUP_ROLES = ("group_leader", "group_deputy", "group_member")
#: the roles a tier must have filled, by unit kind (a missing one is a gap: 市包县、县包乡、乡包企)
REQUIRED_ROLES: dict[str, tuple[str, ...]] = {
    "enterprise": ("principal", "territorial", "industry_supervisor", "covers"),
    "township": ("covers",),
    "county": ("covers",),
    "dev_zone": ("covers",),
}
_GAP_TEXT = {
    "principal": ("无主要负责人", "no principal (主要负责人)"),
    "territorial": ("无属地管理责任人", "no territorial responsible person (属地管理责任人)"),
    "covers": ("无包保责任人（包保空缺）", "nobody covers it (包保)"),
    "group_leader": ("督导工作组无组长", "the work group has no leader (组长)"),
    "industry_supervisor": ("无行业监管责任人", "no industry-supervision responsible person (行业监管责任人)"),
}

# the holder's name as a person, else as a unit, at the moment asked about (? = at, P)
_NAMED = (
    "LEFT JOIN person_versions p ON p.person_id = a.holder AND p.valid_from <= {at} AND {at} < p.valid_to "
    "AND p.recorded_from <= ? AND ? < p.recorded_to "
    "LEFT JOIN unit_versions u ON u.unit_id = a.holder AND u.valid_from <= {at} AND {at} < u.valid_to "
    "AND u.recorded_from <= ? AND ? < u.recorded_to "
)
_SELECT = (
    "SELECT a.assignment_id, a.role, a.holder, a.target, a.industry, a.basis, a.valid_from, a.valid_to, "
    "a.valid_from_text, a.valid_to_text, a.supersedes, a.superseded_by, a.end_reason, a.correction_reason, "
    "a.events, a.recorded_from, p.name, p.title, p.unit_id, u.name, u.kind FROM assignments a "
)
_AT_MOMENT = _SELECT + _NAMED.format(at="?")
_AT_START = _SELECT + _NAMED.format(at="a.valid_from")


def _holding(r: Sequence[Any]) -> dict[str, Any]:
    (aid, role, holder, target, industry, basis, vfrom, vto, vfrom_text, vto_text, supersedes, superseded_by) = r[:12]
    end_reason, correction_reason, events, recorded_from, p_name, p_title, p_unit, u_name, u_kind = r[12:]
    is_person = p_name is not None
    return {
        "assignment_id": aid,
        "role": role,
        "role_label": label("role", role),
        "holder": holder,
        "holder_kind": "person" if is_person else "unit",
        "holder_name": p_name if is_person else u_name,
        "holder_title": p_title if is_person else None,
        "holder_unit": p_unit if is_person else None,
        "holder_unit_kind": None if is_person else u_kind,
        "target": target,
        "industry": industry,
        "industry_label": label("industry", industry),
        "valid_from": vfrom,
        "valid_to": None if vto == FOREVER else vto,
        "valid_from_text": vfrom_text,
        "valid_to_text": vto_text,
        "basis": basis,
        "supersedes": supersedes,
        "superseded_by": superseded_by,
        "end_reason": end_reason,
        "correction_reason": correction_reason,
        "recorded_from": int(recorded_from),
        "events": [{"position": int(p), "hash": h, "type": t} for p, h, t in orjson.loads(events)],
    }


async def holders_of(
    db: SQL, unit_ids: Iterable[str], at: str, position: int, roles: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The assignments on any of ``unit_ids`` in force at valid time ``at`` (a UTC key, or RFC
    3339 with an offset) as the ledger knew them at ``position``; ordered by target, role,
    valid_from. Each holding: ``{assignment_id, role, role_label, holder, holder_kind
    ("person"|"unit"), holder_name, holder_title, holder_unit, target, industry, valid_from,
    valid_to (None: open), basis, supersedes, superseded_by, events: [{position, hash, type}]}``."""
    targets = list(dict.fromkeys(unit_ids))
    role_list = list(roles) if roles is not None else None
    if not targets or role_list == []:
        return []
    at = as_key(at)
    out: list[dict[str, Any]] = []
    for chunk in chunks(targets):
        sql = (
            _AT_MOMENT + f"WHERE a.target IN ({', '.join('?' * len(chunk))}) "
            "AND a.recorded_from <= ? AND ? < a.recorded_to AND a.valid_from <= ? AND ? < a.valid_to"
        )
        args: list[Any] = [at, at, position, position, at, at, position, position, *chunk]
        args += [position, position, at, at]
        if role_list is not None:
            sql += f" AND a.role IN ({', '.join('?' * len(role_list))})"
            args += role_list
        sql += " ORDER BY a.target, a.role, a.valid_from, a.assignment_id"
        out += [_holding(r) for r in await db.fetch(sql, *args)]
    return out


async def held_by(
    db: SQL, holders: Iterable[str], at: str, position: int, roles: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The assignments held by any of ``holders`` (people or units) at valid time ``at`` as
    known at ``position``, ordered by holder, role."""
    wanted = list(dict.fromkeys(holders))
    role_list = list(roles) if roles is not None else None
    if not wanted or role_list == []:
        return []
    at = as_key(at)
    out: list[dict[str, Any]] = []
    for chunk in chunks(wanted):
        sql = (
            _AT_MOMENT + f"WHERE a.holder IN ({', '.join('?' * len(chunk))}) "
            "AND a.recorded_from <= ? AND ? < a.recorded_to AND a.valid_from <= ? AND ? < a.valid_to"
        )
        args: list[Any] = [at, at, position, position, at, at, position, position, *chunk]
        args += [position, position, at, at]
        if role_list is not None:
            sql += f" AND a.role IN ({', '.join('?' * len(role_list))})"
            args += role_list
        out += [_holding(r) for r in await db.fetch(sql + " ORDER BY a.holder, a.role, a.target", *args)]
    return out


async def holders_at(
    db: SQL, unit_id: str, at: str, position: int, roles: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """``holders_of`` one unit."""
    return await holders_of(db, [unit_id], at, position, roles)


def _gap(unit: dict[str, Any], role: str, industry: str | None = None) -> dict[str, Any]:
    zh, en = _GAP_TEXT[role]
    if role == "industry_supervisor" and industry:
        zh = f"{zh}（{label('industry', industry)}）"
    return {
        "unit_id": unit["unit_id"],
        "unit_name": unit["name"],
        "kind": unit["kind"],
        "kind_label": label("unit_kind", unit["kind"]),
        "role": role,
        "role_label": label("role", role),
        "industry": industry,
        "finding": zh,
        "finding_en": en,
    }


def _gaps(unit: dict[str, Any], holdings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The roles the tier must have filled and nobody held (each itself a finding)."""
    gaps = []
    held = {h["role"] for h in holdings}
    for role in REQUIRED_ROLES.get(unit["kind"], ()):
        if role == "industry_supervisor":
            industry = unit.get("industry")
            if not any(h["role"] == role and h["industry"] in (None, industry) for h in holdings):
                gaps.append(_gap(unit, role, industry))
        elif role not in held:
            gaps.append(_gap(unit, role))
    return gaps


def _resolve(asof: AsOf | tuple[str, int]) -> tuple[str, int]:
    if isinstance(asof, AsOf):
        return asof.at, asof.position
    return as_key(asof[0]), int(asof[1])


async def responsibility(db: SQL, unit_id: str, asof: AsOf | tuple[str, int]) -> dict[str, Any]:
    """SPEC §7: the responsibility map of ``unit_id`` at ``asof`` (an ``AsOf`` or ``(at, position)``).

    ``{unit, at, position, tiers, gaps}``: ``tiers`` is the unit and each unit up its chain in
    the tree in force at ``at`` (enterprise → township → county → city), nearest first, each
    with its ``holders`` and ``covered_by``; a covering holder that is a unit (a work group)
    carries ``members`` (its leader, deputies and members at the same moment). ``gaps``
    lists every required role nobody held and every covering work group without a leader.
    Raises ``UnknownUnit`` for a unit not registered as known at the position."""
    at, position = _resolve(asof)
    unit, chain = await asyncio.gather(unit_at(db, unit_id, at, position), chain_at(db, unit_id, at, position))
    chain_ids = [u["unit_id"] for u in chain]
    holdings = await holders_of(db, chain_ids, at, position)
    by_target: dict[str, list[dict[str, Any]]] = {}
    for h in holdings:
        by_target.setdefault(h["target"], []).append(h)
    covering_units = [h["holder"] for h in holdings if h["role"] == "covers" and h["holder_kind"] == "unit"]
    group_holdings, group_info = await asyncio.gather(
        holders_of(db, covering_units, at, position), units_at(db, covering_units, at, position)
    )
    members: dict[str, list[dict[str, Any]]] = {}
    for h in group_holdings:
        members.setdefault(h["target"], []).append(h)

    tiers = []
    gaps: list[dict[str, Any]] = []
    for tier_unit in chain:
        on_it = by_target.get(tier_unit["unit_id"], [])
        covered_by = []
        for h in on_it:
            if h["role"] != "covers":
                continue
            if h["holder_kind"] == "unit":
                h["members"] = members.get(h["holder"], [])
                group = group_info.get(h["holder"])
                if (
                    group
                    and group["kind"] == "work_group"
                    and not any(m["role"] == "group_leader" for m in h["members"])
                ):
                    gaps.append(_gap(group, "group_leader"))
            covered_by.append(h)
        tiers.append({**tier_unit, "holders": on_it, "covered_by": covered_by})
        gaps += _gaps(tier_unit, on_it)
    return {"unit": unit, "at": at, "position": position, "tiers": tiers, "gaps": gaps}


async def timeline(
    db: SQL,
    unit_id: str,
    role: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    position: int | None = None,
) -> list[dict[str, Any]]:
    """Who held what on ``unit_id`` over valid time, as known at ``position`` (default: the
    head): every assignment interval overlapping ``[from_, to)`` (UTC keys or RFC 3339;
    default: all time), ordered by role then ``valid_from``; each a holding as in
    ``holders_of``, the holder named as at the start of the holding."""
    if position is None:
        position = (await db.head()).position  # type: ignore[attr-defined]
    await unit_at(db, unit_id, DAWN, position)  # registered as known then (any valid time)
    sql = _AT_START + "WHERE a.target = ? AND a.recorded_from <= ? AND ? < a.recorded_to"
    args: list[Any] = [position, position, position, position, unit_id, position, position]
    if role is not None:
        sql += " AND a.role = ?"
        args.append(role)
    if to is not None:
        sql += " AND a.valid_from < ?"
        args.append(as_key(to))
    if from_ is not None:
        sql += " AND ? < a.valid_to"
        args.append(as_key(from_))
    sql += " ORDER BY a.role, a.valid_from, a.assignment_id"
    return [_holding(r) for r in await db.fetch(sql, *args)]
