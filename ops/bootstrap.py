"""The one place that wires a ledger together: backend, schema, Merkle tiles, domain, personal data, catch-up."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

import structlog

from ledger.checkpoint import LogKey, load_or_create_signing_key
from ledger.decider import AcceptAll, Decider
from ledger.domain import Domain
from ledger.errors import IntegrityAlarm, LedgerError, StoreUnavailable
from ledger.integrity import CheckpointRecord, Notary, record_path
from ledger.store import Backend, EventStore, backend_kind, open_backend, redacted
from ledger.store.personal import PersonalData
from ledger.store.snapshots import RulesSnapshots, Snapshot
from ledger.store.tiles import build_missing_tiles, stored_size
from ops.config import Settings
from ops.migrate import migrate
from ops.progress import progress_bar
from projections.replica import Replica

__all__ = [
    "BadReadReplica",
    "NoLedger",
    "default_decider",
    "ensure_tiles",
    "holds_ledger",
    "log_key",
    "open_ledger",
    "open_notary",
    "open_read_replica",
    "open_without_rules",
    "personal_data",
    "read_replica_url",
    "snapshot_when_due",
    "take_snapshot",
]

log = structlog.get_logger("ledger.bootstrap")

#: is there a log in this database? Asked without writing anything (a read-only command)
_HOLDS_LEDGER = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'",
    "postgres": "SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'events' AND schemaname = current_schema()",
}


class NoLedger(LedgerError):
    """The database exists but holds no ledger (a mistyped URL, an empty file)."""

    code = "no-ledger"


class BadReadReplica(LedgerError):
    """LEDGER_READ_DATABASE_URL cannot serve as the read models' replica."""

    code = "bad-read-replica"


#: how long a start waits for a replica to replay the ledger's schema and first events
REPLICA_START_SECONDS = 10.0


def default_decider() -> Decider:
    """The domain's rules (SPEC §4–§5); every post and import goes through them."""
    return Domain()


def log_key(settings: Settings) -> LogKey:
    """The ledger's key (LEDGER_SIGNING_KEY, created mode 0600 on first use) under
    LEDGER_ORIGIN: it signs the checkpoints and the snapshots of the rules' state."""
    return LogKey(load_or_create_signing_key(settings.signing_key), settings.origin or None)


async def holds_ledger(backend: Backend) -> bool:
    """Does the database hold a ledger's log? (False for an empty or foreign database.)"""
    try:
        return bool(await backend.fetch(_HOLDS_LEDGER[backend.kind]))
    except sqlite3.DatabaseError:  # not an SQLite database at all
        return False


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
    create: bool = True,
    catch_up: bool = True,
    key: LogKey | None = None,
) -> EventStore:
    """Open the store, bring its schema and tiles up to date, and fold the log into the decider.

    With the ledger's ``key`` (``log_key``) the rules' state starts from the latest snapshot
    it signed and folds only the events after it (``ledger.store.snapshots``); without, it
    folds the whole log (benchmarks, tests, commands that append no event).

    ``create=False`` (every command that only reads or extends an existing ledger) refuses a
    database that does not exist or holds no ledger, and creates nothing. ``catch_up=False``
    leaves the decider's fold to the caller (the service runs it in the background: it
    serves at once; an append before it ends replays the rest first).
    """
    backend = await open_backend(url, create=create)
    try:
        if not create and not await holds_ledger(backend):
            raise NoLedger(f"{redacted(url)} holds no ledger: create one with `ledger migrate` or `ledger import FILE`")
        if apply_migrations:
            await migrate(backend)
            await ensure_tiles(backend)
        # every append seals personal fields first (SPEC §4): POST /v1/events, import, demo
        personal = PersonalData(backend)
        decider = decider if decider is not None else default_decider()
        snapshots = None
        if key is not None:
            if not isinstance(decider, Domain):
                raise TypeError("snapshots are of the rules' state: a key needs the domain's decider")
            snapshots = RulesSnapshots(backend, key, decider)
        store = EventStore(backend, decider, step=personal, snapshots=snapshots)
        if catch_up:
            await store.catch_up(progress)
        if apply_migrations:
            await personal.reconcile()  # a key an interrupted erasure left behind
    except BaseException:
        await backend.close()
        raise
    return store


