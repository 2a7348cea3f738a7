"""Tiles (C2SP tlog-tiles): the same roots and proofs as the whole tree, from O(log n) tiles."""

from __future__ import annotations

import random

import pytest

from ledger.merkle import EMPTY_ROOT, MerkleLog, consistency_ranges, inclusion_ranges, leaf_hash
from ledger.tiles import (
    TILE_WIDTH,
    TreeEdge,
    consistency_from_tiles,
    edge_tiles,
    inclusion_from_tiles,
    parse_tile_path,
    range_tiles,
    root_from_tiles,
    tile_path,
)

LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(71_000)]
#: the tree of 70,000 leaves the module shares: its edge, its tiles, the whole tree to compare
Grown = tuple[TreeEdge, dict[tuple[int, int], bytes], MerkleLog]


def _grown(size: int, seed: int = 1) -> tuple[TreeEdge, dict[tuple[int, int], bytes]]:
    """Extend an edge in random chunks, keeping every tile as a store would (latest wins)."""
    rng = random.Random(seed)
    edge, store = TreeEdge.empty(), {}
    while edge.size < size:
        edge, changed = edge.extend(LEAVES[edge.size : min(size, edge.size + rng.choice([1, 3, 255, 700, 5000]))])
        store.update(changed)
    return edge, store


@pytest.fixture(scope="module")
def grown() -> tuple[TreeEdge, dict[tuple[int, int], bytes], MerkleLog]:
    edge, store = _grown(70_000)
    return edge, store, MerkleLog(LEAVES)


def test_the_specifications_example_of_70000_leaves(
    grown: Grown,
) -> None:
    """273 full level-0 tiles and one of width 112, one full level-1 tile and one of 17, one of 1."""
    _, store, _ = grown
    widths = {key: len(row) // 32 for key, row in store.items()}
    assert sorted(k for k, w in widths.items() if k[0] == 0 and w == TILE_WIDTH) == [(0, i) for i in range(273)]
    assert widths[(0, 273)] == 112
    assert widths[(1, 0)] == TILE_WIDTH
    assert widths[(1, 1)] == 17
    assert widths[(2, 0)] == 1
    assert len(widths) == 273 + 1 + 2 + 1
    one, tiles = TreeEdge.empty().extend(LEAVES[:256])
    assert {k: len(v) // 32 for k, v in tiles.items()} == {(0, 0): 256, (1, 0): 1}
    assert one.root() == MerkleLog(LEAVES[:256]).root()


def test_a_tile_holds_the_roots_of_the_subtrees_below(
    grown: Grown,
) -> None:
    """Hash i of tile (L, N) is MTH(D[(N*256+i)*256**L : (N*256+i+1)*256**L])."""
    _, store, _ = grown
    for level, index, i in [(0, 5, 17), (1, 0, 3), (1, 1, 16), (2, 0, 0)]:
        span = TILE_WIDTH**level
        start = (index * TILE_WIDTH + i) * span
        assert store[(level, index)][i * 32 : (i + 1) * 32] == MerkleLog(LEAVES[start : start + span]).root()


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 65535, 65536, 65537, 69_999, 70_000])
def test_roots_and_proofs_equal_the_whole_tree(size: int, grown: Grown) -> None:
    """For any tree size up to the stored one: root, inclusion and consistency proofs."""
    _, store, log = grown
    assert root_from_tiles(store, size) == log.root(size)
    rng = random.Random(size)
    for index in {0, size - 1, rng.randrange(size)}:
        assert inclusion_from_tiles(store, index, size) == log.inclusion_proof(index, size)
    for old in {1, size, rng.randint(1, size)}:
        assert consistency_from_tiles(store, old, size) == log.consistency_proof(old, size)


def test_a_proof_needs_few_tiles() -> None:
    """O(log n) tiles: at most a few per level of tiles, whatever the size."""
    size = 10_000_000
    assert len(range_tiles([(0, size)])) <= 3
    assert len(range_tiles(inclusion_ranges(4_321_987, size))) <= 6
    assert len(range_tiles(consistency_ranges(7_654_321, size))) <= 9


@pytest.mark.parametrize("size", [0, 1, 255, 256, 300, 65536, 70_000])
def test_the_edge_reads_back_from_its_tiles(size: int, grown: Grown) -> None:
    """A writer restarts from the few tiles of ``edge_tiles``: the same edge, the same root."""
    _, store, log = grown
    edge, _ = _grown(size, seed=size)
    needed = edge_tiles(size)
    assert len(needed) <= 4
    loaded = TreeEdge.from_tiles(size, {k: store[k] for k in needed})  # the store's rows are longer
    assert loaded == edge
    assert loaded.root() == (log.root(size) if size else EMPTY_ROOT)
    assert loaded.last_leaf == (LEAVES[size - 1] if size else None)
    more, _ = loaded.extend(LEAVES[size : size + 1000])
    assert more.root() == log.root(size + 1000)


def test_extending_changes_only_the_tiles_it_touches() -> None:
    edge, _ = TreeEdge.empty().extend(LEAVES[:300])
    after, changed = edge.extend(LEAVES[300:301])
    assert set(changed) == {(0, 1)}  # no tile of level 1 completed: it is not rewritten
    assert changed[(0, 1)] == b"".join(LEAVES[256:301])
    assert after.size == 301
    assert edge.size == 300
    with pytest.raises(ValueError, match="32 bytes"):
        edge.extend([b"short"])


@pytest.mark.parametrize(
    ("path", "parsed"),
    [
        ("x001/x234/067", (None, 1234067, 256)),
        ("000", (None, 0, 256)),
        ("x001/000.p/7", (None, 1000, 7)),
    ],
)
def test_tile_paths(path: str, parsed: tuple[None, int, int]) -> None:
    """The index in 3-digit groups, every group but the last prefixed with x (the spec's example)."""
    _, index, width = parsed
    assert parse_tile_path(f"2/{path}") == (2, index, width)
    assert tile_path(2, index, width) == f"tile/2/{path}"


@pytest.mark.parametrize(
    "path",
    [
        "64/000",
        "01/000",
        "0/1",
        "0/0000",
        "0/x000/001",
        "0/001/002",
        "0/x001",
        "0/000.p/0",
        "0/000.p/256",
        "0/000.p/07",
        "0/\u0661\u0662\u0663",
        "0/000.p/",
        "",
        "0",
        "entries/000",
        "0/000/",
    ],
)
def test_bad_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="tile"):
        parse_tile_path(path)
