"""The rules' state as bytes, in parts, and back (the storage is ``ledger/store/snapshots.py``).

Folding a city's year of events into the rules' state takes seconds per hundred thousand
events, and the service cannot decide an append before it is done: a start that loads a
snapshot and folds only the events after it writes again in a second or two at any size.

The state is the committed ``Tables`` (aggregates, exclusive roles, supersessions) plus the
replay anomalies. Aggregates go in parts of ``PART_ENTITIES`` so that loading one stalls the
service's event loop for a fraction of a second only; the indexes and anomalies are the last
part. The bytes are pickles: they are read only after the store has checked the ledger's
signature over them (never from anyone who cannot sign checkpoints), and only by the code
that wrote them (the store's fingerprint covers this package's source).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from ledger.domain.state import ReplayView, Tables

if TYPE_CHECKING:
    from ledger.domain.decider import Domain

__all__ = ["PART_ENTITIES", "StateLoader", "state_parts"]

#: aggregates a part (~0.2 MB; ~5 ms to cut or load, the longest the service stalls for it)
PART_ENTITIES = 1000
_PROTOCOL: Final = 5


def state_parts(domain: Domain) -> Iterator[bytes]:
    """The committed state of ``domain`` as parts: aggregates first, ``PART_ENTITIES`` a part,
    the indexes last. The caller keeps the state still until the last part is taken."""
    items = list(domain.tables.aggregates.items())
    entities = PART_ENTITIES
    for start in range(0, len(items), entities):
        yield pickle.dumps(("aggregates", items[start : start + entities]), _PROTOCOL)
    rest = (domain.tables.exclusive, domain.tables.superseded, domain.anomalies)
    yield pickle.dumps(("indexes", rest), _PROTOCOL)


class StateLoader:
    """Fills a new ``Tables`` part by part; ``install`` makes it the domain's committed state.
    Nothing of the domain changes before ``install``: a part that fails leaves it as it was."""

    def __init__(self, domain: Domain) -> None:
        if domain.position != 0 or domain.tables.aggregates:
            raise RuntimeError("a snapshot loads into a domain that has folded nothing")
        self._domain = domain
        self._tables = Tables()
        self._anomalies: list[tuple[int, str]] = []
        self._complete = False

    def add(self, body: bytes) -> None:
        kind, content = _loads(body)
        if self._complete:
            raise ValueError("a part after the snapshot's last part")
        if kind == "aggregates":
            self._tables.aggregates.update(content)
        elif kind == "indexes":
            exclusive, superseded, anomalies = content
            self._tables.exclusive.update(exclusive)
            self._tables.superseded.update(superseded)
            self._anomalies = list(anomalies)
            self._complete = True
        else:
            raise ValueError(f"a snapshot part of unknown kind {kind!r}")

    @property
    def entities(self) -> int:
        return len(self._tables.aggregates)

    def install(self, position: int) -> None:
        """The loaded state is the domain's, as of the event at ``position``."""
        if not self._complete:
            raise ValueError("the snapshot's last part (its indexes) is missing")
        domain = self._domain
        domain.tables = self._tables
        domain.anomalies = self._anomalies
        domain.replay_view = ReplayView(self._tables, domain.library, domain.retire)
        domain.position = position


def _loads(body: bytes) -> tuple[str, Any]:
    loaded = pickle.loads(body)  # signed by the ledger's key, and checked, before it is read
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], str)):
        raise ValueError("not a part of a rules' snapshot")
    return loaded[0], loaded[1]
