"""``ledger bench integrity``: roots and proofs from the Merkle tiles on an existing ledger.

Read-only, on the ledger of ``LEDGER_DATABASE_URL`` (the demo city, say), in one run:
- a start: the stored tree's size and its right edge (what a writer loads);
- a first checkpoint: the root of the whole log from its tiles, and an Ed25519 signature
  (with a throwaway key: nothing is recorded);
- inclusion and consistency proofs at random, p50/p99, each from a cold cache;
- against the way before the tiles: reading every event to build the tree in memory, as the
  first checkpoint after a start did.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import LogKey
from ledger.merkle import MerkleLog, event_leaf_hash
from ledger.store import open_backend
from ledger.store.tiles import TileReader
from ledger.tiles import TreeEdge, edge_tiles
from ops.config import Settings
from ops.progress import progress_bar

__all__ = ["bench_integrity"]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    return f"p50 {statistics.median(ordered):.2f} ms, p99 {ordered[int(len(ordered) * 0.99)]:.2f} ms"


async def bench_integrity(args: argparse.Namespace, settings: Settings) -> int:
    backend = await open_backend(settings.database_url)
    try:
        head = (await backend.head()).position
        started = time.perf_counter()
        reader = TileReader(backend)
        size = await reader.size()
        TreeEdge.from_tiles(size, await reader.tiles(edge_tiles(size)))
        start_ms = _ms(started)
        if size != head or not head:
            print(f"ledger: error: the log holds {head} events and its tiles {size}: run `ledger migrate` first")
            return 2
        started = time.perf_counter()
        LogKey(Ed25519PrivateKey.generate()).sign(head, await TileReader(backend).root(head))
        first_ms = _ms(started)
        rng = random.Random(args.seed)
        inclusion, consistency = [], []
        for _ in range(args.queries):
            started = time.perf_counter()
            await TileReader(backend).leaf_and_path(rng.randrange(head), head)
            inclusion.append(_ms(started))
            started = time.perf_counter()
            await TileReader(backend).consistency_proof(rng.randint(1, head), head)
            consistency.append(_ms(started))
        started = time.perf_counter()
        tree, after = MerkleLog(), 0
        with progress_bar("the tree in memory, as before the tiles", head) as bar:
            while after < head:
                events = await backend.read(after, 5000)  # as ledger/integrity.py's LogTree did
                if not events:
                    break
                tree.extend(event_leaf_hash(e.hash) for e in events)
                after = events[-1].position
                bar.update(len(events))
        memory_ms = _ms(started)
    finally:
        await backend.close()
    print(f"ledger of {head:,} events ({settings.database_url.split('@')[-1]})")
    print(f"start: the tree's size and right edge from {len(edge_tiles(size))} tiles   {start_ms:8.1f} ms")
    print(f"first checkpoint: the root from the tiles, signed      {first_ms:8.1f} ms")
    print(
        f"before the tiles: every event read into a tree in memory {memory_ms:8.1f} ms  ({memory_ms / first_ms:,.0f}x)"
    )
    print(f"inclusion proof (cold), {args.queries} at random          {_quantiles(inclusion)}")
    print(f"consistency proof (cold), {args.queries} at random        {_quantiles(consistency)}")
    return 0
