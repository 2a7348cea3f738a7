"""The log's Merkle tree in tiles (C2SP tlog-tiles): how it is cut, extended and read back.

A tile is 256 consecutive hashes of one level of the tree. The tile (level ``L``, index
``N``) holds, for i in 0..255, ``MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1) * 256**L])``:
at level 0 the leaf hashes (``ledger.merkle.event_leaf_hash``), at level 1 the roots of full
level-0 tiles, and so on. The rightmost tile of each level is partial (1 to 255 hashes); it
only ever grows, so any shorter prefix of it is the partial tile of an older tree size.

The ledger keeps the tiles in its database (``ledger.store.tiles``), written in the same
transaction as the events they cover. Every root and proof of RFC 9162 is made of complete
subtrees (``ledger.merkle.complete_subtrees``), and each complete subtree lies inside one
tile: so a root or a proof needs O(log n) tiles at any size, and a writer needs only the
right edge of the tree (the partial tile of each level, at most 255 hashes a level).

Nothing here does I/O: tiles come in and go out as ``{(level, index): hashes}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    combine,
    complete_subtrees,
    consistency_ranges,
    fold_complete,
    inclusion_ranges,
)

__all__ = [
    "TILE_BYTES",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileKey",
    "TreeEdge",
    "consistency_from_tiles",
    "edge_tiles",
    "inclusion_from_tiles",
    "parse_tile_path",
    "range_tiles",
    "root_from_tiles",
    "tile_path",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
TILE_BYTES = TILE_WIDTH * HASH_SIZE
MAX_LEVEL = 63

#: (level, index) of a tile
TileKey = tuple[int, int]
#: tiles as stored: each key's hashes, concatenated (a partial tile is shorter)
Tiles = Mapping[TileKey, bytes]

_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$", re.ASCII)
_GROUP = re.compile(r"^[0-9]{3}$", re.ASCII)


# -- paths (tlog-tiles "Merkle Tree") -----------------------------------------------------------


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``, N in 3-digit groups, all but the last prefixed with ``x``."""
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if not index:
            break
    groups.reverse()
    encoded = "/".join([f"x{g}" for g in groups[:-1]] + groups[-1:])
    return f"tile/{level}/{encoded}" + (f".p/{width}" if width < TILE_WIDTH else "")


def parse_tile_path(path: str) -> tuple[int, int, int]:
    """``(level, index, width)`` of ``<L>/<N>[.p/<W>]`` (the part after ``tile/``);
    ValueError on anything but the canonical form the specification gives."""
    if len(path) > 200:
        raise ValueError("not a tile path")
    head, partial, width_text = path.partition(".p/")
    level_text, _, index_text = head.partition("/")
    groups = index_text.split("/")
    if not _DECIMAL.match(level_text) or int(level_text) > MAX_LEVEL:
        raise ValueError(f"a tile level is a decimal from 0 to {MAX_LEVEL}")
    if not all(_GROUP.match(g.removeprefix("x")) for g in groups) or not all(g[0] == "x" for g in groups[:-1]):
        raise ValueError("a tile index is written in 3-digit groups, all but the last prefixed with x")
    if groups[-1].startswith("x"):
        raise ValueError("the last group of a tile index has no x")
    index = int("".join(g.removeprefix("x") for g in groups))
    width = TILE_WIDTH
    if partial:
        if not _DECIMAL.match(width_text) or not 0 < int(width_text) < TILE_WIDTH:
            raise ValueError(f"a partial tile's width is a decimal from 1 to {TILE_WIDTH - 1}")
        width = int(width_text)
    level = int(level_text)
    if tile_path(level, index, width) != f"tile/{path}":
        raise ValueError("not the canonical path of a tile")
    return level, index, width


# -- reading subtrees out of tiles ------------------------------------------------------------


def _locate(level: int, index: int) -> tuple[TileKey, int, int]:
    """Where the complete subtree of 2**level leaves from ``index << level`` lies: its tile,
    the offset of its first hash there and how many hashes (a power of two, < 256) it spans."""
    tile_level = level // TILE_HEIGHT
    count = 1 << (level - tile_level * TILE_HEIGHT)
    start = index * count
    return (tile_level, start >> TILE_HEIGHT), start & (TILE_WIDTH - 1), count


def _subtree(tiles: Tiles, level: int, index: int) -> bytes:
    key, offset, count = _locate(level, index)
    row = tiles[key]
    if len(row) < (offset + count) * HASH_SIZE:
        raise KeyError(f"tile {key} holds {len(row) // HASH_SIZE} hashes, not the {offset + count} needed")
    return fold_complete(row[offset * HASH_SIZE : (offset + count) * HASH_SIZE])


def _range(tiles: Tiles, lo: int, hi: int) -> bytes:
    return combine([_subtree(tiles, level, index) for level, index in complete_subtrees(lo, hi)])


def range_tiles(ranges: Iterable[tuple[int, int]]) -> dict[TileKey, int]:
    """The tiles that the subtrees ``D[lo:hi]`` are read from, each with the width it needs."""
    needed: dict[TileKey, int] = {}
    for lo, hi in ranges:
        for level, index in complete_subtrees(lo, hi):
            key, offset, count = _locate(level, index)
            needed[key] = max(needed.get(key, 0), offset + count)
    return needed


