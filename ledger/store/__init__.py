"""The event store: the only part of the ledger that touches a database."""

from __future__ import annotations

from ledger.decider import Decider
from ledger.errors import StoreUnavailable
from ledger.store.base import Backend, EventStore, Head, VerifyReport, redacted

__all__ = ["Backend", "EventStore", "Head", "VerifyReport", "backend_kind", "open_backend", "open_store", "redacted"]


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


async def open_backend(url: str, *, create: bool = True) -> Backend:
    """The backend of ``url``; ``create=False`` refuses a SQLite file that does not exist."""
    if backend_kind(url) == "sqlite":
        from ledger.store.sqlite import SQLiteBackend

        return SQLiteBackend.from_url(url, create=create)
    from ledger.store.postgres import PostgresBackend

    return await PostgresBackend.connect(url)


async def open_store(url: str, decider: Decider | None = None) -> EventStore:
    return EventStore(await open_backend(url), decider)
