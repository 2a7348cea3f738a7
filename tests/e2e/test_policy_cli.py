"""`ledger policy list | show | adopt` as an operator runs them: the adoption goes through
the normal path (the domain's rules), and is refused like any event — one line, exit 2."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from ledger.decider import AcceptAll
from ops.bootstrap import open_ledger


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


async def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_cli, *args)


def _units(path: Path) -> Path:
    units = [("370000", "province", "山东省", None), ("371300", "city", "临沂市", "370000")]
    lines = [
        {"type": "unit.registered", "occurred_at": "2019-01-01T00:00:00+08:00",
         "data": {"unit_id": u, "kind": k, "name": n, **({"parent_id": p} if p else {})}}
        for u, k, n, p in units
    ]  # fmt: skip
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


async def _policies(url: str) -> list[dict[str, Any]]:
    ledger = await open_ledger(url, decider=AcceptAll())
    try:
        return [e.data for e in await ledger.read(after=0, limit=100) if e.type == "policy.adopted"]
    finally:
        await ledger.close()


async def test_list_and_show_need_no_database() -> None:
    listed = await cli("policy", "list")
    assert listed.returncode == 0, listed.stderr
    assert "POL-371300-2019-119  临沂市（371300）  2019-10-19 至 2019-12-31" in listed.stdout
    assert "POL-371300-2020-SUMMARY" in listed.stdout
    assert "sets no rule key" in listed.stdout
    shown = await cli("policy", "show", "POL-371300-2019-119")
    assert shown.returncode == 0, shown.stderr
    assert "ranking = " in shown.stdout
    assert "二(一)3：“对四季度执法评估排名倒数第 1 的县区进行警示" in shown.stdout
    as_json = await cli("policy", "show", "POL-370000-ILLEGAL-SITES", "--json")
    assert orjson.loads(as_json.stdout)["rules"] == {"illegal_sites_dismissal": {"township": 1, "county": 2}}
    unknown = await cli("policy", "show", "POL-NOPE")
    assert (unknown.returncode, unknown.stderr.count("\n")) == (2, 1)


async def test_adopt_posts_through_the_domain_and_is_refused_like_any_event(db_url: str, tmp_path: Path) -> None:
    imported = await cli("--database", db_url, "import", str(_units(tmp_path / "units.jsonl")))
    assert imported.returncode == 0, imported.stderr

    adopted = await cli("--database", db_url, "policy", "adopt", "POL-371300-2019-119")
    assert adopted.returncode == 0, adopted.stderr
    assert "adopted POL-371300-2019-119 (临应急发〔2019〕119号) for 371300" in adopted.stdout
    again = await cli("--database", db_url, "policy", "adopt", "POL-371300-2019-119")
    assert again.returncode == 2
    assert "registry.duplicate" in again.stderr

    nowhere = await cli("--database", db_url, "policy", "adopt", "POL-431127-2019")  # 蓝山县 is not registered
    assert nowhere.returncode == 2
    assert nowhere.stderr.count("\n") == 1
    assert "registry.unknown" in nowhere.stderr

    here = await cli(
        "--database", db_url, "policy", "adopt", "POL-431127-2019",
        "--jurisdiction", "371300", "--from", "2020-03-01T00:00:00+08:00", "--to", "2020-07-01T00:00:00+08:00",
    )  # fmt: skip
    assert here.returncode == 0, here.stderr
    backwards = await cli("--database", db_url, "policy", "adopt", "POL-370000-ILLEGAL-SITES", "--to",
                          "2019-01-01T00:00:00+08:00")  # fmt: skip
    assert backwards.returncode == 2
    assert "policy.interval" in backwards.stderr
    open_part = await cli("--database", db_url, "policy", "adopt", "POL-141000-2020-1", "--jurisdiction", "371300")
    assert open_part.returncode == 2
    assert "within_days" in open_part.stderr
    given = await cli("--database", db_url, "policy", "adopt", "POL-141000-2020-1", "--jurisdiction", "371300",
                      "--set", "fatal_accident_sanctions.within_days=30")  # fmt: skip
    assert given.returncode == 0, given.stderr

    stored = {p["policy_id"]: p for p in await _policies(db_url)}
    assert sorted(stored) == ["POL-141000-2020-1-371300", "POL-371300-2019-119", "POL-431127-2019-371300"]
    assert stored["POL-371300-2019-119"]["valid_from"] == "2019-10-19T00:00:00+08:00"
    lanshan = stored["POL-431127-2019-371300"]
    assert (lanshan["jurisdiction"], lanshan["valid_from"], lanshan["valid_to"]) == (
        "371300",
        "2020-03-01T00:00:00+08:00",
        "2020-07-01T00:00:00+08:00",
    )
    assert stored["POL-141000-2020-1-371300"]["rules"]["fatal_accident_sanctions"]["within_days"] == 30
