"""`ledger migrate`, `ledger import`, `ledger verify` as a user runs them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

from ledger.decider import AcceptAll
from ops.bootstrap import open_ledger


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


async def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_cli, *args)


def _write(path: Path, events: Sequence[object]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path


def _unit(unit_id: str, kind: str, name: str, parent: str | None = None) -> dict[str, object]:
    data: dict[str, object] = {"unit_id": unit_id, "kind": kind, "name": name}
    if parent:
        data["parent_id"] = parent
    return {"type": "unit.registered", "occurred_at": "2019-01-01T00:00:00+08:00", "data": data}


SAMPLE = [
    _unit("371300", "city", "临沂市"),
    _unit("371302", "county", "兰山区", "371300"),
    _unit("371302001", "township", "兰山街道", "371302"),
]


async def _count(db_url: str) -> int:
    ledger = await open_ledger(db_url, decider=AcceptAll())
    try:
        return (await ledger.head()).position
    finally:
        await ledger.close()


async def test_migrate_import_verify(db_url: str, tmp_path: Path) -> None:
    migrated = await cli("--database", db_url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    again = await cli("--database", db_url, "migrate")
    assert "0 migration(s) applied now" in again.stdout
    imported = await cli("--database", db_url, "import", str(_write(tmp_path / "a.jsonl", SAMPLE)))
    assert imported.returncode == 0, imported.stderr
    assert "imported 3 events" in imported.stdout
    verified = await cli("--database", db_url, "verify")
    assert verified.returncode == 0
    assert "chain holds: 3 events" in verified.stdout


async def test_a_malformed_line_is_named_and_nothing_is_appended(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(orjson.dumps(e).decode() for e in SAMPLE[:2])
        + '\n{"type": "unit.registered", "occurred_at": "2019-01-01T00:00:00", "data": {"unit_id": "X"}}\n',
        encoding="utf-8",
    )
    result = await cli("--database", db_url, "import", str(path))
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ledger: error: line 3:")
    assert "occurred_at" in last
    assert await _count(db_url) == 0


async def test_invalid_json_is_named_by_its_line(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(orjson.dumps(SAMPLE[0]).decode() + "\n\n{not json\n", encoding="utf-8")
    result = await cli("--database", sqlite_url, "import", str(path))
    assert result.returncode == 2
    assert "line 3: not valid JSON" in result.stderr


async def test_a_refused_batch_appends_nothing_of_itself(db_url: str, tmp_path: Path) -> None:
    """Batches before the refused one stay; the refused batch is named by its line."""
    events = [{**_unit(f"U{i}", "enterprise", f"企业{i}"), "idempotency_key": f"u{i}"} for i in range(5)]
    events.append({**_unit("U9", "enterprise", "企业9"), "idempotency_key": "u0"})  # key reused, other body
    result = await cli("--database", db_url, "import", str(_write(tmp_path / "k.jsonl", events)), "--batch-size", "3")
    assert result.returncode == 2
    assert "line 6:" in result.stderr
    assert "3 events from earlier lines were appended" in result.stderr
    assert await _count(db_url) == 3


async def test_a_missing_file_and_a_bad_database_url_are_one_line_errors(tmp_path: Path) -> None:
    missing = await cli("--database", f"sqlite:///{tmp_path}/x.db", "import", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2
    assert "is not a readable file" in missing.stderr
    bad_url = await cli("--database", "mysql://x", "migrate")
    assert bad_url.returncode == 2
    assert "unsupported database URL" in bad_url.stderr
    assert "Traceback" not in missing.stderr + bad_url.stderr


SAMPLE_FILE = Path(__file__).resolve().parents[2] / "ops" / "samples" / "linyi-2019q4.jsonl"


async def test_a_realistic_multi_county_file_imports_under_the_domain_rules(db_url: str, tmp_path: Path) -> None:
    """Three counties of 临沂: coverage, a hand-over, a correction, hazards, a 较大 accident …"""
    result = await cli("--database", db_url, "import", str(SAMPLE_FILE), "--batch-size", "25")
    assert result.returncode == 0, result.stderr
    lines = sum(1 for line in SAMPLE_FILE.read_text(encoding="utf-8").splitlines() if line.strip())
    assert f"imported {lines} events" in result.stdout
    again = await cli("--database", db_url, "import", str(SAMPLE_FILE))
    assert again.returncode == 0, again.stderr  # its idempotency keys make a re-run harmless
    assert f"imported 0 events ({lines} already present)" in again.stdout
    unkeyed = [{k: v for k, v in orjson.loads(line).items() if k != "idempotency_key"} for line in SAMPLE_FILE.open()]
    duplicate = await cli("--database", db_url, "import", str(_write(tmp_path / "unkeyed.jsonl", unkeyed)))
    assert duplicate.returncode == 2  # without keys, registering the same units twice is refused …
    assert "registry.duplicate" in duplicate.stderr
    assert await _count(db_url) == lines  # … and appends nothing


async def test_a_domain_refusal_names_the_line_and_the_rule(db_url: str, tmp_path: Path) -> None:
    hazard = {"hazard_id": "HZ-1", "unit_id": "371302001"}
    events = [
        *SAMPLE,
        {
            "type": "hazard.reported",
            "occurred_at": "2019-10-12T11:00:00+08:00",
            "data": {**hazard, "severity": "general", "description": "消防通道堵塞", "source": "self_check"},
        },
        {
            "type": "hazard.verified",
            "occurred_at": "2019-10-13T11:00:00+08:00",
            "data": {"hazard_id": "HZ-1", "verifier": "371302", "passed": True, "note": "合格"},
        },
    ]
    result = await cli("--database", db_url, "import", str(_write(tmp_path / "h.jsonl", events)))
    assert result.returncode == 2
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("ledger: error: line 5: rule hazard.lifecycle")
    assert await _count(db_url) == 0
