"""What every finding rule shares: the question (scope, period, position, now), cached
look-ups of the registry, the duty and the policies, and the shape of a finding.

A finding names the rule, the unit or person it accuses, the period, the policy (or the
national text) it was judged by, the events it rests on and the sentence of the document
it applies. Scope: a finding is in the asked jurisdiction when its unit lies in its subtree
in the tree in force at the end of the period (or now, while the period runs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ledger.domain.policy import BASELINE_RULES, RuleSet
from ledger.labels import label
from ledger.store.sql import SQL
from projections.calendar import Period
from projections.duty import holders_of
from projections.findings.rules import RULES
from projections.registry import (
    chain_at,
    chains_at,
    chains_at_moments,
    keys_adopted,
    rule_citation,
    rules_at,
    rules_at_moments,
    subtree_at,
    units_at,
)

__all__ = ["Accused", "Context", "holder_refs", "holder_subject", "unit_subject"]

COUNTY_KINDS = ("county", "dev_zone")
#: what a finding against a unit (or the holders of its roles) rests on: (unit, moment, policy, evidence, detail)
Accused = tuple[str, str, dict[str, Any], list[dict[str, Any]], dict[str, Any]]


class Context:
    """One findings question and its caches."""

    def __init__(self, db: SQL, scope: str | None, period: Period, position: int, now: str) -> None:
        self.db, self.scope, self.period, self.position, self.now = db, scope, period, position, now
        #: the moment that settles the period: its last instant, or now while it runs
        self.until = min(period.last_instant, now)
        self.in_scope: set[str] | None = None
        self._rules: dict[tuple[str, str], RuleSet] = {}
        self._chains: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._units: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._holders: dict[tuple[str, str, tuple[str, ...]], list[dict[str, Any]]] = {}
        #: every rule key the baseline or any policy known at ``position`` sets
        self.keys_set: frozenset[str] = frozenset(BASELINE_RULES)

    async def load(self) -> None:
        if self.scope is not None:
            self.in_scope = await subtree_at(self.db, self.scope, self.until, self.position)
        self.keys_set = await keys_adopted(self.db, self.position)

    def may_apply(self, key: str) -> bool:
        """False when no policy ever adopted (nor the baseline) sets ``key``: a rule nobody
        adopted finds nothing, and its family need not read anything to say so."""
        return key in self.keys_set

    def covers(self, unit_id: str | None) -> bool:
        return self.in_scope is None or unit_id in self.in_scope

    async def rules_many(self, unit_ids: Iterable[str], at: str) -> dict[str, RuleSet]:
        wanted = [u for u in dict.fromkeys(unit_ids) if (u, at) not in self._rules]
        if wanted:
            for unit, rules in (await rules_at(self.db, wanted, at, self.position)).items():
                self._rules[(unit, at)] = rules
        return {u: self._rules[(u, at)] for u in dict.fromkeys(unit_ids)}

    async def rules_at_moments(self, asked: Iterable[tuple[str, str]]) -> dict[tuple[str, str], RuleSet]:
        """``rules`` of each (unit, moment) — each accident by the rules where and when it
        happened — in one read for those not asked before."""
        pairs = list(dict.fromkeys(asked))
        wanted = [p for p in pairs if p not in self._rules]
        if wanted:
            self._rules.update(await rules_at_moments(self.db, wanted, self.position))
        return {p: self._rules[p] for p in pairs}

    async def chain(self, unit_id: str, at: str) -> list[dict[str, Any]]:
        if (unit_id, at) not in self._chains:
            self._chains[(unit_id, at)] = await chain_at(self.db, unit_id, at, self.position)
        return self._chains[(unit_id, at)]

    async def nearest(self, unit_id: str, kinds: Sequence[str], at: str) -> str | None:
        """The nearest unit at or above ``unit_id`` of one of ``kinds``, in the tree at ``at``."""
        return (await self.nearest_many([unit_id], kinds, at))[unit_id]

    async def nearest_many(self, unit_ids: Iterable[str], kinds: Sequence[str], at: str) -> dict[str, str | None]:
        """``nearest`` of each of ``unit_ids`` (the chains not seen yet read at once)."""
        wanted = list(dict.fromkeys(unit_ids))
        missing = [u for u in wanted if (u, at) not in self._chains]
        if missing:
            for unit_id, chain in (await chains_at(self.db, missing, at, self.position)).items():
                self._keep_chain(unit_id, at, chain)
        return {u: next((c["unit_id"] for c in self._chains[(u, at)] if c["kind"] in kinds), None) for u in wanted}

    async def chains_at_moments(self, asked: Iterable[tuple[str, str]]) -> None:
        """Read the chains of each (unit, moment) not asked before, in one read: ``chain``,
        ``nearest`` and ``unit`` of those units and of the units above them, at those
        moments, then answer from the caches."""
        wanted = [p for p in dict.fromkeys(asked) if p not in self._chains]
        if wanted:
            for (unit_id, at), chain in (await chains_at_moments(self.db, wanted, self.position)).items():
                self._keep_chain(unit_id, at, chain)

    def _keep_chain(self, unit_id: str, at: str, chain: list[dict[str, Any]]) -> None:
        """A chain read at ``at`` holds each unit in it as it was at ``at`` — what ``units_at``
        answers for it then (the same version row), without the chain's ``depth``."""
        self._chains[(unit_id, at)] = chain
        for link in chain:
            self._units.setdefault((link["unit_id"], at), {k: v for k, v in link.items() if k != "depth"})

    async def unit(self, unit_id: str, at: str) -> dict[str, Any] | None:
        if (unit_id, at) not in self._units:
            self._units[(unit_id, at)] = (await units_at(self.db, [unit_id], at, self.position)).get(unit_id)
        return self._units[(unit_id, at)]

    async def units_many(self, unit_ids: Iterable[str], at: str) -> dict[str, dict[str, Any] | None]:
        """``unit`` of each of ``unit_ids`` at one moment, in one read for those not asked before."""
        wanted = list(dict.fromkeys(unit_ids))
        missing = [u for u in wanted if (u, at) not in self._units]
        if missing:
            found = await units_at(self.db, missing, at, self.position)
            self._units.update(((u, at), found.get(u)) for u in missing)
        return {u: self._units[(u, at)] for u in wanted}

    async def units_at_moments(self, asked: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any] | None]:
        """``unit`` of each (unit, moment) — each enterprise as it was when its accident
        happened — in one read of their chains (``chains_at_moments``: it caches the units
        above them too); a unit its chain does not hold (not registered then) is asked of
        ``units_at``, one read a moment."""
        pairs = list(dict.fromkeys(asked))
        await self.chains_at_moments(p for p in pairs if p not in self._units)
        by_moment: dict[str, list[str]] = {}
        for unit_id, at in pairs:
            if (unit_id, at) not in self._units:
                by_moment.setdefault(at, []).append(unit_id)
        for at, unit_ids in by_moment.items():
            await self.units_many(unit_ids, at)
        return {p: self._units[p] for p in pairs}

    async def holders(self, unit_id: str, at: str, roles: Sequence[str]) -> list[dict[str, Any]]:
        key = (unit_id, at, tuple(roles))
        if key not in self._holders:
            self._holders[key] = await holders_of(self.db, [unit_id], at, self.position, roles)
        return self._holders[key]

    async def holders_at_moments(
        self, asked: Iterable[tuple[str, str]], roles: Sequence[str]
    ) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """``holders`` of ``roles`` on each (unit, moment), in one read a moment for those not
        asked before (``holders_of`` asks many units at one moment; the duty has no read
        across moments)."""
        pairs = list(dict.fromkeys(asked))
        by_moment: dict[str, list[str]] = {}
        for unit_id, at in pairs:
            if (unit_id, at, tuple(roles)) not in self._holders:
                by_moment.setdefault(at, []).append(unit_id)
        for at, unit_ids in by_moment.items():
            found: dict[str, list[dict[str, Any]]] = {u: [] for u in unit_ids}
            for holding in await holders_of(self.db, unit_ids, at, self.position, roles):
                found[holding["target"]].append(holding)  # in holders_of's order (target, role, …)
            self._holders.update(((u, at, tuple(roles)), held) for u, held in found.items())
        return {(u, at): self._holders[(u, at, tuple(roles))] for u, at in pairs}

    def finding(
        self,
        slug: str,
        subject: dict[str, Any],
        unit_id: str,
        policy: dict[str, Any],
        evidence: Iterable[dict[str, Any]],
        detail: dict[str, Any],
    ) -> dict[str, Any]:
        """A finding against ``unit_id``; its ``unit_name`` (the unit's name at ``until``) is
        filled by ``named`` once every family has answered: one read for them all."""
        rule = RULES[slug]
        seen: dict[int, dict[str, Any]] = {}
        for ref in evidence:
            seen.setdefault(int(ref["position"]), ref)
        return {
            "rule": slug,
            "title": {"zh": rule.title_zh, "en": rule.title_en},
            "source": rule.describe(),
            "subject": subject,
            "unit_id": unit_id,
            "unit_name": None,
            "period": self.period.label,
            "policy": policy,
            "evidence": [seen[p] for p in sorted(seen)],
            "detail": detail,
        }

    async def named(self, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``found`` with each finding's ``unit_name``: its unit's name at ``until``."""
        units = await self.units_many((f["unit_id"] for f in found), self.until)
        for finding in found:
            unit = units[finding["unit_id"]]
            finding["unit_name"] = unit["name"] if unit else None
        return found

    async def against_holders(
        self,
        slug: str,
        unit_id: str,
        at: str,
        roles: Sequence[str],
        policy: dict[str, Any],
        evidence: list[dict[str, Any]],
        detail: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """One finding per holder of ``roles`` on the unit at ``at``; the unit itself when
        nobody held them (a gap is itself worth a reviewer's eye)."""
        holders = await self.holders(unit_id, at, roles)
        if not holders:
            unit = await self.unit(unit_id, at)
            gap = {
                **detail,
                "holders": [],
                "gap": f"{unit['name'] if unit else unit_id}：{_roles_zh(roles)}无人在任",
            }
            return [self.finding(slug, unit_subject(unit_id, unit), unit_id, policy, evidence, gap)]
        return [
            self.finding(
                slug,
                holder_subject(h),
                unit_id,
                policy,
                [*evidence, *holder_refs([h])],
                {**detail, "assignment_id": h.get("assignment_id")},
            )
            for h in holders
        ]

    async def against_holders_many(
        self, slug: str, roles: Sequence[str], accused: Sequence[Accused]
    ) -> list[dict[str, Any]]:
        """``against_holders`` of each (unit, moment, policy, evidence, detail) in turn, their
        holders read at once (one read a moment) and the units of their gaps in one read."""
        held = await self.holders_at_moments(((a[0], a[1]) for a in accused), roles)
        await self.units_at_moments((a[0], a[1]) for a in accused if not held[(a[0], a[1])])
        out = []
        for unit_id, at, policy, evidence, detail in accused:
            out += await self.against_holders(slug, unit_id, at, roles, policy, evidence, detail)
        return out

    def citation(self, rules: RuleSet, key: str) -> dict[str, Any]:
        return rule_citation(rules, key)


def _roles_zh(roles: Sequence[str]) -> str:
    return "、".join(label("role", r) or r for r in roles)


def unit_subject(unit_id: str, unit: dict[str, Any] | None) -> dict[str, Any]:
    kind = unit["kind"] if unit else None
    return {
        "kind": "unit",
        "id": unit_id,
        "name": unit["name"] if unit else None,
        "unit_kind": kind,
        "unit_kind_label": label("unit_kind", kind),
    }


def holder_subject(holder: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": holder.get("holder_kind", "person"),
        "id": holder["holder"],
        "name": holder.get("holder_name"),
        "title": holder.get("holder_title"),
        "role": holder.get("role"),
        "role_label": label("role", holder.get("role")),
    }


def holder_refs(holders: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [ref for h in holders for ref in h.get("events", ())]
