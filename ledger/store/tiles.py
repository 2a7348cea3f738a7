"""The Merkle tiles in the database (tables ``merkle_tiles`` and ``merkle_leaves``; the layout
is ``ledger.tiles``).

- ``TileAppender`` is the writer's hook: each write transaction extends the tree with the
  hashes the appender itself just computed for its events and writes the tiles that changed
  together with the events (a statement more, in the same transaction). Only the tree's
  right edge is kept in memory, loaded in O(log n) reads; when another process has written
  since, its events are re-hashed from their canonical bytes and must match its tiles. A
  log shorter than its tree (an event deleted) or a head whose hash no longer matches its
  leaf raises ``IntegrityAlarm``, and from then on every write is refused: a position is
  never handed out twice.
- ``TileReader`` answers roots and proofs for any tree size from O(log n) tiles.
- ``build_missing_tiles`` gives a ledger from before the tiles its tree (once, with progress),
  re-hashing every event from its canonical bytes; ``audit_tiles`` checks every event's hash
  against the tiles for ``ledger verify``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import structlog

from ledger.canonical import GENESIS_HASH
from ledger.envelope import StoredEvent
from ledger.errors import IntegrityAlarm, StoreUnavailable
from ledger.merkle import HASH_SIZE, consistency_ranges, event_leaf_hash, inclusion_ranges
from ledger.store.base import Backend
from ledger.store.rows import SELECT_COLUMNS, event_from_record
from ledger.store.sql import SQL, SQLTx
from ledger.tiles import (
    TILE_BYTES,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileKey,
    TreeEdge,
    consistency_from_tiles,
    edge_tiles,
    inclusion_from_tiles,
    range_tiles,
    root_from_tiles,
)

__all__ = [
    "TileAppender",
    "TileAudit",
    "TileReader",
    "TileWrite",
    "audit_tiles",
    "build_missing_tiles",
    "stored_size",
]

log = structlog.get_logger("ledger.tiles")

PAGE = 5000
_UPSERT = (
    "INSERT INTO merkle_tiles (level, idx, hashes) VALUES (?, ?, ?) "
    "ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes"
)
_INSERT_LEAVES = "INSERT INTO merkle_leaves (start, hashes) VALUES (?, ?)"
_SIZE = (
    "SELECT (SELECT idx FROM merkle_tiles WHERE level = 0 ORDER BY idx DESC LIMIT 1), "
    "(SELECT start + length(hashes) / 32 FROM merkle_leaves ORDER BY start DESC LIMIT 1)"
)
_HASHES = "SELECT position, hash FROM events WHERE position > ? ORDER BY position LIMIT ?"
_EVENTS = f"SELECT {SELECT_COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?"


async def stored_size(db: SQL | SQLTx) -> int:
    """How many leaves the stored tree holds: its last full level-0 tile, or the leaves after."""
    full, leaves = (await db.fetch(_SIZE))[0]
    return max(0 if full is None else (int(full) + 1) * TILE_WIDTH, int(leaves or 0))


async def read_tiles(db: SQL | SQLTx, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
    """The stored tiles of ``keys`` (as much of each as exists), a few queries at most. A
    level-0 tile that is not full yet is put together from the leaves of ``merkle_leaves``."""
    wanted = sorted(set(keys))
    found: dict[TileKey, bytes] = {}
    for i in range(0, len(wanted), 200):
        chunk = wanted[i : i + 200]
        where = " OR ".join(["(level = ? AND idx = ?)"] * len(chunk))
        args = [value for key in chunk for value in key]
        for level, index, hashes in await db.fetch(f"SELECT level, idx, hashes FROM merkle_tiles WHERE {where}", *args):
            found[(int(level), int(index))] = bytes(hashes)
    partial = [index for level, index in wanted if level == 0 and (level, index) not in found]
    for i in range(0, len(partial), 200):
        found.update(await _partial_tiles(db, partial[i : i + 200]))
    return found


async def _partial_tiles(db: SQL | SQLTx, indexes: list[int]) -> dict[TileKey, bytes]:
    where = " OR ".join(["(start >= ? AND start < ?)"] * len(indexes))
    args = [bound for index in indexes for bound in (index * TILE_WIDTH, (index + 1) * TILE_WIDTH)]
    rows = await db.fetch(f"SELECT start, hashes FROM merkle_leaves WHERE {where} ORDER BY start", *args)
    tiles: dict[TileKey, bytes] = {}
    for start, hashes in rows:
        key = (0, int(start) // TILE_WIDTH)
        row = tiles.get(key, b"")
        if int(start) == key[1] * TILE_WIDTH + len(row) // HASH_SIZE:  # contiguous from the tile's start
            tiles[key] = row + bytes(hashes)
    return tiles


def _statements(tiles: dict[TileKey, bytes], old_size: int) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The SQL that stores ``tiles``: full tiles and the partial ones above level 0 upserted
    (they only grow), and the new leaves of the partial level-0 tile as one ``merkle_leaves``
    row. Portable SQL, ``?`` placeholders, for ``executemany``."""
    whole = [(level, index, row) for (level, index), row in sorted(tiles.items()) if level or len(row) == TILE_BYTES]
    statements: list[tuple[str, list[tuple[Any, ...]]]] = [(_UPSERT, whole)] if whole else []
    for (level, index), row in tiles.items():
        if level == 0 and len(row) < TILE_BYTES:
            start = max(old_size, index * TILE_WIDTH)
            statements.append((_INSERT_LEAVES, [(start, row[(start - index * TILE_WIDTH) * HASH_SIZE :])]))
    return statements


