"""Progress bars for everything long (import, verify, demo, rebuild, bench): one style."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(description: str, total: int | None = None, unit: str = "ev") -> Iterator[tqdm[Any]]:
    """A bar on stderr, so standard output stays clean for what a command prints.

    ``total`` may be an estimate (the demo city's size): when the block ends without an
    error the work is done, and the bar ends at 100% of what was done.
    """
    bar = tqdm(total=total, desc=description, unit=unit, mininterval=0.5, leave=True)
    try:
        yield bar
        if bar.total != bar.n:
            bar.total = bar.n
            bar.refresh()
    finally:
        bar.close()
