"""Visits (``visit.made``): a work group or an official going to a division or body —
现场办公 (临沂 2019 方案 二(三)1: 每周到所包县区开展一次现场办公), 督导, 暗查暗访.

A visit is not an inspection of an enterprise (that is ``inspection.conducted``): its target
is a division, a department or another body, and its holder a person or a work group.
"""

from __future__ import annotations

from eventsourcing.domain import event

from ledger.domain.base import Entity, Fact
from ledger.domain.rules import rule
from ledger.domain.state import View
from ledger.domain.units import Unit, check_unit_open
from ledger.errors import DomainRefused

__all__ = ["Visit"]


class Visit(Entity):
    @event("Made")
    def __init__(
        self,
        stream: str,
        holder: str,
        target: str,
        purpose: str,
        occurred_at: str,
        participants: list[str] | None = None,
        note: str | None = None,
    ) -> None:
        self.stream = stream
        self.holder = holder
        self.target = target
        self.purpose = purpose
        self.made_at = occurred_at
        self.participants = tuple(participants or ())
        self.note = note


def _check_holder(view: View, holder: str) -> None:
    unit = view.get(f"unit:{holder}")
    if isinstance(unit, Unit) and unit.kind != "work_group":
        raise DomainRefused(
            "visit.holder",
            f"a visit is made by a person or a work group (督导工作组); {holder} ({unit.name}) is a {unit.kind}",
            field="holder",
        )


def _check_target(view: View, target: str) -> None:
    unit = view.get(f"unit:{target}")
    if isinstance(unit, Unit) and unit.kind == "enterprise":
        raise DomainRefused(
            "visit.target",
            f"{target} ({unit.name}) is an enterprise: a visit to an enterprise is an inspection "
            "(inspection.conducted); a visit (现场办公, 督导) goes to a division or a body",
            field="target",
        )


@rule("visit.made", Visit, "__init__")
def _made(view: View, fact: Fact, agg: Entity | None) -> None:
    _check_holder(view, fact.data["holder"])
    _check_target(view, fact.data["target"])
    check_unit_open(view, fact.data["target"], fact.at, "target")
