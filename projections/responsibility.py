"""The responsibility read model: who was responsible for what, when — and as known when.

``assignments`` holds bitemporal facts. Each row is one version of an assignment: its valid
interval ``[valid_from, valid_to)`` (UTC keys, ``FOREVER`` for an open end) and the log
positions between which the ledger believed it, ``[recorded_from, recorded_to)``
(``OPEN`` for "still believed"). An ``assignment.ended``, an ``assignment.corrected`` or an
``assignment.made`` with ``supersedes`` closes the believed interval of the version it
replaces and opens the next one, so that a read "at valid time T as known at position P" is

    recorded_from <= P < recorded_to AND valid_from <= T < valid_to

and gives the same answer before and after any later, back-dated or correcting event.
Every version lists the events it rests on (position, hash, type), to cite.

A supersession ends the earlier assignment at the new one's ``valid_from`` as it was made
(the domain keeps that instant: docs/domain-rules.md); a later correction of the earlier
one's ``valid_to`` cannot move its end past it.

This projector also keeps the accidents and hazards the accountability chains start from
(``accident.occurred`` / ``hazard.reported`` only; projections/accountability.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar

import orjson

from ledger.envelope import StoredEvent
from ledger.errors import LedgerError
from ledger.store.sql import SQL, SQLTx
from projections.asof import AsOf
from projections.base import Projector
from projections.timekeys import FOREVER, utc_key
from projections.units import ancestors

__all__ = [
    "EXCLUSIVE_ROLES",
    "GROUP_ROLES",
    "OPEN",
    "ResponsibilityProjector",
    "UnknownUnit",
    "holders_at",
    "holders_of",
    "responsibility",
    "timeline",
]

#: the end of a believed interval still open (the largest bigint)
OPEN = 9223372036854775807
#: roles one holder at a time (per target; industry supervisors per target and industry)
EXCLUSIVE_ROLES = ("principal", "territorial", "industry_supervisor")
#: the roles of a work group's members
GROUP_ROLES = ("group_leader", "group_deputy", "group_member")
#: unit kinds someone must cover (包保: 市包县、县包乡、乡包企)
COVERED_KINDS = frozenset({"enterprise", "township", "county", "dev_zone"})
#: the roles a tier must have filled, by unit kind (a missing one is a gap)
REQUIRED_ROLES: dict[str, tuple[str, ...]] = {
    "enterprise": ("principal", "territorial", "industry_supervisor", "covers"),
    "township": ("covers",),
    "county": ("covers",),
    "dev_zone": ("covers",),
}
_CHUNK = 500

_COLUMNS = (
    "assignment_id",
    "recorded_from",
    "recorded_to",
    "role",
    "holder",
    "target",
    "industry",
    "basis",
    "valid_from",
    "valid_to",
    "valid_from_text",
    "valid_to_text",
    "supersedes",
    "superseded_by",
    "superseded_at",
    "superseded_at_text",
    "end_reason",
    "correction_reason",
    "made_position",
    "made_hash",
    "events",
)
_EVENTS_AT = _COLUMNS.index("events")
_values = itemgetter(*_COLUMNS)
#: the same few instants recur across thousands of assignments (a campaign's start date)
_utc = lru_cache(maxsize=4096)(utc_key)
_INSERT = f"INSERT INTO assignments ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


class UnknownUnit(LedgerError):
    """A unit the registry does not hold (as known at the position asked about)."""

    code = "not-found"

    def __init__(self, unit_id: str, position: int | None = None) -> None:
        self.unit_id = unit_id
        self.position = position
        when = f" as known at position {position}" if position is not None else ""
        super().__init__(f"no unit {unit_id!r} is registered{when}")


# -- the projector ------------------------------------------------------------------------


class ResponsibilityProjector(Projector):
    name = "responsibility"
    tables = ("assignments", "accountability_accidents", "accountability_hazards")
    types: ClassVar[frozenset[str]] = frozenset(
        {"assignment.made", "assignment.ended", "assignment.corrected", "accident.occurred", "hazard.reported"}
    )

    async def apply(self, tx: SQLTx, events: list[StoredEvent]) -> None:
        """One page in a handful of statements: the versions an event of the page replaces
        are read in one query (per 500), new versions are inserted with one executemany, and
        the believed intervals of earlier versions closed with another."""
        current = await self._load_current(tx, events)
        inserts: list[dict[str, Any]] = []
        closes: list[tuple[int, str, int]] = []  # (recorded_to, assignment_id, recorded_from)
        accidents: list[tuple[Any, ...]] = []
        hazards: list[tuple[Any, ...]] = []

        def replace(aid: str, event: StoredEvent, **changes: Any) -> None:
            old = current.get(aid)
            if old is None:  # not in the log (a store without the domain's rules): nothing to fold
                return
            if old.pop("_stored", False):
                closes.append((event.position, aid, old["recorded_from"]))
            else:
                old["recorded_to"] = event.position  # a version of this page, not yet inserted
            new = {
                **old,
                **changes,
                "recorded_from": event.position,
                "recorded_to": OPEN,
                "events": [*old["events"], [event.position, event.hash, event.type]],
            }
            inserts.append(new)
            current[aid] = new

        for event in events:
            data = event.data
            kind = event.type
            if kind == "assignment.made":
                aid = data["assignment_id"]
                valid_to = data.get("valid_to")
                row = {
                    "assignment_id": aid,
                    "recorded_from": event.position,
                    "recorded_to": OPEN,
                    "role": data["role"],
                    "holder": data["holder"],
                    "target": data["target"],
                    "industry": data.get("industry"),
                    "basis": data.get("basis"),
                    "valid_from": _utc(data["valid_from"]),
                    "valid_to": _utc(valid_to) if valid_to else FOREVER,
                    "valid_from_text": data["valid_from"],
                    "valid_to_text": valid_to,
                    "supersedes": data.get("supersedes"),
                    "superseded_by": None,
                    "superseded_at": None,
                    "superseded_at_text": None,
                    "end_reason": None,
                    "correction_reason": None,
                    "made_position": event.position,
                    "made_hash": event.hash,
                    "events": [[event.position, event.hash, event.type]],
                }
                inserts.append(row)
                current[aid] = row
                earlier = data.get("supersedes")
                if earlier and earlier in current:
                    at, text = row["valid_from"], data["valid_from"]
                    ends = at < current[earlier]["valid_to"]
                    replace(
                        earlier,
                        event,
                        superseded_by=aid,
                        superseded_at=at,
                        superseded_at_text=text,
                        valid_to=at if ends else current[earlier]["valid_to"],
                        valid_to_text=text if ends else current[earlier]["valid_to_text"],
                    )
            elif kind == "assignment.ended":
                aid = data["assignment_id"]
                replace(
                    aid,
                    event,
                    valid_to=_utc(data["valid_to"]),
                    valid_to_text=data["valid_to"],
                    end_reason=data.get("reason"),
                )
            elif kind == "assignment.corrected":
                aid = data["assignment_id"]
                old = current.get(aid)
                if old is None:
                    continue
                changes: dict[str, Any] = {"correction_reason": data.get("reason")}
                if "valid_from" in data:
                    changes["valid_from"] = _utc(data["valid_from"])
                    changes["valid_from_text"] = data["valid_from"]
                if "holder" in data:
                    changes["holder"] = data["holder"]
                if "valid_to" in data:
                    text = data["valid_to"]
                    end = _utc(text) if text is not None else FOREVER
                    if old["superseded_at"] is not None and old["superseded_at"] < end:
                        end, text = old["superseded_at"], old["superseded_at_text"]  # still superseded
                    changes["valid_to"] = end
                    changes["valid_to_text"] = text
                    if data["valid_to"] is None:
                        changes["end_reason"] = None  # re-opened
                replace(aid, event, **changes)
            elif kind == "accident.occurred":
                illegal = data.get("illegal_operation")
                accidents.append(
                    (
                        data["accident_id"],
                        data["unit_id"],
                        _utc(event.occurred_at),
                        event.occurred_at,
                        int(data["deaths"]),
                        int(data["serious_injuries"]),
                        float(data["direct_loss_cny"]),
                        data["description"],
                        None if illegal is None else int(bool(illegal)),
                        event.position,
                        event.hash,
                    )
                )
            elif kind == "hazard.reported":
                hazards.append(
                    (
                        data["hazard_id"],
                        data["unit_id"],
                        _utc(event.occurred_at),
                        event.occurred_at,
                        data["severity"],
                        data["source"],
                        data["description"],
                        event.position,
                        event.hash,
                    )
                )

        if closes:
            await tx.executemany(
                "UPDATE assignments SET recorded_to = ? WHERE assignment_id = ? AND recorded_from = ?", closes
            )
        if inserts:
            await tx.executemany(_INSERT, [_row(v) for v in inserts])
        if accidents:
            await tx.executemany(
                "INSERT INTO accountability_accidents (accident_id, unit_id, occurred_at, occurred_at_text, deaths, "
                "serious_injuries, direct_loss_cny, description, illegal_operation, position, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (accident_id) DO NOTHING",
                accidents,
            )
        if hazards:
            await tx.executemany(
                "INSERT INTO accountability_hazards (hazard_id, unit_id, reported_at, reported_at_text, severity, "
                "source, description, position, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (hazard_id) DO NOTHING",
                hazards,
            )

    async def _load_current(self, tx: SQLTx, events: list[StoredEvent]) -> dict[str, dict[str, Any]]:
        """The believed versions of the assignments this page changes but did not make."""
        made: set[str] = set()
        wanted: list[str] = []
        for event in events:
            data = event.data
            if event.type == "assignment.made":
                made.add(data["assignment_id"])
                earlier = data.get("supersedes")
                if earlier and earlier not in made:
                    wanted.append(earlier)
            elif event.type in ("assignment.ended", "assignment.corrected") and data["assignment_id"] not in made:
                wanted.append(data["assignment_id"])
        current: dict[str, dict[str, Any]] = {}
        ids = list(dict.fromkeys(wanted))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            rows = await tx.fetch(
                f"SELECT {', '.join(_COLUMNS)} FROM assignments "
                f"WHERE recorded_to = ? AND assignment_id IN ({', '.join('?' * len(chunk))})",
                OPEN,
                *chunk,
            )
            for values in rows:
                version = dict(zip(_COLUMNS, values, strict=True))
                version["recorded_from"] = int(version["recorded_from"])
                version["events"] = orjson.loads(version["events"])
                version["_stored"] = True
                current[version["assignment_id"]] = version
        return current


def _row(version: dict[str, Any]) -> tuple[Any, ...]:
    values = list(_values(version))
    values[_EVENTS_AT] = orjson.dumps(values[_EVENTS_AT]).decode()
    return tuple(values)


# -- queries ------------------------------------------------------------------------------

_SELECT = (
    "SELECT a.assignment_id, a.role, a.holder, a.target, a.industry, a.basis, a.valid_from, a.valid_to, "
    "a.valid_from_text, a.valid_to_text, a.supersedes, a.superseded_by, a.end_reason, a.correction_reason, "
    "a.events, a.recorded_from, p.name, p.title, p.unit_id, u.name, u.kind "
    "FROM assignments a "
    "LEFT JOIN people p ON p.person_id = a.holder AND p.position <= ? "
    "LEFT JOIN units u ON u.unit_id = a.holder AND u.position <= ? "
)


def _holding(r: Sequence[Any]) -> dict[str, Any]:
    (aid, role, holder, target, industry, basis, vfrom, vto, vfrom_text, vto_text, supersedes, superseded_by) = r[:12]
    end_reason, correction_reason, events, recorded_from, p_name, p_title, p_unit, u_name, u_kind = r[12:]
    is_person = p_name is not None
    out: dict[str, Any] = {
        "assignment_id": aid,
        "role": role,
        "holder": holder,
        "holder_kind": "person" if is_person else "unit",
        "holder_name": p_name if is_person else u_name,
        "holder_title": p_title if is_person else None,
        "holder_unit": p_unit if is_person else None,
        "holder_unit_kind": None if is_person else u_kind,
        "target": target,
        "industry": industry,
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
    return out


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _key(at: str) -> str:
    """``at`` as a UTC key (a key already is one; anything else RFC 3339 with an offset)."""
    return at if len(at) == len(FOREVER) and at.endswith("Z") and at[10] == "T" else utc_key(at)


async def holders_of(
    db: SQL, unit_ids: Iterable[str], at: str, position: int, roles: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """``holders_at`` for several targets in one query (ordered by target, role, valid_from)."""
    targets = list(dict.fromkeys(unit_ids))
    if not targets:
        return []
    at = _key(at)
    out: list[dict[str, Any]] = []
    role_list = list(roles) if roles is not None else None
    if role_list is not None and not role_list:
        return []
    for start in range(0, len(targets), _CHUNK):
        chunk = targets[start : start + _CHUNK]
        sql = (
            _SELECT + f"WHERE a.target IN ({_placeholders(chunk)}) "
            "AND a.recorded_from <= ? AND ? < a.recorded_to AND a.valid_from <= ? AND ? < a.valid_to"
        )
        args: list[Any] = [position, position, *chunk, position, position, at, at]
        if role_list is not None:
            sql += f" AND a.role IN ({_placeholders(role_list)})"
            args += role_list
        sql += " ORDER BY a.target, a.role, a.valid_from, a.assignment_id"
        out += [_holding(r) for r in await db.fetch(sql, *args)]
    return out


async def holders_at(
    db: SQL, unit_id: str, at: str, position: int, roles: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The assignments on ``unit_id`` in force at valid time ``at`` (a UTC key, or RFC 3339
    with an offset) as the ledger knew them at ``position``, ordered by role then start.

    Each: ``{assignment_id, role, holder, holder_kind ("person"|"unit"), holder_name,
    holder_title, holder_unit, target, industry, valid_from, valid_to (None: open), basis,
    supersedes, superseded_by, events: [{position, hash, type}]}`` (and the text of the
    interval as posted, ``valid_from_text`` / ``valid_to_text``)."""
    return await holders_of(db, [unit_id], at, position, roles)


