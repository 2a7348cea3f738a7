"""What the dashboard's 总览 costs on a running ledger: signs in as an official would, then
asks each call the 总览 makes, one at a time, ``--rounds`` times, and prints p50 and p95 of
each; and the time from sign-in to the figures (the page's own order: session and labels,
then the unit with its children's figures and the period's figures together; the overdue
counts and, for a period, the findings after them).

    python -m ops.bench_dashboard --url http://127.0.0.1:8080 --login lanshan --password-stdin
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import aiohttp

__all__ = ["main"]


class BenchError(Exception):
    pass


def _p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


async def _timed(session: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with session.get(url) as response:
        await response.read()
        if response.status != 200:
            raise BenchError(f"{url} answered {response.status}")
    return (time.perf_counter() - started) * 1000


async def _sign_in(session: aiohttp.ClientSession, base: str, login: str, password: str) -> None:
    async with session.post(
        f"{base}/auth/sign-in", json={"login": login, "password": password}, headers={"Origin": base}
    ) as response:
        if response.status != 200:
            raise BenchError(f"sign-in as {login} refused ({response.status}): {await response.text()}")


async def run(
    base: str,
    login: str,
    password: str,
    scope: str | None,
    rounds: int,
    period: Sequence[str],
    period_label: str | None,
) -> None:
    # unsafe=True: keep the cookie of a numeric host (127.0.0.1), as a browser does
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        started = time.perf_counter()
        await _sign_in(session, base, login, password)
        async with session.get(f"{base}/auth/session") as response:
            me: dict[str, Any] = await response.json()
        await _timed(session, f"{base}/v1/labels")
        unit = scope or me["home"]["unit_id"]
        at = {"at": period[1]} if period else {}
        window = {"from": period[0], "to": period[1]} if period else {}
        first = [
            f"{base}/v1/units/{unit}" + (f"?{urlencode(at)}" if at else ""),
            f"{base}/v1/stats?{urlencode({'scope': unit, **window})}",
        ]
        await asyncio.gather(*(_timed(session, url) for url in first))
        usable = (time.perf_counter() - started) * 1000
        later = [f"{base}/v1/overdue/summary?{urlencode({'scope': unit, **at})}"]
        if period_label:
            later.append(f"{base}/v1/findings?{urlencode({'scope': unit, 'period': period_label})}")
        calls = [*first, *later, f"{base}/v1/labels", f"{base}/auth/session"]
        samples: dict[str, list[float]] = {url: [] for url in calls}
        for _ in range(rounds):
            for url in calls:
                samples[url].append(await _timed(session, url))
    print(f"总览 of {unit} as {login}: figures shown {usable:.0f} ms after sign-in ({rounds} rounds below)")
    print(f"{'p50 ms':>8} {'p95 ms':>8}  call")
    for url, times in samples.items():
        print(f"{statistics.median(times):8.1f} {_p95(times):8.1f}  {url.removeprefix(base)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.bench_dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--login", required=True)
    parser.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    parser.add_argument("--scope", help="the unit whose 总览 to ask for (default: the account's own)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--period", nargs=2, metavar=("FROM", "TO"), help="RFC 3339 bounds, e.g. a year")
    parser.add_argument("--findings", metavar="PERIOD", help="the period's label (2019, 2019Q4): ask its findings too")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        asyncio.run(
            run(args.url.rstrip("/"), args.login, password, args.scope, args.rounds, args.period or (), args.findings)
        )
    except (aiohttp.ClientError, BenchError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
