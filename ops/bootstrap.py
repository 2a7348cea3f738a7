"""The one place that wires a ledger together: backend, schema, domain, personal data, catch-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ledger.decider import AcceptAll, Decider
from ledger.errors import LedgerError
from ledger.store import Backend, EventStore, open_backend, redacted
from ledger.store.personal import PersonalData
from ops.migrate import migrate

__all__ = ["NoLedger", "default_decider", "holds_ledger", "open_ledger", "personal_data"]

#: is there a log in this database? Asked without writing anything (a read-only command)
_HOLDS_LEDGER = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'",
    "postgres": "SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'events' AND schemaname = current_schema()",
}


class NoLedger(LedgerError):
    """The database exists but holds no ledger (a mistyped URL, an empty file)."""

    code = "no-ledger"


def default_decider() -> Decider:
    """The domain's rules (SPEC §4–§5); every post and import goes through them."""
    try:
        from ledger.domain import Domain
    except ImportError:  # the domain layer is not built yet
        return AcceptAll()
    return Domain()


async def holds_ledger(backend: Backend) -> bool:
    """Does the database hold a ledger's log? (False for an empty or foreign database.)"""
    try:
        return bool(await backend.fetch(_HOLDS_LEDGER[backend.kind]))
    except sqlite3.DatabaseError:  # not an SQLite database at all
        return False


async def open_ledger(
    url: str,
    *,
    decider: Decider | None = None,
    apply_migrations: bool = True,
    progress: Callable[[int], None] | None = None,
    create: bool = True,
) -> EventStore:
    """Open the store, bring its schema up to date, and fold the log into the decider.

    ``create=False`` (every command that only reads or extends an existing ledger) refuses a
    database that does not exist or holds no ledger, and creates nothing.
    """
    backend = await open_backend(url, create=create)
    try:
        if not create and not await holds_ledger(backend):
            raise NoLedger(f"{redacted(url)} holds no ledger: create one with `ledger migrate` or `ledger import FILE`")
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
