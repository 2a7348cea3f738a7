"""Compliance dossiers (SPEC §9): `ledger export`, `ledger verify DOSSIER --public-key KEY`, and
GET /v1/exports/dossier — built from the 临沂 sample, checked offline, and tampered with."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest
from openpyxl import load_workbook

from ledger.checkpoint import load_or_create_signing_key, public_key_pem
from ledger.integrity import Notary
from ledger.store import EventStore
from ops.bootstrap import open_notary
from ops.config import Settings
from ops.export import build_dossier, zip_path
from ops.verify_dossier import DossierUnreadable, verify_dossier
from tests.api.support import service
from tests.projections.support import ledger_with, sample_events

ACCIDENT = "accident:ACC-2019-0001"


def _cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **(env or {})},
    )


async def cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_cli, *args, **kwargs)  # type: ignore[arg-type]


def _notary(store: EventStore, key: Path | str) -> Notary:
    """The ledger's signer with the signing key at ``key`` (created there if absent)."""
    return open_notary(store, Settings(signing_key=str(key)))


async def _export(db_url: str, tmp_path: Path, *subjects: str) -> list[Path]:
    """The sample ledger with its projections caught up, and a dossier of each subject."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        return [
            await build_dossier(store, s, tmp_path / "out", notary=_notary(store, tmp_path / "signing.key"))
            for s in subjects
        ]


def _events(directory: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in (directory / "events.jsonl").read_bytes().splitlines()]


def _copy(directory: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(directory, target)
    return target


def _flip(directory: Path, position: int, offset: int) -> None:
    """Flip one bit of one byte of the event at ``position`` in events.jsonl."""
    path = directory / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if orjson.loads(line)["position"] == position)
    line = bytearray(lines[index])
    line[offset % (len(line) - 1)] ^= 0x01  # never the line feed: the line stays one line
    lines[index] = bytes(line)
    path.write_bytes(b"".join(lines))


# -- the CLI, end to end ---------------------------------------------------------------------


async def test_export_and_verify_with_the_cli(db_url: str, tmp_path: Path) -> None:
    async with ledger_with(db_url, sample_events()):
        pass
    key = tmp_path / "signing.key"
    exported = await cli(
        "--database", db_url, "export", ACCIDENT, "--out", str(tmp_path / "out"), env={"LEDGER_SIGNING_KEY": str(key)}
    )
    assert exported.returncode == 0, exported.stderr
    directory = tmp_path / "out" / "dossier-accident-ACC-2019-0001"
    assert str(directory) in exported.stdout
    assert zip_path(directory).is_file()
    public = tmp_path / "ledger.pub"
    public.write_text(public_key_pem(load_or_create_signing_key(key)))

    for target in (directory, zip_path(directory)):
        checked = await cli("verify", str(target), "--public-key", str(public))
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.startswith("dossier holds:")
        assert len(checked.stdout.strip().splitlines()) == 1

    tampered = _copy(directory, tmp_path, "tampered")
    text = (tampered / "events.jsonl").read_bytes().replace(b'"deaths":3', b'"deaths":2')
    (tampered / "events.jsonl").write_bytes(text)
    failed = await cli("verify", str(tampered), "--public-key", str(public))
    assert failed.returncode == 1
    assert "position 89" in failed.stderr.splitlines()[0]

    missing = await cli("verify", str(tmp_path / "nowhere"), "--public-key", str(public))
    assert missing.returncode == 2
    no_key = await cli("verify", str(directory), "--public-key", str(tmp_path / "no.pem"))
    assert no_key.returncode == 2
    other = tmp_path / "other.pem"
    other.write_text(public_key_pem(load_or_create_signing_key(tmp_path / "other.key")))
    wrong = await cli("verify", str(directory), "--public-key", str(other))
    assert wrong.returncode == 1
    assert "not signed by this public key" in wrong.stderr


# -- what the dossier holds ------------------------------------------------------------------


async def test_accident_dossier_contents(db_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(db_url, tmp_path, ACCIDENT)
    events = _events(directory)
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert {e["stream"] for e in events} >= {"accident:ACC-2019-0001", "hazard:HZ-2019-0003"}
    assert all(e["type"] != "accident.occurred" or e["data"]["accident_id"] == "ACC-2019-0001" for e in events)

    proofs = orjson.loads((directory / "proofs.json").read_bytes())
    assert proofs["checkpoint"]["size"] == len(sample_events())
    assert [p["position"] for p in proofs["proofs"]] == positions
    assert all(p["leaf_index"] == p["position"] - 1 for p in proofs["proofs"])

    dossier = orjson.loads((directory / "dossier.json").read_bytes())
    assert dossier["subject"] == ACCIDENT
    assert dossier["checkpoint"] == proofs["checkpoint"]
    chain = dossier["accountability"]
    assert chain["accident"]["grade_label"] == "较大"
    cited = {c["position"] for t in chain["tiers"] for h in t["holders"] for c in h["events"]}
    assert cited <= set(positions)
    assert [e["position"] for e in dossier["evidence"]] == positions

    pdf = (directory / "dossier.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert ACCIDENT.encode() in pdf
    book = load_workbook(directory / "evidence.xlsx", read_only=True)
    rows = list(book["证据"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == positions
    assert [r[-1] for r in rows] == [e["hash"] for e in events]
    assert list(book["责任链"].iter_rows(min_row=2, values_only=True))

    report = verify_dossier(directory, directory / "public-key.pem")
    assert report.ok, report.issues
    assert report.events == len(events)
    assert report.size == len(sample_events())


async def test_hazard_and_unit_period_dossiers(db_url: str, tmp_path: Path) -> None:
    hazard, unit, person = await _export(
        db_url, tmp_path, "hazard:HZ-2019-0003", "unit:91371311MA3F9L3Z2C@2019Q4", "person:P-371311002-002"
    )
    for directory in (hazard, unit, person):
        report = verify_dossier(zip_path(directory), directory / "public-key.pem")
        assert report.ok, (directory, report.issues)
    assert "hazard:HZ-2019-0003" in {e["stream"] for e in _events(hazard)}
    assert (
        orjson.loads((hazard / "dossier.json").read_bytes())["accountability"]["hazard"]["hazard_id"] == "HZ-2019-0003"
    )

    unit_events = _events(unit)
    streams = {e["stream"] for e in unit_events}
    assert {"unit:91371311MA3F9L3Z2C", "accident:ACC-2019-0001", "inspection:INS-2019-0002"} <= streams
    dossier = orjson.loads((unit / "dossier.json").read_bytes())
    assert dossier["period"] == "2019Q4"
    assert dossier["responsibility"]["unit"]["unit_id"] == "91371311MA3F9L3Z2C"
    in_period = [e for e in unit_events if e["type"] not in ("unit.registered", "person.registered", "assignment.made")]
    assert all("2019-10-01" <= e["occurred_at"][:10] <= "2019-12-31" for e in in_period)
    pdf = (unit / "dossier.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"unit:91371311MA3F9L3Z2C@2019Q4" in pdf

    held = orjson.loads((person / "dossier.json").read_bytes())["holdings"]
    assert held
    assert all(h["holder"] == "P-371311002-002" for h in held)


async def test_unknown_and_malformed_subjects(sqlite_url: str, tmp_path: Path) -> None:
    from ledger.errors import LedgerError

    async with ledger_with(sqlite_url, sample_events()) as (store, _runner):
        for subject in ("accident:ACC-0000", "hazard:HZ-0000", "unit:000000@2019Q4", "person:P-NOBODY", "lorry:1"):
            with pytest.raises(LedgerError):
                await build_dossier(store, subject, tmp_path, notary=_notary(store, tmp_path / "k"))


# -- tampering -------------------------------------------------------------------------------


async def test_any_altered_byte_of_any_event_fails_naming_it(sqlite_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(sqlite_url, tmp_path, ACCIDENT)
    public = directory / "public-key.pem"
    rng = random.Random(2019)
    for event in _events(directory):
        length = len(orjson.dumps(event))
        for offset in [0, length - 1, *rng.sample(range(length), min(length, 12))]:
            tampered = _copy(directory, tmp_path, f"t-{event['position']}-{offset}")
            _flip(tampered, int(event["position"]), offset)  # type: ignore[arg-type]
            report = verify_dossier(tampered, public)
            assert not report.ok, (event["position"], offset)
            assert report.issues[0].position == event["position"], (offset, report.issues)
            shutil.rmtree(tampered)


async def test_tampered_proofs_and_checkpoint_fail(sqlite_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(sqlite_url, tmp_path, ACCIDENT)
    public = directory / "public-key.pem"
    original = orjson.loads((directory / "proofs.json").read_bytes())

    def altered(name: str, change: object) -> Path:
        target = _copy(directory, tmp_path, name)
        proofs = orjson.loads((target / "proofs.json").read_bytes())
        change(proofs)  # type: ignore[operator]
        (target / "proofs.json").write_bytes(orjson.dumps(proofs))
        return target

    def root(p: dict) -> None:
        p["checkpoint"]["root"] = ("0" if p["checkpoint"]["root"][0] != "0" else "1") + p["checkpoint"]["root"][1:]

    def signature(p: dict) -> None:
        text, _, line = p["checkpoint"]["note"].rpartition("\n\n")
        name, _, encoded = line.rpartition(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[10] ^= 1
        p["checkpoint"]["note"] = f"{text}\n\n{name} {base64.b64encode(bytes(raw)).decode()}\n"

    def size(p: dict) -> None:
        p["checkpoint"]["size"] += 1

    def note(p: dict) -> None:
        p["checkpoint"]["note"] = p["checkpoint"]["note"].replace(f"\n{p['checkpoint']['size']}\n", "\n1\n", 1)

    def path(p: dict) -> None:
        step = p["proofs"][3]["proof"][0]
        p["proofs"][3]["proof"][0] = ("0" if step[0] != "0" else "1") + step[1:]

    for name, change in (("signature", signature), ("note", note)):
        report = verify_dossier(altered(name, change), public)
        assert not report.ok, name
        assert "not signed by this public key" in str(report.issues[0]), name
    for name, change in (("root", root), ("size", size)):
        report = verify_dossier(altered(name, change), public)
        assert not report.ok, name
        assert "differ from its signed note" in str(report.issues[0]), name
    report = verify_dossier(altered("path", path), public)
    assert not report.ok
    assert report.issues[0].position == original["proofs"][3]["position"]
    assert "inclusion proof" in str(report.issues[0])

    other = tmp_path / "other.pem"
    other.write_text(public_key_pem(load_or_create_signing_key(tmp_path / "other.key")))
    assert not verify_dossier(directory, other).ok

    # an event dropped from events.jsonl that dossier.json cites
    target = _copy(directory, tmp_path, "dropped")
    lines = (target / "events.jsonl").read_bytes().splitlines(keepends=True)
    (target / "events.jsonl").write_bytes(b"".join(lines[:-1]))
    report = verify_dossier(target, public)
    assert not report.ok
    assert report.issues[0].position == orjson.loads(lines[-1])["position"]

    (target / "proofs.json").unlink()
    with pytest.raises(DossierUnreadable):
        verify_dossier(target, public)


# -- HTTP --------------------------------------------------------------------------------------


async def test_http_dossier(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the service's default signing key file is created here
    async with service(db_url) as svc:
        response = await svc.client.get(
            "/v1/exports/dossier", params={"subject": ACCIDENT}, headers=svc.auth("investigator")
        )
        assert response.status == 200, await response.text()
        assert response.content_type == "application/zip"
        assert "attachment" in response.headers["Content-Disposition"]
        body = await response.read()
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = {Path(n).name for n in archive.namelist()}
            assert names == {
                "events.jsonl",
                "proofs.json",
                "public-key.pem",
                "dossier.json",
                "dossier.pdf",
                "evidence.xlsx",
            }
            pem = next(archive.read(n) for n in archive.namelist() if n.endswith("public-key.pem"))
        (tmp_path / "dossier.zip").write_bytes(body)
        (tmp_path / "key.pem").write_bytes(pem)
        assert verify_dossier(tmp_path / "dossier.zip", tmp_path / "key.pem").ok

        for role in ("viewer", "recorder"):
            denied = await svc.client.get("/v1/exports/dossier", params={"subject": ACCIDENT}, headers=svc.auth(role))
            assert denied.status == 403
        bad, _ = await svc.get("/v1/exports/dossier", subject="lorry:1")
        assert bad == 400
        unknown, _ = await svc.get("/v1/exports/dossier", subject="accident:ACC-0000")
        assert unknown == 404


async def test_personal_data_is_withheld_unless_asked(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema has no personal fields today: pretend ``description`` were one."""
    monkeypatch.setattr("ops.export.PERSONAL_FIELDS", frozenset({"description"}))
    async with ledger_with(sqlite_url, sample_events()) as (store, _runner):
        key = str(tmp_path / "signing.key")
        kept = await build_dossier(store, ACCIDENT, tmp_path / "a", notary=_notary(store, key))
        full = await build_dossier(store, ACCIDENT, tmp_path / "b", notary=_notary(store, key), include_personal=True)
    withheld = orjson.loads((kept / "dossier.json").read_bytes())["withheld_positions"]
    assert 89 in withheld  # accident.occurred carries a description
    assert 89 not in {e["position"] for e in _events(kept)}
    assert "高炉煤气泄漏" not in (kept / "dossier.json").read_text(encoding="utf-8")
    report = verify_dossier(kept, kept / "public-key.pem")
    assert report.ok, report.issues
    assert report.withheld == len(withheld)
    assert 89 in {e["position"] for e in _events(full)}
    assert verify_dossier(full, full / "public-key.pem").ok
