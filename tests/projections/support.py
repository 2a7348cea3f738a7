"""Shared by the read-model tests: a ledger with the domain's rules and every projector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson

from ledger.envelope import parse_proposed
from ledger.store import EventStore
from ops.bootstrap import open_ledger
from projections.installed import all_projectors
from projections.runner import ProjectionRunner

__all__ = ["SAMPLE_FILE", "dump_tables", "ledger_with", "post", "sample_events"]

SAMPLE_FILE = Path(__file__).resolve().parents[2] / "ops" / "samples" / "linyi-2019q4.jsonl"


def sample_events() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in SAMPLE_FILE.read_bytes().splitlines() if line.strip()]


async def post(store: EventStore, envelopes: Sequence[dict[str, Any]], actor: str = "test") -> None:
    """Append envelopes as a client would (one atomic batch)."""
    await store.append([parse_proposed(e, actor) for e in envelopes])


@asynccontextmanager
async def ledger_with(
    url: str, envelopes: Sequence[dict[str, Any]] = ()
) -> AsyncIterator[tuple[EventStore, ProjectionRunner]]:
    """A ledger holding ``envelopes``, its projections caught up."""
    store = await open_ledger(url)
    try:
        if envelopes:
            await post(store, envelopes)
        runner = ProjectionRunner(store, all_projectors())
        await runner.catch_up()
        yield store, runner
    finally:
        await store.close()


async def dump_tables(store: EventStore, runner: ProjectionRunner) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every projection table, sorted: to compare a rebuild with the incremental build."""
    dump = {}
    for projector in runner.projectors:
        for table in projector.tables:
            rows = await store.backend.fetch(f"SELECT * FROM {table}")
            dump[table] = sorted(rows, key=repr)
    return dump
