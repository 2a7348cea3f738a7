"""``ledger import FILE.jsonl``: one envelope a line, through the same validation as the API.

The whole file is checked first (so a typo on the last line appends nothing), then appended
in atomic batches. A refused batch appends nothing; the message names its line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from ledger.envelope import Proposed, parse_proposed
from ledger.errors import LedgerError
from ledger.store import EventStore
from ops.progress import progress_bar

__all__ = ["ImportError_", "ImportResult", "import_file"]


class ImportError_(LedgerError):
    """A line of the file that cannot be imported; nothing of its batch was appended."""

    code = "import-refused"

    def __init__(self, line: int, reason: str, appended: int) -> None:
        self.line = line
        self.reason = reason
        self.appended = appended
        note = f"; {appended} events from earlier lines were appended" if appended else "; nothing was appended"
        super().__init__(f"line {line}: {reason}{note}")


@dataclass(frozen=True)
class ImportResult:
    appended: int
    replayed: int
    head: int


def _lines(path: Path, actor: str) -> Iterator[tuple[int, Proposed]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                envelope = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise ImportError_(number, f"not valid JSON ({exc})", 0) from None
            try:
                yield number, parse_proposed(envelope, actor)
            except LedgerError as exc:
                raise ImportError_(number, str(exc), 0) from None


def _check_all(path: Path, actor: str) -> int:
    """Pass 1: every line well-formed, or nothing is appended. Returns the number of events."""
    if not path.is_file():
        raise ImportError_(0, f"{path} is not a readable file", 0)
    return sum(1 for _ in _lines(path, actor))


async def import_file(store: EventStore, path: Path, *, actor: str, batch_size: int = 1000) -> ImportResult:
    total = await asyncio.to_thread(_check_all, path, actor)
    appended = replayed = 0
    head = (await store.head()).position  # the true head, even when the file holds no event
    with progress_bar(f"importing {path.name}", total) as bar:
        batch: list[tuple[int, Proposed]] = []
        for item in _lines(path, actor):
            batch.append(item)
            if len(batch) >= batch_size:
                a, r, head = await _append(store, batch, appended)
                appended, replayed = appended + a, replayed + r
                bar.update(len(batch))
                batch = []
        if batch:
            a, r, head = await _append(store, batch, appended)
            appended, replayed = appended + a, replayed + r
            bar.update(len(batch))
    return ImportResult(appended, replayed, head)


async def _append(store: EventStore, batch: list[tuple[int, Proposed]], before: int) -> tuple[int, int, int]:
    """Append one batch; return (appended, replayed by idempotency key, last position)."""
    head_before = (await store.head()).position
    try:
        stored = await store.append([p for _, p in batch])
    except LedgerError as exc:
        index = getattr(exc, "index", None)
        line = batch[index][0] if isinstance(index, int) and 0 <= index < len(batch) else batch[0][0]
        reason = str(exc).split(": ", 1)[1] if str(exc).startswith("event ") else str(exc)
        raise ImportError_(line, reason, before) from None
    fresh = sum(1 for e in stored if e.position > head_before)
    return fresh, len(stored) - fresh, stored[-1].position if stored else head_before
