"""The registry read model: units and people in valid time, the tree, the policies in force."""

from __future__ import annotations

from projections.registry.fold import RegistryProjector
from projections.registry.policies import (
    keys_adopted,
    national_citation,
    rule_citation,
    rules_at,
    rules_at_moments,
)
from projections.registry.queries import (
    UnknownUnit,
    Within,
    chain_at,
    chains_at,
    chains_at_moments,
    children_at,
    in_subtree,
    names_at,
    people_at,
    search_people,
    search_units,
    subtree_at,
    unit_at,
    units_at,
)

__all__ = [
    "RegistryProjector",
    "UnknownUnit",
    "Within",
    "chain_at",
    "chains_at",
    "chains_at_moments",
    "children_at",
    "in_subtree",
    "keys_adopted",
    "names_at",
    "national_citation",
    "people_at",
    "rule_citation",
    "rules_at",
    "rules_at_moments",
    "search_people",
    "search_units",
    "subtree_at",
    "unit_at",
    "units_at",
]
