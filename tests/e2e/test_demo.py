"""`ledger demo`: deterministic, shaped like 临沂, and accepted in full by the domain's rules."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from collections import Counter
from functools import cache
from typing import Any

import orjson

from ledger.decider import AcceptAll
from ops.bootstrap import open_ledger
from ops.demo import Tally, generate


def _digest(seed: int, enterprises: int, years: int = 1) -> str:
    digest = hashlib.sha256()
    for envelope in generate(seed, enterprises, years):
        digest.update(orjson.dumps(envelope) + b"\n")
    return digest.hexdigest()


@cache
def _stream(seed: int, enterprises: int) -> tuple[dict[str, Any], ...]:
    return tuple(generate(seed, enterprises, 1))


def _tally(events: tuple[dict[str, Any], ...]) -> Tally:
    tally = Tally()
    for envelope in events:
        tally.add(envelope)
    return tally


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert _digest(7, 200) == _digest(7, 200)
    assert _digest(7, 200) != _digest(8, 200)


def test_determinism_does_not_depend_on_hash_randomisation() -> None:
    code = "import sys; sys.path.insert(0, '.'); from tests.e2e.test_demo import _digest; print(_digest(3, 150))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code], env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("1", "2")
    }
    assert len(seen) == 1


def test_order_ids_and_timestamps() -> None:
    events = _stream(2019, 300)
    stamps = [e["occurred_at"] for e in events]
    assert stamps == sorted(stamps), "the log is chronological"
    assert all(s.endswith("+08:00") for s in stamps)
    keys = [e["idempotency_key"] for e in events]
    assert len(set(keys)) == len(keys)
    units = [e["data"] for e in events if e["type"] == "unit.registered"]
    enterprise_ids = [u["unit_id"] for u in units if u["kind"] == "enterprise"]
    assert len(enterprise_ids) == len(set(enterprise_ids)) == 300
    assert all(len(code) == 18 and code.startswith("913713") for code in enterprise_ids)
    seen: set[str] = set()
    for unit in units:  # parents are registered first
        assert unit.get("parent_id") is None or unit["parent_id"] in seen
        seen.add(unit["unit_id"])


def test_shape_at_default_size() -> None:
    kinds: Counter[str] = Counter()
    counties_covered: Counter[str] = Counter()
    for envelope in generate(2019, 9000, 1):
        data = envelope["data"]
        if envelope["type"] == "unit.registered":
            kinds[data["kind"]] += 1
        group_covers = envelope["type"] == "assignment.made" and data["role"] == "covers"
        if group_covers and data["holder"].startswith("371300-DD"):
            counties_covered[data["holder"]] += 1
    assert 12 <= kinds["county"] <= 13
    assert kinds["dev_zone"] == 4
    assert kinds["township"] == 156
    assert kinds["enterprise"] == 9000
    assert kinds["work_group"] == 10  # nine 督导工作组 and the 专项督查组
    assert len(counties_covered) == 9
    assert set(counties_covered.values()) == {1, 2}


def test_volumes_and_rates() -> None:
    tally = _tally(_stream(2019, 1500))
    hazards = len(tally.hazard_state)
    assert 3.8 * 1500 <= hazards <= 5.2 * 1500  # 39,646 for 9,032 enterprises in the seeds
    closed = tally.hazards_by_state()["closed"] / hazards
    assert 0.85 <= closed <= 0.94  # 35,486 of 39,646 rectified ≈ 89.5 %
    assert tally.overdue("2020-01-01T00:00:00+08:00") > 0
    assert tally.types["hazard.supervision_listed"] > 0
    assert tally.types["hazard.deadline_extended"] > 0
    failed = sum(1 for e in _stream(2019, 1500) if e["type"] == "hazard.verified" and e["data"]["passed"] is False)
    assert failed > 0
    assert tally.accidents["major"] == 1
    assert tally.accidents["larger"] >= 2
    assert tally.accidents["general"] > 0
    inspections = Counter(e["data"]["kind"] for e in _stream(2019, 1500) if e["type"] == "inspection.conducted")
    assert {"enforcement", "supervision", "covert", "expert_checkup"} <= set(inspections)
    assert tally.types["illegal_site.found"] > 0
    assert tally.types["evaluation.scored"] > 0
    assert tally.types["exam.taken"] > 0
    assert tally.types["report.submitted"] > 0
    assert tally.types["policy.adopted"] == 2  # the campaign's and the province's, as shipped
    assert tally.types["visit.made"] > 0
    assert tally.types["assignment.corrected"] > 0
    led = [e for e in _stream(2019, 1500) if e["type"] == "inspection.conducted" and "led_by" in e["data"]]
    assert led
    superseding = [e for e in _stream(2019, 1500) if e["type"] == "assignment.made" and "supersedes" in e["data"]]
    assert superseding


def test_true_to_the_notices() -> None:
    """临应急发〔2019〕119号 as the demo city lives it: the ready policies as shipped, the
    campaign from 2019-10-19 to 12-31, Annex 1's groups, 应急系统 cadres covering townships,
    the departments that 管行业 supervising, two heads per division, 现场办公 as visits."""
    from ledger.policies import adoption, ready_policy

    events = _stream(2019, 1500)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e["data"])
    assert by_type["policy.adopted"] == [
        adoption(ready_policy("POL-371300-2019-119")),
        adoption(ready_policy("POL-370000-ILLEGAL-SITES")),
    ]
    units = {u["unit_id"]: u for u in by_type["unit.registered"]}
    people = {p["person_id"]: p for p in by_type["person.registered"]}
    made = by_type["assignment.made"]
    groups = [a for a in made if a["role"] == "covers" and a["holder"].startswith("371300-DD")]
    assert {units[a["holder"]]["name"] for a in groups} == {f"包县区督导工作组{n}组" for n in "一二三四五六七八九"}
    assert {(a["valid_from"], a["valid_to"]) for a in groups} == {
        ("2019-10-19T00:00:00+08:00", "2020-01-01T00:00:00+08:00")
    }
    leaders = [a for a in made if a["role"] == "group_leader"]
    assert all(people[a["holder"]]["unit_id"] == "371300-YJJ" for a in leaders)  # 县级干部 of the bureau
    townships = [a for a in made if a["role"] == "covers" and units[a["target"]]["kind"] == "township"]
    assert all(people[a["holder"]]["unit_id"].endswith("-YJJ") for a in townships)  # 应急系统 cadres 下沉一级
    supervisor = {
        a["industry"]: people[a["holder"]]["unit_id"][-3:] for a in made if a["role"] == "industry_supervisor"
    }
    assert (supervisor["construction"], supervisor["road_transport"], supervisor["gas"]) == ("ZJJ", "JTJ", "ZJJ")
    assert supervisor["hazardous_chemicals"] == "YJJ"
    heads = {(a["target"], a["role"]): people[a["holder"]]["title"] for a in made if a["target"] == "371302103"}
    assert heads[("371302103", "principal")] in ("镇长", "乡长", "办事处主任")
    assert heads[("371302103", "party_secretary")] in ("党委书记", "党工委书记")
    lead = [a for a in made if a["role"] == "lead_official"]
    assert any(a["note"].startswith("（四）严厉打击非法违法行为") for a in lead)
    visits = by_type["visit.made"]
    assert {v["purpose"] for v in visits} == {"on_site_office"}
    assert all(v["holder"].startswith("371300-DD") for v in visits)
    visited_at = [e["occurred_at"] for e in events if e["type"] == "visit.made"]
    assert min(visited_at) >= "2019-10-19"
    assert max(visited_at) < "2020-01-01"
    county_inspections = [i for i in by_type["inspection.conducted"] if units[i["unit_id"]]["kind"] != "enterprise"]
    assert county_inspections == []  # 现场办公 is a visit, not an inspection
    for sanction in by_type["sanction.imposed"]:
        if sanction["kind"] == "dismissal":  # 县委 dismisses the township's heads of government
            assert sanction["issued_by"] in units
            assert units[sanction["issued_by"]]["kind"] in ("county", "dev_zone")
            assert people[sanction["target"]]["title"] not in ("党委书记", "党工委书记")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args], capture_output=True, text=True, timeout=600, check=False
    )


async def _head(url: str) -> int:
    ledger = await open_ledger(url, decider=AcceptAll())
    try:
        return (await ledger.head()).position
    finally:
        await ledger.close()


async def test_cli_imports_the_whole_stream_through_the_domain(sqlite_url: str) -> None:
    done = await asyncio.to_thread(_cli, "--database", sqlite_url, "demo", "--enterprises", "300")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "hazards:" in done.stdout
    assert "elapsed:" in done.stdout
    assert await _head(sqlite_url) == len(_stream(2019, 300))


async def test_output_writes_the_same_stream(tmp_path: Any) -> None:
    path = tmp_path / "demo.jsonl"
    done = await asyncio.to_thread(_cli, "demo", "--enterprises", "300", "--output", str(path))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == list(_stream(2019, 300))


async def test_imports_on_postgres(pg_url: str) -> None:
    from ledger.envelope import parse_proposed

    store = await open_ledger(pg_url)
    try:
        batch = []
        for envelope in generate(11, 200, 1):
            batch.append(parse_proposed(envelope, "demo"))
            if len(batch) == 1000:
                await store.append(batch)
                batch = []
        if batch:
            await store.append(batch)
        assert (await store.head()).position == sum(1 for _ in generate(11, 200, 1))
    finally:
        await store.close()
