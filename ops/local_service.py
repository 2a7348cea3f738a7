"""Starting a `ledger serve` of our own on this machine (benchmarks, end-to-end tests):
a free port on the loopback, the ledger's own commands, the service, and waiting until it
answers."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp

__all__ = ["free_port", "run_cli", "start_service", "wait_for_service"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_cli(env: dict[str, str], *args: str) -> str:
    """Run ``ledger ARGS`` in its own process; its standard output, or RuntimeError."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.cli", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"ledger {args[0]} failed: {err.decode()[-500:]}")
    return out.decode()


async def start_service(env: dict[str, str], port: int, log: Path | None = None) -> asyncio.subprocess.Process:
    """`ledger serve` on ``port`` in its own process; its JSON logs into ``log`` (or discarded)."""
    sink = os.open(log or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:  # the child keeps its own copy of the descriptor
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ops.cli",
            "--log-format",
            "json",
            "serve",
            "--port",
            str(port),
            env=env,
            stdout=sink,
            stderr=sink,
        )
    finally:
        os.close(sink)


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