async def _write_tiles(tx: SQLTx, tiles: dict[TileKey, bytes], old_size: int) -> None:
    for sql, rows in _statements(tiles, old_size):
        await tx.executemany(sql, rows)


@dataclass(frozen=True)
class TileWrite:
    """What one insert adds to the tree: the SQL to run with the events' own insert (in the
    same transaction), and the edge to ``adopt`` once that transaction commits."""

    edge: TreeEdge
    statements: list[tuple[str, list[tuple[Any, ...]]]]


async def _load_edge(db: SQL | SQLTx, size: int) -> TreeEdge:
    if not size:
        return TreeEdge.empty()
    try:
        return TreeEdge.from_tiles(size, await read_tiles(db, edge_tiles(size)))
    except KeyError as exc:
        raise IntegrityAlarm(f"the Merkle tiles do not hold a tree of {size} leaves: {exc}") from None


def _rehash(events: Sequence[StoredEvent], prev_hash: str | None) -> list[bytes]:
    """The leaves of ``events``, each hash recomputed from its canonical bytes and its link
    to the event before checked; ``IntegrityAlarm`` naming the first that fails."""
    leaves = []
    for event in events:
        if prev_hash is not None and event.prev_hash != prev_hash:
            raise IntegrityAlarm(f"position {event.position}: prev_hash does not match the event before")
        if event.expected_hash() != event.hash:
            raise IntegrityAlarm(f"position {event.position}: its hash does not match its canonical bytes (altered)")
        leaves.append(event_leaf_hash(event.hash))
        prev_hash = event.hash
    return leaves


async def _read_events(db: SQLTx, after: int, until: int) -> list[StoredEvent]:
    rows = await db.fetch(_EVENTS, after, until, PAGE)
    events = [event_from_record(r) for r in rows]
    if not events or events[0].position != after + 1 or events[-1].position != after + len(events):
        raise IntegrityAlarm(f"the log has a gap after position {after}")
    return events


