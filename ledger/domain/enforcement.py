"""Enforcement and accountability: sanctions, illegal sites (非法窝点), periodic reports.

A sanction rests on evidence (``basis_refs``): log positions before its own, or ids of
registered entities (``hazard:HZ-1`` as a stream, or a bare id such as ``HZ-1``). Its kind
must suit its target: an enterprise gets the administrative sanctions (罚款, 停产整顿, 关闭取缔
…), a person or a unit in government the accountability ones (约谈, 通报批评, 撤职, 一票否决 …).
``sanction_class`` says which a sanction is: 行政处罚 (on an enterprise: 警告, 罚款 …), a
监管措施 (警示, 约谈, 黑名单 …), 问责 (on an official or a body of government) or 移送司法机关.

An illegal site found not stopped may be stopped later (``illegal_site.stopped``, 制止); it
counts as stopped from then on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from eventsourcing.domain import event

from ledger.catalogue import STREAM_KINDS
from ledger.domain.base import Entity, Fact, to_datetime
from ledger.domain.enums import ADMINISTRATIVE_PENALTY_KINDS, GOVERNMENT_SANCTION_KINDS, UNIT_SANCTION_KINDS
from ledger.domain.rules import rule
from ledger.domain.state import View
from ledger.domain.units import Unit
from ledger.errors import DomainRefused

__all__ = ["SANCTION_CLASSES", "IllegalSite", "Report", "Sanction", "sanction_class", "sanction_kinds_for"]

_ENTERPRISE_KINDS: Final = frozenset(UNIT_SANCTION_KINDS)
_GOVERNMENT_KINDS: Final = frozenset(GOVERNMENT_SANCTION_KINDS)
#: what a sanction is, by its kind and target (labels: ``ledger.labels``, ``sanction_class``)
SANCTION_CLASSES: Final = ("administrative_penalty", "regulatory_measure", "accountability", "criminal_referral")


def sanction_class(kind: str, on_enterprise: bool) -> str:
    """行政处罚 for the penalties on an enterprise (警告 included), 监管措施 for the rest of an
    enterprise's (警示, 约谈, 黑名单, 取消标准化等级), 问责 for officials and bodies of government
    (a 警告 there is a 政务处分), and 移送司法机关 for a criminal referral."""
    if kind == "criminal_referral":
        return "criminal_referral"
    if not on_enterprise:
        return "accountability"
    return "administrative_penalty" if kind in ADMINISTRATIVE_PENALTY_KINDS else "regulatory_measure"


class Sanction(Entity):
    @event("Imposed")
    def __init__(
        self,
        stream: str,
        target: str,
        kind: str,
        basis_refs: list[Any],
        issued_by: str,
        occurred_at: str,
        amount_cny: float | None = None,
        until: str | None = None,
        note: str | None = None,
    ) -> None:
        self.stream = stream
        self.target = target
        self.kind = kind
        self.basis_refs = tuple(basis_refs)
        self.issued_by = issued_by
        self.imposed_at = occurred_at
        self.amount_cny = amount_cny
        self.until = until
        self.note = note
        self.lifted_at: str | None = None
        self.lifted_reason: str | None = None

    def check_not_lifted(self) -> None:
        if self.lifted_at is not None:
            raise DomainRefused(
                "sanction.lifecycle",
                f"sanction {self.entity_id} was already lifted on {self.lifted_at}",
                field="sanction_id",
            )

    @event("Lifted")
    def _lifted(self, reason: str, occurred_at: str) -> None:
        self.lifted_at = occurred_at
        self.lifted_reason = reason


class IllegalSite(Entity):
    @event("Found")
    def __init__(
        self,
        stream: str,
        unit_id: str,
        description: str,
        stopped: bool,
        occurred_at: str,
        address: str | None = None,
    ) -> None:
        self.stream = stream
        self.unit_id = unit_id
        self.description = description
        self.stopped = stopped
        self.found_at = occurred_at
        self.address = address
        # when it was stopped (制止): at its finding if found stopped, else by illegal_site.stopped
        self.stopped_at: str | None = occurred_at if stopped else None
        self.stopped_by: str | None = None

    def check_not_stopped(self, at: datetime) -> None:
        if self.stopped:
            when = "when it was found" if self.stopped_at == self.found_at else f"on {self.stopped_at}"
            raise DomainRefused(
                "illegal_site.stopped",
                f"illegal site {self.entity_id} was already stopped (制止) {when}",
                field="site_id",
            )
        if at < to_datetime(self.found_at):
            raise DomainRefused(
                "illegal_site.stopped",
                f"illegal site {self.entity_id} was found on {self.found_at}; it cannot be stopped before that",
                field="site_id",
            )

    @event("Stopped")
    def _stopped(self, by: str, measures: str, occurred_at: str) -> None:
        self.stopped = True
        self.stopped_at = occurred_at
        self.stopped_by = by


class Report(Entity):
    @event("Submitted")
    def __init__(
        self,
        stream: str,
        kind: str,
        unit_id: str,
        period: str,
        occurred_at: str,
        title: str | None = None,
    ) -> None:
        self.stream = stream
        self.kind = kind
        self.unit_id = unit_id
        self.period = period
        self.submitted_at = occurred_at
        self.title = title


def sanction_kinds_for(target: Entity) -> frozenset[str]:
    """Enterprise sanctions for an enterprise; accountability ones for people and government."""
    if isinstance(target, Unit) and target.kind == "enterprise":
        return _ENTERPRISE_KINDS
    return _GOVERNMENT_KINDS


def _target(view: View, target_id: str) -> Entity:
    found = view.get(f"person:{target_id}") or view.get(f"unit:{target_id}")
    assert found is not None  # a reference check
    return found


def _check_kind(view: View, data: dict[str, Any]) -> None:
    target = _target(view, data["target"])
    allowed = sanction_kinds_for(target)
    if data["kind"] not in allowed:
        what = (
            f"an enterprise ({target.entity_id})"
            if allowed is _ENTERPRISE_KINDS
            else f"a person or a unit in government ({target.entity_id})"
        )
        raise DomainRefused(
            "sanction.kind",
            f"a {data['kind']} sanction cannot be imposed on {what}; allowed: " + ", ".join(sorted(allowed)),
            field="kind",
        )


def _ref_exists(view: View, ref: str) -> bool:
    prefix, sep, _ = ref.partition(":")
    if sep and prefix in STREAM_KINDS and view.get(ref) is not None:
        return True
    return any(view.get(f"{kind}:{ref}") is not None for kind in STREAM_KINDS)


def _check_basis(view: View, refs: list[Any], position: int) -> None:
    for index, ref in enumerate(refs):
        field = f"basis_refs/{index}"
        if isinstance(ref, int):
            if not 0 < ref < position:
                raise DomainRefused(
                    "sanction.basis",
                    f"{field}: position {ref} is not an earlier event of the log "
                    f"(this sanction is being recorded at position {position})",
                    field=field,
                )
        elif not _ref_exists(view, ref):
            raise DomainRefused(
                "sanction.basis",
                f"{field}: {ref!r} is neither a registered entity nor a stream of the ledger",
                field=field,
            )


@rule("sanction.imposed", Sanction, "__init__")
def _imposed(view: View, fact: Fact, agg: Entity | None) -> None:
    _check_kind(view, fact.data)
    _check_basis(view, fact.data["basis_refs"], fact.position)


@rule("sanction.lifted", Sanction, "_lifted")
def _lifted(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, Sanction)
    agg.check_not_lifted()


@rule("illegal_site.found", IllegalSite, "__init__")
def _found(view: View, fact: Fact, agg: Entity | None) -> None:
    unit = view.get(f"unit:{fact.data['unit_id']}")
    assert isinstance(unit, Unit)
    if unit.kind != "township":
        raise DomainRefused(
            "illegal_site.township",
            f"an illegal site (非法窝点) is recorded against the township (乡镇/街道) it lies in; "
            f"unit {unit.entity_id} is a {unit.kind}",
            field="unit_id",
        )


@rule("illegal_site.stopped", IllegalSite, "_stopped")
def _stopped(view: View, fact: Fact, agg: Entity | None) -> None:
    assert isinstance(agg, IllegalSite)
    agg.check_not_stopped(fact.at)


@rule("report.submitted", Report, "__init__")
def _submitted(view: View, fact: Fact, agg: Entity | None) -> None:
    return None
