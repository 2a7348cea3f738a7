"""Progress bars for everything long (import, verify, demo, rebuild, bench): one style."""

from __future__ import annotations

from typing import Any

from tqdm import tqdm

__all__ = ["progress_bar"]


def progress_bar(description: str, total: int | None = None, unit: str = "ev") -> tqdm[Any]:
    """A bar on stderr, so standard output stays clean for what a command prints."""
    return tqdm(total=total, desc=description, unit=unit, mininterval=0.5, leave=True)
