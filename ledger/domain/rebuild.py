"""Rebuild one aggregate from its stream, through the eventsourcing library's own events.

This is the library's replay (``event.mutate(aggregate)``, version checked), used to prove
that the stream alone rebuilds the aggregate the ``Domain`` holds. (A supersession —
``assignment.made`` with ``supersedes`` — ends the earlier assignment in the domain's
index, not in the earlier stream.)
"""

from __future__ import annotations

from collections.abc import Iterable

from eventsourcing.utils import get_topic

from ledger.domain.base import Entity, Fact, stream_uuid, to_datetime
from ledger.domain.rules import RULES
from ledger.envelope import StoredEvent

__all__ = ["rebuild"]


def rebuild(events: Iterable[StoredEvent]) -> Entity | None:
    """The aggregate the stored events of one stream make (None for no events)."""
    agg: Entity | None = None
    for stored in events:
        rule = RULES[stored.type]
        at = to_datetime(stored.occurred_at)
        fact = Fact(stored.type, stored.stream, stored.data, stored.occurred_at, at, stored.position)
        event_class = rule.mutator.event_class
        kwargs = rule.mutator.kwargs(fact)
        if rule.creates:
            domain_event = event_class(
                originator_id=stream_uuid(stored.stream),
                originator_version=1,
                timestamp=at,
                originator_topic=get_topic(rule.mutator.cls),
                **kwargs,
            )
        else:
            if agg is None:
                raise ValueError(f"{stored.stream}: the first event must create the aggregate")
            domain_event = event_class(originator_id=agg.id, originator_version=agg.version + 1, timestamp=at, **kwargs)
        agg = domain_event.mutate(agg)
    return agg
