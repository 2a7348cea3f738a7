"""The one place that wires a ledger together: backend, schema, domain, catch-up."""

from __future__ import annotations

from collections.abc import Callable

from ledger.decider import AcceptAll, Decider
from ledger.store import EventStore, open_backend
from ops.migrate import migrate

__all__ = ["default_decider", "open_ledger"]


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
        store = EventStore(backend, decider if decider is not None else default_decider())
        await store.catch_up(progress)
    except BaseException:
        await backend.close()
        raise
    return store
