"""The seam between the appender and the domain.

The appender (``ledger.store``) serialises every append. Inside that one writer it opens a
``Decision`` for a group of requests, asks it to ``decide`` each proposed event in log
order, and, once the group is durably written, ``commit``s it. A request refused part-way
is undone with ``rollback(mark)``, so a batch is all or nothing in the domain state too.
Events written by another process are fed to ``replay`` before the next group is decided.
"""

from __future__ import annotations

from typing import Protocol

from ledger.envelope import Proposed, StoredEvent

__all__ = ["AcceptAll", "Decider", "Decision"]


class Decision(Protocol):
    def decide(self, event: Proposed, position: int) -> None:
        """Apply ``event`` (to be stored at ``position``) or raise ``DomainRefused``.

        When it raises, the state is as it was before the call.
        """

    def mark(self) -> object:
        """A point to roll back to."""

    def rollback(self, mark: object) -> None:
        """Forget everything decided since ``mark``."""

    def commit(self, position: int) -> None:
        """The group is in the log, up to ``position``: make its effects the committed state."""

    def abort(self) -> None:
        """The write failed: forget everything decided in this Decision."""


class Decider(Protocol):
    #: the last log position reflected in the committed state (0 for none)
    position: int

    def begin(self) -> Decision: ...

    def replay(self, event: StoredEvent) -> None:
        """Fold an event that is already in the log; never refuses."""


class _AcceptAllDecision:
    def __init__(self, decider: AcceptAll) -> None:
        self._decider = decider

    def decide(self, event: Proposed, position: int) -> None:
        return None

    def mark(self) -> object:
        return None

    def rollback(self, mark: object) -> None:
        return None

    def commit(self, position: int) -> None:
        self._decider.position = position

    def abort(self) -> None:
        return None


class AcceptAll:
    """A decider with no rules beyond the envelope: the store's own tests and benchmarks."""

    def __init__(self) -> None:
        self.position = 0

    def begin(self) -> Decision:
        return _AcceptAllDecision(self)

    def replay(self, event: StoredEvent) -> None:
        self.position = event.position