class TileAppender:
    """The write hook (see the module docstring). One per backend, used by its write
    transactions; ``edge`` is the right edge as last committed by this process."""

    def __init__(self) -> None:
        self.edge: TreeEdge | None = None
        self.alarm: str | None = None

    def raise_alarm(self, why: str) -> NoReturn:
        """Refuse every write from now on (until the ledger is restarted and checks again)."""
        if self.alarm is None:
            log.error("integrity alarm: writes are refused", why=why)
            self.alarm = why
        raise IntegrityAlarm(f"integrity alarm, writes are refused: {self.alarm}")

    async def prepare(self, tx: SQLTx, events: Sequence[StoredEvent], pending: TreeEdge | None) -> TileWrite:
        """The tiles ``events`` (about to be inserted by ``tx``) complete: run
        ``statements`` with their insert, and ``adopt`` the edge once ``tx`` commits.
        ``pending`` is the edge an earlier insert of the same transaction returned. Reads
        only when another process wrote since (or at the first write)."""
        if self.alarm is not None:
            self.raise_alarm(self.alarm)
        edge = pending or self.edge
        if not events:
            return TileWrite(edge or TreeEdge.empty(), [])
        head = events[0].position - 1
        try:
            if edge is None or edge.size != head:
                edge = await self._catch_up(tx, edge, head)
            if head and event_leaf_hash(events[0].prev_hash) != edge.last_leaf:
                raise IntegrityAlarm(
                    f"position {head}: its stored hash is not the leaf the Merkle tree holds for it "
                    "(the event was altered in the database)"
                )
            # the hashes the appender computed from the events' canonical bytes (StoredEvent.sealed)
            new, changed = edge.extend(event_leaf_hash(e.hash) for e in events)
        except IntegrityAlarm as alarm:
            self.raise_alarm(str(alarm))
        return TileWrite(new, _statements(changed, edge.size))

    def adopt(self, edge: TreeEdge | None) -> None:
        """The transaction that returned ``edge`` committed: it is the edge now."""
        if edge is not None:
            self.edge = edge

    async def _catch_up(self, tx: SQLTx, edge: TreeEdge | None, head: int) -> TreeEdge:
        """The edge at ``head`` from the stored tiles; the events another process appended
        since our own edge are re-hashed and must give the very same tree."""
        if edge is not None and edge.size > head:
            raise IntegrityAlarm(
                f"positions {head + 1}..{edge.size} are missing: this process appended them, "
                f"the log now ends at {head} (events deleted from the database)"
            )
        stored = await stored_size(tx)
        if stored > head:
            raise IntegrityAlarm(
                f"positions {head + 1}..{stored} are missing: the log ends at {head} "
                f"but its Merkle tree holds {stored} leaves (events deleted from the database)"
            )
        if stored < head:
            raise IntegrityAlarm(
                f"positions {stored + 1}..{head} have no Merkle tiles: they were written without the "
                "ledger (by hand?) or by an older version; restart the ledger to build the tiles"
            )
        loaded = await _load_edge(tx, head)
        if edge is not None and edge.size < head:
            ours = edge
            while ours.size < head:
                events = await _read_events(tx, ours.size, head)
                if ours.size and event_leaf_hash(events[0].prev_hash) != ours.last_leaf:
                    raise IntegrityAlarm(f"position {ours.size} changed since this process appended it")
                ours, _ = ours.extend(_rehash(events, None if ours.size else GENESIS_HASH))
            if ours != loaded:
                raise IntegrityAlarm(
                    f"the Merkle tiles of positions {edge.size + 1}..{head}, written by another process, "
                    "do not match those events' canonical bytes"
                )
        return loaded