def root_from_tiles(tiles: Tiles, size: int) -> bytes:
    """RFC 9162 MTH(D[0:size]); the tiles of ``range_tiles([(0, size)])``."""
    return _range(tiles, 0, size) if size else EMPTY_ROOT


def inclusion_from_tiles(tiles: Tiles, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]); the tiles of ``range_tiles(inclusion_ranges(index, size))``."""
    return [_range(tiles, lo, hi) for lo, hi in inclusion_ranges(index, size)]


def consistency_from_tiles(tiles: Tiles, size1: int, size2: int) -> list[bytes]:
    """PROOF(size1, D[size2]); the tiles of ``range_tiles(consistency_ranges(size1, size2))``."""
    return [_range(tiles, lo, hi) for lo, hi in consistency_ranges(size1, size2)]


# -- the writer's right edge --------------------------------------------------------------------


def edge_tiles(size: int) -> dict[TileKey, int]:
    """The tiles (and widths) a tree of ``size`` leaves needs to continue from: the partial
    tile of each level, and the tile holding the last leaf."""
    needed: dict[TileKey, int] = {}
    level = 0
    while size >> (TILE_HEIGHT * level):
        width = (size >> (TILE_HEIGHT * level)) & (TILE_WIDTH - 1)
        if width:
            needed[(level, size >> (TILE_HEIGHT * (level + 1)))] = width
        level += 1
    if size:
        key = (0, (size - 1) >> TILE_HEIGHT)
        needed[key] = max(needed.get(key, 0), ((size - 1) & (TILE_WIDTH - 1)) + 1)
    return needed


@dataclass(frozen=True)
class TreeEdge:
    """The right edge of a tree of ``size`` leaves: the partial tile of each level (bottom
    first, each 0 to 255 hashes) and the last leaf hash. Immutable: ``extend`` returns a new
    edge, so a transaction that rolls back leaves the committed edge as it was."""

    size: int
    partial: tuple[bytes, ...]
    last_leaf: bytes | None

    @classmethod
    def empty(cls) -> TreeEdge:
        return cls(0, (), None)

    @classmethod
    def from_tiles(cls, size: int, tiles: Tiles) -> TreeEdge:
        """The edge of the tree of ``size`` read from its tiles (``edge_tiles(size)``)."""
        partial = []
        level = 0
        while size >> (TILE_HEIGHT * level):
            width = (size >> (TILE_HEIGHT * level)) & (TILE_WIDTH - 1)
            row = tiles[(level, size >> (TILE_HEIGHT * (level + 1)))][: width * HASH_SIZE] if width else b""
            if len(row) != width * HASH_SIZE:
                raise KeyError(f"the partial tile of level {level} is shorter than a tree of {size} needs")
            partial.append(row)
            level += 1
        last = None
        if size:
            row, offset = tiles[(0, (size - 1) >> TILE_HEIGHT)], (size - 1) & (TILE_WIDTH - 1)
            last = row[offset * HASH_SIZE : (offset + 1) * HASH_SIZE]
            if len(last) != HASH_SIZE:
                raise KeyError(f"no level-0 tile holds leaf {size - 1}")
        return cls(size, tuple(partial), last)

    def extend(self, leaves: Iterable[bytes]) -> tuple[TreeEdge, dict[TileKey, bytes]]:
        """The edge after appending ``leaves`` (leaf hashes), and every tile that changed:
        full tiles completed on the way, and the new partial tile of each level touched.

        Level by level, whole tiles at a time: the hashes arriving at a level join its
        partial tile, each full tile is cut off and its root goes one level up."""
        batch = list(leaves)
        if any(len(leaf) != HASH_SIZE for leaf in batch):
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
        size = self.size + len(batch)
        levels = list(self.partial)
        changed: dict[TileKey, bytes] = {}
        incoming, level = b"".join(batch), 0
        while incoming:
            if level == len(levels):
                levels.append(b"")
            row = levels[level] + incoming
            first = self.size >> (TILE_HEIGHT * (level + 1))  # index of the tile the partial was
            full = len(row) // TILE_BYTES
            roots = []
            for k in range(full):
                tile = row[k * TILE_BYTES : (k + 1) * TILE_BYTES]
                changed[(level, first + k)] = tile
                roots.append(fold_complete(tile))
            levels[level] = row[full * TILE_BYTES :]
            if levels[level]:
                changed[(level, first + full)] = levels[level]
            incoming, level = b"".join(roots), level + 1
        last = batch[-1] if batch else self.last_leaf
        return TreeEdge(size, tuple(levels), last), changed

    def tiles(self) -> dict[TileKey, bytes]:
        """The partial tiles of the edge, as a tile mapping."""
        return {(level, self.size >> (TILE_HEIGHT * (level + 1))): row for level, row in enumerate(self.partial) if row}

    def root(self) -> bytes:
        """The root of the tree of ``size``: every complete subtree of it lies on the edge."""
        return root_from_tiles(self.tiles(), self.size)
