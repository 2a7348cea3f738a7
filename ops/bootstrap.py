"""The one place that wires a ledger together: backend, schema, domain, personal data, catch-up."""

from __future__ import annotations

from collections.abc import Callable

from ledger.decider import AcceptAll, Decider
from ledger.store import EventStore, open_backend
from ledger.store.personal import PersonalData
from ops.migrate import migrate

__all__ = ["default_decider", "open_ledger", "personal_data"]


def default_decider() -> Decider:
    """The domain's rules (SPEC §4–§5); every post and import goes through them."""
    try:
        from ledger.domain import Domain
    except ImportError:  # the domain layer is not built yet
        return AcceptAll()
    return Domain()


async def open_ledger(
    url: str,
    *,
    decider: Decider | None = None,
    apply_migrations: bool = True,
    progress: Callable[[int], None] | None = None,
) -> EventStore:
    """Open the store, bring its schema up to date, and fold the log into the decider."""
    backend = await open_backend(url)
    try:
        if apply_migrations:
            await migrate(backend)
        # every append seals personal fields first (SPEC §4): POST /v1/events, import, demo
        personal = PersonalData(backend)
        store = EventStore(backend, decider if decider is not None else default_decider(), step=personal)
        await store.catch_up(progress)
        if apply_migrations:
            await personal.reconcile()  # a key an interrupted erasure left behind
    except BaseException:
        await backend.close()
        raise
    return store


def personal_data(store: EventStore) -> PersonalData:
    """The personal-data step ``open_ledger`` wired into ``store`` (keys, reveal, present)."""
    if not isinstance(store.step, PersonalData):
        raise RuntimeError("this store was not opened by open_ledger: it has no personal-data step")
    return store.step