class TileReader:
    """Roots, proofs and tiles of any tree size up to the stored one, from O(log n) tiles.

    Tiles are cached, partial ones too: a tile only grows, so a cached prefix stays true,
    and a request that needs more of it than is cached reads it again."""

    def __init__(self, db: SQL, cached_tiles: int = 4096) -> None:
        self.db = db
        self._cache: OrderedDict[TileKey, bytes] = OrderedDict()
        self._cached = cached_tiles

    async def size(self) -> int:
        return await stored_size(self.db)

    async def tiles(self, needed: dict[TileKey, int]) -> dict[TileKey, bytes]:
        """The tiles of ``needed`` (key → the width needed); StoreUnavailable if one is short."""
        found = {k: self._cache[k] for k, w in needed.items() if len(self._cache.get(k, b"")) >= w * HASH_SIZE}
        for key in found:
            self._cache.move_to_end(key)
        missing = [key for key in needed if key not in found]
        for key, row in (await read_tiles(self.db, missing)).items():
            found[key] = self._cache[key] = row
            if len(self._cache) > self._cached:
                self._cache.popitem(last=False)
        for key, width in needed.items():
            if len(found.get(key, b"")) < width * HASH_SIZE:
                raise StoreUnavailable(f"the Merkle tile {key[0]}/{key[1]} does not hold the {width} hashes needed")
        return found

    async def root(self, size: int) -> bytes:
        return root_from_tiles(await self.tiles(range_tiles([(0, size)])), size)

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        ranges = inclusion_ranges(index, size)
        return inclusion_from_tiles(await self.tiles(range_tiles(ranges)), index, size)

    async def inclusion_proofs(self, indexes: Sequence[int], size: int) -> list[list[bytes]]:
        """Many proofs in one tree, their tiles read together."""
        needed: dict[TileKey, int] = {}
        for index in indexes:
            for key, width in range_tiles(inclusion_ranges(index, size)).items():
                needed[key] = max(needed.get(key, 0), width)
        tiles = await self.tiles(needed)
        return [inclusion_from_tiles(tiles, index, size) for index in indexes]

    async def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        if size1 == size2:
            return []
        ranges = consistency_ranges(size1, size2)
        return consistency_from_tiles(await self.tiles(range_tiles(ranges)), size1, size2)

    async def leaf_and_path(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash at ``index`` and its inclusion proof in the tree of ``size``, their
        tiles read together."""
        key, offset = (0, index >> TILE_HEIGHT), index & (TILE_WIDTH - 1)
        needed = range_tiles(inclusion_ranges(index, size))
        needed[key] = max(needed.get(key, 0), offset + 1)
        tiles = await self.tiles(needed)
        return tiles[key][offset * HASH_SIZE : (offset + 1) * HASH_SIZE], inclusion_from_tiles(tiles, index, size)

    async def tile(self, level: int, index: int, width: int) -> bytes | None:
        """The first ``width`` hashes of a stored tile, or None when it does not hold them."""
        try:
            row = (await self.tiles({(level, index): width}))[(level, index)]
        except StoreUnavailable:
            return None
        return row[: width * HASH_SIZE]


# -- a ledger from before the tiles -----------------------------------------------------------


async def build_missing_tiles(backend: Backend, progress: Callable[[int], None] | None = None) -> int:
    """Build the tiles of events that have none, re-hashing each from its canonical bytes
    (a broken chain raises ``IntegrityAlarm``: no tree over a tampered event). One write
    transaction per page, so appends wait at most a page. Returns how many leaves were added."""
    built = 0
    while True:
        async with backend.write_transaction() as tx:
            head, _ = await tx.head_and_versions(())
            stored = await stored_size(tx.sql)
            if stored >= head.position:
                return built
            edge = await _load_edge(tx.sql, stored)
            events = await _read_events(tx.sql, stored, head.position)
            if stored and event_leaf_hash(events[0].prev_hash) != edge.last_leaf:
                raise IntegrityAlarm(f"position {stored} does not match the Merkle tree built so far")
            _, changed = edge.extend(_rehash(events, None if stored else GENESIS_HASH))
            await _write_tiles(tx.sql, changed, stored)
        built += len(events)
        backend.tiles.edge = None  # the appender reloads its edge from what was just written
        if progress is not None:
            progress(len(events))


@dataclass(frozen=True)
class TileAudit:
    ok: bool
    size: int
    problem: str | None = None


async def audit_tiles(db: SQL, head: int, progress: Callable[[int], None] | None = None) -> TileAudit:
    """Does every event's stored hash make the stored tree? Each event's leaf is compared
    with its level-0 tile, and every tile of the tree rebuilt from the leaves with its stored
    copy. (That each hash matches its event's canonical bytes is the chain walk's part.)"""
    stored = await stored_size(db)
    if stored > head:
        return TileAudit(False, stored, f"positions {head + 1}..{stored} are missing: the Merkle tree holds them")
    edge, after = TreeEdge.empty(), 0
    while after < head:
        rows = await db.fetch(_HASHES, after, PAGE)
        leaves = [event_leaf_hash(h) for _, h in rows]
        edge, changed = edge.extend(leaves)
        stored_tiles = await read_tiles(db, changed)
        for (level, index), row in sorted(changed.items()):
            have = stored_tiles.get((level, index), b"")[: len(row)]
            if have != row:
                return TileAudit(False, stored, _mismatch(level, index, row, have))
        after = int(rows[-1][0]) if rows else head
        if progress is not None:
            progress(len(rows))
    return TileAudit(True, stored)


def _mismatch(level: int, index: int, computed: bytes, stored: bytes) -> str:
    if level == 0:
        for i in range(len(computed) // HASH_SIZE):
            if stored[i * HASH_SIZE : (i + 1) * HASH_SIZE] != computed[i * HASH_SIZE : (i + 1) * HASH_SIZE]:
                position = index * TILE_WIDTH + i + 1
                return f"position {position}: its hash is not the leaf the Merkle tree holds for it"
    return f"the Merkle tile {level}/{index} differs from the one its events make (the tiles were altered)"
