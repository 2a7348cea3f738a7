"""The event catalogue of SPEC §5: every type name and the stream its entity lives in.

Type names are stable strings stored in the log; they never change with module paths.
The fields each type carries are declared by the domain (``ledger.domain``).
"""

from __future__ import annotations

from typing import Final

__all__ = ["EVENT_TYPES", "STREAM_KINDS", "stream_for"]

#: type name → (stream prefix, the data field holding the entity id)
EVENT_TYPES: Final[dict[str, tuple[str, str]]] = {
    "unit.registered": ("unit", "unit_id"),
    "unit.updated": ("unit", "unit_id"),
    "unit.closed": ("unit", "unit_id"),
    "person.registered": ("person", "person_id"),
    "person.updated": ("person", "person_id"),
    "person.departed": ("person", "person_id"),
    "person.erased": ("person", "person_id"),
    "assignment.made": ("assignment", "assignment_id"),
    "assignment.ended": ("assignment", "assignment_id"),
    "assignment.corrected": ("assignment", "assignment_id"),
    "hazard.reported": ("hazard", "hazard_id"),
    "hazard.assigned": ("hazard", "hazard_id"),
    "hazard.deadline_extended": ("hazard", "hazard_id"),
    "hazard.supervision_listed": ("hazard", "hazard_id"),
    "hazard.progress_reported": ("hazard", "hazard_id"),
    "hazard.rectified": ("hazard", "hazard_id"),
    "hazard.verified": ("hazard", "hazard_id"),
    "hazard.closed": ("hazard", "hazard_id"),
    "inspection.conducted": ("inspection", "inspection_id"),
    "accident.occurred": ("accident", "accident_id"),
    "accident.reported": ("accident", "accident_id"),
    "accident.corrected": ("accident", "accident_id"),
    "accident.investigation_opened": ("accident", "accident_id"),
    "accident.investigation_extended": ("accident", "accident_id"),
    "accident.investigation_concluded": ("accident", "accident_id"),
    "sanction.imposed": ("sanction", "sanction_id"),
    "sanction.lifted": ("sanction", "sanction_id"),
    "illegal_site.found": ("illegal_site", "site_id"),
    "illegal_site.stopped": ("illegal_site", "site_id"),
    "visit.made": ("visit", "visit_id"),
    "exam.taken": ("person", "person_id"),
    "evaluation.scored": ("unit", "unit_id"),
    "report.submitted": ("report", "report_id"),
    "policy.adopted": ("policy", "policy_id"),
}

STREAM_KINDS: Final[frozenset[str]] = frozenset(prefix for prefix, _ in EVENT_TYPES.values())


def stream_for(event_type: str, entity_id: str) -> str:
    """The stream an event of ``event_type`` about ``entity_id`` belongs to (``hazard:HZ-1``)."""
    prefix, _ = EVENT_TYPES[event_type]
    return f"{prefix}:{entity_id}"
