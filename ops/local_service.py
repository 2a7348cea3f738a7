"""Starting a `ledger serve` of our own on this machine (benchmarks, end-to-end tests):
a free port on the loopback, and waiting until the service answers."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

__all__ = ["free_port", "wait_for_service"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for_service(url: str, timeout: float = 60.0) -> None:
    """Poll ``url`` (e.g. ``…/readyz``) until it answers 200; TimeoutError after ``timeout``."""
    async with aiohttp.ClientSession() as session, asyncio.timeout(timeout):
        while True:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
