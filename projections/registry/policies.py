"""Which rules were in force at a place and time (SPEC §6): the national baseline, and the
local policies adopted for a jurisdiction above the unit (in the tree in force then), in
force then, as known at the position asked about. The resolution itself is the domain's
(``ledger.domain.policy.resolve_rules``); this module only finds the policies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import orjson

from ledger.domain.policy import BASELINE_RULES, BASELINE_SOURCES, AdoptedRules, RuleSet, resolve_rules
from ledger.store.sql import SQL
from projections.bitemporal import chunks

__all__ = ["keys_adopted", "national_citation", "rule_citation", "rules_at", "rules_at_moments"]

K = TypeVar("K")


async def rules_at(db: SQL, unit_ids: Iterable[str], at: str, position: int) -> dict[str, RuleSet]:
    """unit → the ``RuleSet`` in force for it at valid time ``at`` (a UTC key), as known at
    ``position``. A unit unknown to the registry gets the baseline alone."""
    units = list(dict.fromkeys(unit_ids))
    found: dict[str, list[tuple[Any, ...]]] = {u: [] for u in units}
    for chunk in chunks(units):
        rows = await db.fetch(
            "SELECT t.unit_id, t.depth, p.valid_from, p.position, p.policy_id, p.basis, p.rules, p.name "
            "FROM unit_tree t JOIN policies p ON p.jurisdiction = t.ancestor_id "
            f"WHERE t.unit_id IN ({', '.join('?' * len(chunk))}) AND t.valid_from <= ? AND ? < t.valid_to "
            "AND t.recorded_from <= ? AND ? < t.recorded_to "
            "AND p.valid_from <= ? AND ? < p.valid_to AND p.position <= ?",
            *chunk,
            at,
            at,
            position,
            position,
            at,
            at,
            position,
        )
        for row in rows:
            found[row[0]].append(row)
    return _resolved(found)


async def rules_at_moments(db: SQL, asked: Iterable[tuple[str, str]], position: int) -> dict[tuple[str, str], RuleSet]:
    """``rules_at`` of each (unit, moment) — each accident of a city by the rules where and
    when it happened — in one read a few hundred pairs."""
    pairs = list(dict.fromkeys(asked))
    found: dict[tuple[str, str], list[tuple[Any, ...]]] = {p: [] for p in pairs}
    for chunk in chunks(pairs):
        rows = await db.fetch(
            f"WITH q (unit_id, at) AS (VALUES {', '.join(['(CAST(? AS TEXT), CAST(? AS TEXT))'] * len(chunk))}) "
            "SELECT q.unit_id, t.depth, p.valid_from, p.position, p.policy_id, p.basis, p.rules, p.name, q.at "
            # CROSS JOIN: SQLite's planner keeps this order (the pairs, their ancestors, their
            # policies); left free, past ~50 pairs it scans the policies first (2x slower)
            "FROM q CROSS JOIN unit_tree t CROSS JOIN policies p "
            "WHERE t.unit_id = q.unit_id AND t.valid_from <= q.at AND q.at < t.valid_to "
            "AND t.recorded_from <= ? AND ? < t.recorded_to AND p.jurisdiction = t.ancestor_id "
            "AND p.valid_from <= q.at AND q.at < p.valid_to AND p.position <= ?",
            *(value for pair in chunk for value in pair),
            position,
            position,
            position,
        )
        for row in rows:
            found[(row[0], row[8])].append(row)
    return _resolved(found)


def _resolved(found: dict[K, list[tuple[Any, ...]]]) -> dict[K, RuleSet]:
    """Each one's policies in force (rows of unit, depth, valid_from, position, policy_id,
    basis, rules, name) resolved over the baseline; the same policies, the same ``RuleSet``."""
    out: dict[K, RuleSet] = {}
    cache: dict[tuple[str, ...], RuleSet] = {}
    for asked, rows in found.items():
        # widest jurisdiction first (deepest above the unit), then valid_from, then position
        ordered = sorted(rows, key=lambda r: (-int(r[1]), r[2], int(r[3])))
        key = tuple(r[4] for r in ordered)
        if key not in cache:
            cache[key] = resolve_rules([AdoptedRules(r[4], r[5], orjson.loads(r[6]), r[7]) for r in ordered])
        out[asked] = cache[key]
    return out


async def keys_adopted(db: SQL, position: int, at: str | None = None) -> frozenset[str]:
    """Every rule key the baseline or any policy known at ``position`` sets (with the keys
    that come with them), anywhere — in force at ``at`` when given, else at any time: a local
    rule whose key is not among them applies nowhere (then), and a question about it need
    read nothing to say so."""
    sql = "SELECT policy_id, basis, rules FROM policies WHERE position <= ?"
    args: list[Any] = [position]
    if at is not None:
        sql += " AND valid_from <= ? AND ? < valid_to"
        args += [at, at]
    keys = set(BASELINE_RULES)
    for policy_id, basis, rules in await db.fetch(sql, *args):
        alone = resolve_rules([AdoptedRules(policy_id, basis, orjson.loads(rules))])
        keys.update(k for k in alone.values if alone.get(k) is not None)
    return frozenset(keys)


def rule_citation(rules: RuleSet, key: str, value: Any = None) -> dict[str, Any]:
    """How an answer names the rule a deadline or a finding was judged by: the key, its
    value, and the policy (document) or national text that set it."""
    return {"rule": key, "value": rules.get(key) if value is None else value, **rules.source(key)}


def national_citation(rule: str, value: Any) -> dict[str, Any]:
    """A rule judged by the national baseline alone (whatever policies are in force)."""
    return {
        "rule": rule,
        "value": value,
        "policy_id": None,
        "basis": BASELINE_SOURCES[rule],
        "name": None,
        "national": True,
    }
