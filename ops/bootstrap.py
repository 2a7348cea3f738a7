"""The one place that wires a ledger together: backend, schema, Merkle tiles, domain, catch-up."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from ledger.checkpoint import LogKey, load_or_create_signing_key
from ledger.decider import AcceptAll, Decider
from ledger.errors import IntegrityAlarm
from ledger.integrity import CheckpointRecord, Notary, record_path
from ledger.store import Backend, EventStore, open_backend
from ledger.store.tiles import build_missing_tiles, stored_size
from ops.config import Settings
from ops.migrate import migrate
from ops.progress import progress_bar

__all__ = ["default_decider", "ensure_tiles", "open_ledger", "open_notary"]

log = structlog.get_logger("ledger.bootstrap")


def default_decider() -> Decider:
    """The domain's rules (SPEC §4–§5); every post and import goes through them."""
    try:
        from ledger.domain import Domain
    except ImportError:  # the domain layer is not built yet
        return AcceptAll()
    return Domain()


async def ensure_tiles(backend: Backend) -> int:
    """A ledger from before the Merkle tiles gets them, once, with a progress bar: every
    event re-hashed from its canonical bytes. A broken chain sets the integrity alarm
    (writes refused) instead: the ledger never builds a tree over a tampered event."""
    missing = (await backend.head()).position - await stored_size(backend)
    if missing <= 0:
        return 0
    log.warning("building the Merkle tiles of a ledger from before them (once)", events=missing)
    try:
        with progress_bar("building the Merkle tiles (once)", missing) as bar:
            return await build_missing_tiles(backend, bar.update)
    except IntegrityAlarm as alarm:
        log.error("cannot build the Merkle tiles", why=str(alarm))
        backend.tiles.alarm = f"cannot build the Merkle tree: {alarm}"
        return 0


async def open_ledger(
    url: str,
    *,
    decider: Decider | None = None,
    apply_migrations: bool = True,
    progress: Callable[[int], None] | None = None,
) -> EventStore:
    """Open the store, bring its schema and tiles up to date, and fold the log into the decider."""
    backend = await open_backend(url)
    try:
        if apply_migrations:
            await migrate(backend)
            await ensure_tiles(backend)
        store = EventStore(backend, decider if decider is not None else default_decider())
        await store.catch_up(progress)
    except BaseException:
        await backend.close()
        raise
    return store


def open_notary(store: EventStore, settings: Settings) -> Notary:
    """The ledger's signer: LEDGER_SIGNING_KEY (created, mode 0600, on first start) under
    LEDGER_ORIGIN, its checkpoints recorded beside the key, pushed to LEDGER_WITNESSES."""
    from ops.witness import Witnesses, parse_witnesses

    key = LogKey(load_or_create_signing_key(settings.signing_key), settings.origin or None)
    notary = Notary(store.backend, key, CheckpointRecord(record_path(settings.signing_key), key))
    endpoints = parse_witnesses(settings.witnesses)
    if endpoints:
        notary.witnesses = Witnesses(notary, endpoints)
    return notary
