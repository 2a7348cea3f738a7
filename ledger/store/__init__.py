"""The event store: the only part of the ledger that touches a database."""

from __future__ import annotations

from ledger.decider import Decider
from ledger.errors import StoreUnavailable
from ledger.store.base import Backend, EventStore, Head, VerifyReport

__all__ = ["Backend", "EventStore", "Head", "VerifyReport", "backend_kind", "open_backend", "open_store"]


def backend_kind(url: str) -> str:
    """``sqlite`` or ``postgres`` for a database URL; anything else is refused."""
    if url.startswith("sqlite:"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgres"
    raise StoreUnavailable(
        f"unsupported database URL {url.split('://')[0]!r}: use sqlite:///path/to/file.db "
        "or postgresql://user@host:port/db"
    )


async def open_backend(url: str) -> Backend:
    if backend_kind(url) == "sqlite":
        from ledger.store.sqlite import SQLiteBackend

        return SQLiteBackend.from_url(url)
    from ledger.store.postgres import PostgresBackend

    return await PostgresBackend.connect(url)


async def open_store(url: str, decider: Decider | None = None) -> EventStore:
    return EventStore(await open_backend(url), decider)