async def _unit(db: SQL, unit_id: str, position: int) -> dict[str, Any]:
    rows = await db.fetch(
        "SELECT unit_id, kind, name, parent_id, industry, closed_at, position FROM units "
        "WHERE unit_id = ? AND position <= ?",
        unit_id,
        position,
    )
    if not rows:
        raise UnknownUnit(unit_id, position)
    r = rows[0]
    return {"unit_id": r[0], "kind": r[1], "name": r[2], "parent_id": r[3], "industry": r[4], "closed_at": r[5]}


def _resolve(asof: AsOf | tuple[str, int]) -> tuple[str, int]:
    if isinstance(asof, AsOf):
        return asof.at, asof.position
    at, position = asof
    return _key(at), int(position)


def _gaps(unit: dict[str, Any], holdings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The roles the tier must have filled and nobody held (each itself a finding)."""
    gaps = []
    held = {h["role"] for h in holdings}
    for role in REQUIRED_ROLES.get(unit["kind"], ()):
        if role == "industry_supervisor":
            industry = unit.get("industry")
            if any(h["role"] == role and h["industry"] in (None, industry) for h in holdings):
                continue
            gaps.append(
                {
                    "unit_id": unit["unit_id"],
                    "unit_name": unit["name"],
                    "kind": unit["kind"],
                    "role": role,
                    "industry": industry,
                    "finding": "no industry-supervision responsible person (行业监管责任人) "
                    f"for {industry or 'its industry'}",
                }
            )
        elif role not in held:
            gaps.append(
                {
                    "unit_id": unit["unit_id"],
                    "unit_name": unit["name"],
                    "kind": unit["kind"],
                    "role": role,
                    "industry": None,
                    "finding": _GAP_TEXT[role],
                }
            )
    return gaps


_GAP_TEXT = {
    "principal": "no principal (主要负责人)",
    "territorial": "no territorial responsible person (属地管理责任人)",
    "covers": "nobody covers it (包保)",
    "group_leader": "the work group has no leader (组长)",
}


async def responsibility(db: SQL, unit_id: str, asof: AsOf | tuple[str, int]) -> dict[str, Any]:
    """SPEC §7 responsibility map of ``unit_id`` at ``asof`` (an ``AsOf`` or ``(at, position)``).

    ``{unit, at, position, tiers, gaps}``: ``tiers`` is the unit and each unit up its chain
    (enterprise → township → county → city), nearest first, each
    ``{unit_id, kind, name, depth, holders: [holding…], covered_by: [holding…]}``; a
    covering holder that is a unit (a work group) carries ``members``: its group_leader /
    group_deputy / group_member holdings (and other holdings on it) at the same moment.
    ``gaps`` lists every required role nobody held (see ``REQUIRED_ROLES``) and every work
    group in the chain without a leader. Raises ``UnknownUnit`` for a unit not registered as
    known at the position."""
    at, position = _resolve(asof)
    # three rounds of independent reads, each round's queries at once (latency, not work)
    unit, chain = await asyncio.gather(_unit(db, unit_id, position), ancestors(db, unit_id))
    chain_ids = [u["unit_id"] for u in chain]
    info, holdings = await asyncio.gather(_units(db, chain_ids, position), holders_of(db, chain_ids, at, position))
    chain = [u for u in chain if u["unit_id"] in info]
    holdings = [h for h in holdings if h["target"] in info]
    by_target: dict[str, list[dict[str, Any]]] = {}
    for h in holdings:
        by_target.setdefault(h["target"], []).append(h)

    covering_units = [h["holder"] for h in holdings if h["role"] == "covers" and h["holder_kind"] == "unit"]
    members: dict[str, list[dict[str, Any]]] = {}
    group_holdings, group_info = await asyncio.gather(
        holders_of(db, covering_units, at, position), _units(db, covering_units, position)
    )
    for h in group_holdings:
        members.setdefault(h["target"], []).append(h)

    tiers = []
    gaps: list[dict[str, Any]] = []
    for u in chain:
        tier_unit = info[u["unit_id"]]
        on_it = by_target.get(u["unit_id"], [])
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
                    gaps.append(
                        {
                            "unit_id": group["unit_id"],
                            "unit_name": group["name"],
                            "kind": group["kind"],
                            "role": "group_leader",
                            "industry": None,
                            "finding": _GAP_TEXT["group_leader"],
                        }
                    )
            covered_by.append(h)
        tiers.append({**tier_unit, "depth": u["depth"], "holders": on_it, "covered_by": covered_by})
        gaps += _gaps(tier_unit, on_it)
    return {"unit": unit, "at": at, "position": position, "tiers": tiers, "gaps": gaps}


async def _units(db: SQL, unit_ids: Sequence[str], position: int) -> dict[str, dict[str, Any]]:
    ids = list(dict.fromkeys(unit_ids))
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = await db.fetch(
            "SELECT unit_id, kind, name, parent_id, industry, closed_at FROM units "
            f"WHERE position <= ? AND unit_id IN ({_placeholders(chunk)})",
            position,
            *chunk,
        )
        for r in rows:
            out[r[0]] = {
                "unit_id": r[0],
                "kind": r[1],
                "name": r[2],
                "parent_id": r[3],
                "industry": r[4],
                "closed_at": r[5],
            }
    return out


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
    ``holders_at``, its ``events`` the made / ended / corrected / superseding events it
    rests on."""
    if position is None:
        position = (await db.head()).position  # type: ignore[attr-defined]
    await _unit(db, unit_id, position)
    sql = _SELECT + "WHERE a.target = ? AND a.recorded_from <= ? AND ? < a.recorded_to"
    args: list[Any] = [position, position, unit_id, position, position]
    if role is not None:
        sql += " AND a.role = ?"
        args.append(role)
    if to is not None:
        sql += " AND a.valid_from < ?"
        args.append(_key(to))
    if from_ is not None:
        sql += " AND ? < a.valid_to"
        args.append(_key(from_))
    sql += " ORDER BY a.role, a.valid_from, a.assignment_id"
    return [_holding(r) for r in await db.fetch(sql, *args)]
