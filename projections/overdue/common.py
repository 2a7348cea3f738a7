"""What every overdue item shares: its shape, who answers for it, how late it is, and the
rules in force for the units concerned."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.domain.policy import RuleSet
from ledger.labels import label
from ledger.store.sql import SQL
from projections.duty import holders_of
from projections.registry import Within, keys_adopted, rules_at, units_at
from projections.timekeys import minutes_between

__all__ = ["Ask", "item", "name_units", "responsible"]


@dataclass
class Ask:
    """One overdue question: where (``within``, None for everywhere), at valid time ``at``,
    as known at ``position``; caches of the rules and units it has looked up. A ``brief``
    question only counts: the same items are found, but what costs most and a count does not
    need — the officials charged where they are not what makes an item, the events cited
    for a hazard, the names — is left out."""

    db: SQL
    within: Within | None
    at: str
    position: int
    brief: bool = False

    def __post_init__(self) -> None:
        self._rules: dict[tuple[str, str], RuleSet] = {}
        self._keys: frozenset[str] | None = None

    async def may_apply(self, key: str) -> bool:
        """False when neither the baseline nor any policy known sets ``key``: a local rule
        nobody adopted makes nothing overdue, and its kind need read nothing to say so."""
        if self._keys is None:
            self._keys = await keys_adopted(self.db, self.position)
        return key in self._keys

    def scope_sql(self, column: str) -> tuple[str, list[Any]]:
        if self.within is None:
            return "", []
        return " AND " + self.within.sql(column), self.within.args

    async def rules(self, unit_ids: Iterable[str], at: str | None = None) -> dict[str, RuleSet]:
        """The rules in force for each unit at ``at`` (default: the moment asked about)."""
        moment = at or self.at
        wanted = [u for u in dict.fromkeys(unit_ids) if (u, moment) not in self._rules]
        if wanted:
            for unit, rules in (await rules_at(self.db, wanted, moment, self.position)).items():
                self._rules[(unit, moment)] = rules
        return {u: self._rules[(u, moment)] for u in dict.fromkeys(unit_ids)}

    async def holders(
        self, unit_ids: Iterable[str], roles: Sequence[str], at: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Who holds ``roles`` at each unit at ``at`` (default: the moment asked about), as
        known at the position asked about."""
        by_unit: dict[str, list[dict[str, Any]]] = {}
        wanted = list(dict.fromkeys(unit_ids))
        for holding in await holders_of(self.db, wanted, at or self.at, self.position, roles):
            by_unit.setdefault(holding["target"], []).append(holding)
        return by_unit

    async def charged(self, unit_ids: Iterable[str], roles: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Who an item of each unit is charged to (``holders``) — left out of a brief question."""
        return {} if self.brief else await self.holders(unit_ids, roles)


def responsible(holding: dict[str, Any]) -> dict[str, Any]:
    """A holding as an overdue item names it."""
    keys = ("role", "role_label", "holder", "holder_kind", "holder_name", "holder_title", "assignment_id", "basis")
    out = {k: holding.get(k) for k in keys}
    out["events"] = holding.get("events", [])
    return out


def item(
    kind: str,
    subject: str,
    unit_id: str,
    deadline: str,
    at: str,
    responsible_: list[dict[str, Any]],
    policy: dict[str, Any],
    events: list[dict[str, Any]],
    **details: Any,
) -> dict[str, Any]:
    minutes = minutes_between(deadline, at)
    return {
        "kind": kind,
        "kind_label": label("overdue_kind", kind),
        "subject": subject,
        "unit_id": unit_id,
        "unit_name": None,  # filled in by ``name_units``
        **details,
        "deadline": deadline,
        "overdue_by": {"minutes": minutes, "days": minutes // 1440},
        "responsible": responsible_,
        "policy": policy,
        "events": events,
    }


async def name_units(db: SQL, items: list[dict[str, Any]], at: str, position: int) -> None:
    units = await units_at(db, {i["unit_id"] for i in items}, at, position)
    for entry in items:
        unit = units.get(entry["unit_id"])
        entry["unit_name"] = unit["name"] if unit else None