async def open_without_rules(url: str, *, apply_migrations: bool = True) -> EventStore:
    """An existing ledger for a command that appends no event (verify, export, project,
    rebuild, tokens, accounts): no rules' state, so nothing of the log is read to open it —
    `ledger token create` on a city's ledger is instant, not a fold of every event."""
    return await open_ledger(url, decider=AcceptAll(), apply_migrations=apply_migrations, create=False, catch_up=False)


async def snapshot_when_due(store: EventStore) -> None:
    """After a long fold or import: a snapshot of the rules' state when it is
    ``SNAPSHOT_AFTER`` events or more past the newest, so the next start folds little."""
    if store.snapshots is not None and await store.snapshots.due():
        await take_snapshot(store)


async def take_snapshot(store: EventStore) -> Snapshot:
    """A snapshot of the rules' state now, with a progress bar (``ledger snapshot``)."""
    entities = store.snapshots.domain.entities if store.snapshots else 0
    with progress_bar("snapshot of the rules' state", entities, unit="entities") as bar:
        return await store.take_snapshot(bar.update)


def personal_data(store: EventStore) -> PersonalData:
    """The personal-data step ``open_ledger`` wired into ``store`` (keys, reveal, present)."""
    if not isinstance(store.step, PersonalData):
        raise RuntimeError("this store was not opened by open_ledger: it has no personal-data step")
    return store.step


def open_notary(store: EventStore, settings: Settings) -> Notary:
    """The ledger's signer: LEDGER_SIGNING_KEY (created, mode 0600, on first start) under
    LEDGER_ORIGIN, its checkpoints recorded beside the key, pushed to LEDGER_WITNESSES."""
    from ops.witness import Witnesses, parse_witnesses

    key = log_key(settings)
    notary = Notary(store.backend, key, CheckpointRecord(record_path(settings.signing_key), key))
    endpoints = parse_witnesses(settings.witnesses)
    if endpoints:
        notary.witnesses = Witnesses(notary, endpoints)
    return notary


def read_replica_url(settings: Settings) -> str | None:
    """LEDGER_READ_DATABASE_URL, checked before anything is opened: a PostgreSQL URL, beside a
    PostgreSQL primary (None when it is not set)."""
    url = settings.read_database_url
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise BadReadReplica(
            f"LEDGER_READ_DATABASE_URL must be a postgresql:// URL of a streaming replica, not {redacted(url)}"
        )
    if backend_kind(settings.database_url) != "postgres":
        raise BadReadReplica(
            "LEDGER_READ_DATABASE_URL needs a PostgreSQL primary (LEDGER_DATABASE_URL is "
            f"{redacted(settings.database_url)}): an SQLite ledger has no replicas"
        )
    return url


async def open_read_replica(url: str, store: EventStore, names: list[str]) -> Replica:
    """A pool on the replica at ``url``, once it is a standby replaying ``store``'s ledger
    (waiting up to ``REPLICA_START_SECONDS`` for it to replay the schema and the head).
    Anything else is refused, in one line: unreachable, not a standby, another ledger."""
    from ledger.store.postgres import PostgresBackend

    try:
        backend = await PostgresBackend.connect(url)
    except StoreUnavailable as exc:
        raise BadReadReplica(f"LEDGER_READ_DATABASE_URL: {exc}") from None
    try:
        await _same_ledger(url, backend, store.backend)
    except BaseException:
        await backend.close()
        raise
    return Replica(backend, names)


async def _same_ledger(url: str, replica: Backend, primary: Backend) -> None:
    where = f"LEDGER_READ_DATABASE_URL ({redacted(url)})"
    if not (await replica.fetch("SELECT pg_is_in_recovery()"))[0][0]:
        raise BadReadReplica(f"{where} is not a standby: a read replica replays the primary (pg_basebackup -R)")
    wanted = (await primary.head()).position
    deadline = asyncio.get_running_loop().time() + REPLICA_START_SECONDS
    while not await holds_ledger(replica) or (await replica.head()).position < min(wanted, 1):
        if asyncio.get_running_loop().time() > deadline:
            raise BadReadReplica(
                f"{where} holds no ledger after {REPLICA_START_SECONDS:.0f} s: is it a replica of LEDGER_DATABASE_URL?"
            )
        await asyncio.sleep(0.1)
    seen = await replica.head()
    if seen.position:
        rows = await primary.fetch("SELECT hash FROM events WHERE position = ?", seen.position)
        if not rows or rows[0][0] != seen.hash:
            raise BadReadReplica(f"{where} holds another ledger: its event {seen.position} is not the primary's")
