"""Compliance dossiers (SPEC §9): `ledger export`, `ledger verify DOSSIER --public-key KEY`, and
GET /v1/exports/dossier — built from the 临沂 sample, checked offline, and tampered with.

A dossier proves every page: a signed manifest gives the SHA-256 of every file, and every
person and unit it names rests on the events that registered them, inside the dossier."""

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import load_workbook

from dossier import build_dossier, zip_path
from dossier.format import FILES
from dossier.manifest import MANIFEST
from ledger.checkpoint import load_or_create_signing_key, public_key_pem
from ledger.integrity import Notary
from ledger.store import EventStore
from ops.bootstrap import open_notary
from ops.config import Settings
from ops.verify_dossier import DossierUnreadable, Report, verify_dossier
from tests.api.support import service
from tests.projections.support import ledger_with, sample_events

ACCIDENT = "accident:ACC-2019-0001"
HAZARD = "hazard:HZ-2019-0003"
UNIT = "unit:91371311MA3F9L3Z2C@2019Q4"
PERSON = "person:P-371311002-002"
KINDS = (ACCIDENT, HAZARD, UNIT, PERSON)


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


async def cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_cli, *args, **kwargs)


def _notary(store: EventStore, key: Path | str) -> Notary:
    """The ledger's signer with the signing key at ``key`` (created there if absent)."""
    return open_notary(store, Settings(signing_key=str(key)))


async def _export(db_url: str, tmp_path: Path, *subjects: str, **options: Any) -> list[Path]:
    """The sample ledger with its projections caught up, and a dossier of each subject."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        notary = _notary(store, tmp_path / "signing.key")
        return [await build_dossier(store, s, tmp_path / "out", notary=notary, **options) for s in subjects]


def _events(directory: Path) -> list[dict[str, Any]]:
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


def _named(report: Report, text: str) -> bool:
    return any(text in str(issue) for issue in report.issues)


# -- the CLI, end to end ---------------------------------------------------------------------


async def test_export_and_verify_with_the_cli(db_url: str, tmp_path: Path) -> None:
    """`ledger export` writes the directory and its zip; `ledger verify` checks either with
    the public key (exit 0), names a tampered event (exit 1), and refuses what it cannot read
    (exit 2)."""
    async with ledger_with(db_url, sample_events()):
        pass
    key = tmp_path / "signing.key"
    env = {"LEDGER_SIGNING_KEY": str(key), "LEDGER_ISSUER": "临沂市应急管理局"}
    exported = await cli("--database", db_url, "export", ACCIDENT, "--out", str(tmp_path / "out"), env=env)
    assert exported.returncode == 0, exported.stderr
    directory = tmp_path / "out" / "dossier-accident-ACC-2019-0001"
    assert str(directory) in exported.stdout
    assert sorted(p.name for p in directory.iterdir()) == sorted(FILES)
    assert zip_path(directory).is_file()
    assert orjson.loads((directory / "dossier.json").read_bytes())["issuer"]["name"] == "临沂市应急管理局"
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
    first = failed.stderr.splitlines()[0]
    assert "position 89" in first
    assert "events.jsonl" in first

    missing = await cli("verify", str(tmp_path / "nowhere"), "--public-key", str(public))
    assert missing.returncode == 2
    no_key = await cli("verify", str(directory), "--public-key", str(tmp_path / "no.pem"))
    assert no_key.returncode == 2
    other = tmp_path / "other.pem"
    other.write_text(public_key_pem(load_or_create_signing_key(tmp_path / "other.key")))
    wrong = await cli("verify", str(directory), "--public-key", str(other))
    assert wrong.returncode == 1
    assert "not signed by this public key" in wrong.stderr


async def test_the_personal_data_option_of_the_cli(sqlite_url: str, tmp_path: Path) -> None:
    """`--with-personal-data` is the option's name; the dossier records that it was asked for."""
    async with ledger_with(sqlite_url, sample_events()):
        pass
    env = {"LEDGER_SIGNING_KEY": str(tmp_path / "k")}
    out = str(tmp_path / "out")
    done = await cli("--database", sqlite_url, "export", PERSON, "--out", out, "--with-personal-data", env=env)
    assert done.returncode == 0, done.stderr
    dossier = orjson.loads((tmp_path / "out" / "dossier-person-P-371311002-002" / "dossier.json").read_bytes())
    assert dossier["with_personal_data"] is True
    old = await cli("--database", sqlite_url, "export", PERSON, "--out", out, "--include-personal", env=env)
    assert old.returncode == 2


# -- what the dossier holds ------------------------------------------------------------------


async def test_accident_dossier_contents(db_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(db_url, tmp_path, ACCIDENT)
    events = _events(directory)
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert {e["stream"] for e in events} >= {"accident:ACC-2019-0001", "hazard:HZ-2019-0003"}

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
    assert [s["kind"] for s in dossier["followed"]] == ["suspension", "interview"]

    # every holder of the chain and every unit of it is named, backed by its registration
    names = dossier["names"]
    holders = {h["holder"] for t in chain["tiers"] for h in t["holders"]}
    assert holders | {t["unit_id"] for t in chain["tiers"]} <= set(names)
    by_position = {e["position"]: e for e in events}
    for entity, entry in names.items():
        first = by_position[entry["events"][0]["position"]]
        assert first["type"] == f"{entry['type']}.registered"
        assert first["stream"] == f"{entry['type']}:{entity}"
        assert first["data"]["name"] == entry["name"]

    manifest = (directory / MANIFEST).read_text(encoding="utf-8")
    assert all(f"  {name}\n" in manifest for name in FILES if name != MANIFEST)
    report = verify_dossier(directory, directory / "public-key.pem")
    assert report.ok, report.issues
    assert report.events == len(events)
    assert report.size == len(sample_events())


async def test_hazard_unit_and_person_dossiers(db_url: str, tmp_path: Path) -> None:
    hazard, unit, person = await _export(db_url, tmp_path, HAZARD, UNIT, PERSON)
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
    backing = {p for entry in dossier["names"].values() for p in (c["position"] for c in entry["events"])}
    in_period = [
        e
        for e in unit_events
        if e["type"] not in ("unit.registered", "person.registered", "assignment.made") and e["position"] not in backing
    ]
    assert all("2019-10-01" <= e["occurred_at"][:10] <= "2019-12-31" for e in in_period)

    held = orjson.loads((person / "dossier.json").read_bytes())["holdings"]
    assert held
    assert all(h["holder"] == "P-371311002-002" for h in held)


async def test_unknown_and_malformed_subjects(sqlite_url: str, tmp_path: Path) -> None:
    from ledger.errors import LedgerError

    async with ledger_with(sqlite_url, sample_events()) as (store, _runner):
        for subject in ("accident:ACC-0000", "hazard:HZ-0000", "unit:000000@2019Q4", "person:P-NOBODY", "lorry:1"):
            with pytest.raises(LedgerError):
                await build_dossier(store, subject, tmp_path, notary=_notary(store, tmp_path / "k"))


# -- every page proven -----------------------------------------------------------------------


async def test_one_byte_altered_in_any_file_of_any_dossier_kind_is_named(sqlite_url: str, tmp_path: Path) -> None:
    """For each kind of dossier and each of its files, a byte altered at its start, its end
    and a random place: verification fails naming the file (and, in events.jsonl, the
    position of the event)."""
    rng = random.Random(9704)
    for directory in await _export(sqlite_url, tmp_path, *KINDS):
        public = tmp_path / "public.pem"
        shutil.copy(directory / "public-key.pem", public)
        for name in FILES:
            path = directory / name
            original = path.read_bytes()
            for offset in (0, len(original) - 1, rng.randrange(len(original))):
                altered = bytearray(original)
                altered[offset] ^= 0x04
                path.write_bytes(bytes(altered))
                report = verify_dossier(directory, public)
                assert not report.ok, (directory.name, name, offset)
                assert _named(report, name), (directory.name, name, offset, report.issues)
                if name == "events.jsonl" and original[offset : offset + 1] != b"\n":
                    assert report.issues[0].position is not None, (directory.name, offset, report.issues)
            path.write_bytes(original)
        assert verify_dossier(directory, public).ok


async def test_a_file_added_removed_or_altered_in_the_zip_is_named(sqlite_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(sqlite_url, tmp_path, ACCIDENT)
    public = directory / "public-key.pem"
    archive = zip_path(directory)

    def rewritten(name: str, change: Callable[[dict[str, bytes]], None]) -> Path:
        with zipfile.ZipFile(archive) as source:
            members = {Path(n).name: source.read(n) for n in source.namelist()}
        change(members)
        target = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(target, "w") as out:
            for member, data in members.items():
                out.writestr(f"{directory.name}/{member}", data)
        return target

    def pdf(members: dict[str, bytes]) -> None:
        members["dossier.pdf"] = members["dossier.pdf"].replace(b"/Title", b"/Titel", 1)

    def extra(members: dict[str, bytes]) -> None:
        members["note.txt"] = "此件已核".encode()

    def without(members: dict[str, bytes]) -> None:
        del members["evidence.xlsx"]

    for name, change, expected in (("pdf", pdf, "dossier.pdf"), ("extra", extra, "note.txt")):
        report = verify_dossier(rewritten(name, change), public)
        assert not report.ok
        assert _named(report, expected), report.issues
    report = verify_dossier(rewritten("without", without), public)
    assert _named(report, "evidence.xlsx"), report.issues
    assert _named(report, "missing from the dossier"), report.issues
    # only a dossier of the first format (v1 checkpoint) may lack a manifest
    report = verify_dossier(rewritten("manifestless", lambda m: m.__delitem__(MANIFEST)), public)
    assert not report.ok
    assert _named(report, "nothing proves the PDF"), report.issues


async def test_a_name_whose_backing_event_is_missing_is_named(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person the dossier names rests on the event that registered them. A dossier signed
    without that event (a builder that forgot it) fails naming the person and the position;
    so does one whose event was removed afterwards."""
    import dossier.build as build

    write_all = build._write_all
    dropped: list[int] = []

    def forgetful(
        directory: Path, events: list[Any], proofs: dict[str, Any], dossier: dict[str, Any], *rest: Any
    ) -> None:
        position = dossier["names"]["P-9L3Z2C-GM"]["events"][0]["position"]
        dropped.append(position)
        events = [e for e in events if e.position != position]
        proofs = {**proofs, "proofs": [p for p in proofs["proofs"] if p["position"] != position]}
        write_all(directory, events, proofs, dossier, *rest)

    monkeypatch.setattr(build, "_write_all", forgetful)
    (forgot,) = await _export(sqlite_url, tmp_path / "a", ACCIDENT)
    report = verify_dossier(forgot, forgot / "public-key.pem")
    assert not report.ok
    assert _named(report, "P-9L3Z2C-GM (王磊) is named, but its backing event"), report.issues
    assert dropped[0] in {i.position for i in report.issues}
    assert not _named(report, MANIFEST)  # the manifest was signed over what was written

    monkeypatch.undo()
    (directory,) = await _export(sqlite_url, tmp_path / "b", ACCIDENT)
    lines = (directory / "events.jsonl").read_bytes().splitlines(keepends=True)
    kept = [line for line in lines if orjson.loads(line)["position"] != dropped[0]]
    (directory / "events.jsonl").write_bytes(b"".join(kept))
    proofs = orjson.loads((directory / "proofs.json").read_bytes())
    proofs["proofs"] = [p for p in proofs["proofs"] if p["position"] != dropped[0]]
    (directory / "proofs.json").write_bytes(orjson.dumps(proofs))
    report = verify_dossier(directory, directory / "public-key.pem")
    assert _named(report, "P-9L3Z2C-GM (王磊) is named"), report.issues
    assert _named(report, "events.jsonl"), report.issues


async def test_any_altered_byte_of_any_event_fails_naming_it(sqlite_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(sqlite_url, tmp_path, ACCIDENT)
    public = directory / "public-key.pem"
    rng = random.Random(2019)
    for event in _events(directory):
        length = len(orjson.dumps(event))
        for offset in [0, length - 1, *rng.sample(range(length), min(length, 6))]:
            tampered = _copy(directory, tmp_path, f"t-{event['position']}-{offset}")
            _flip(tampered, int(event["position"]), offset)
            report = verify_dossier(tampered, public)
            assert not report.ok, (event["position"], offset)
            assert report.issues[0].position == event["position"], (offset, report.issues)
            shutil.rmtree(tampered)


async def test_tampered_proofs_and_checkpoint_fail(sqlite_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(sqlite_url, tmp_path, ACCIDENT)
    public = directory / "public-key.pem"
    original = orjson.loads((directory / "proofs.json").read_bytes())

    def altered(name: str, change: Callable[[dict[str, Any]], None]) -> Path:
        target = _copy(directory, tmp_path, name)
        proofs = orjson.loads((target / "proofs.json").read_bytes())
        change(proofs)
        (target / "proofs.json").write_bytes(orjson.dumps(proofs))
        return target

    def root(p: dict[str, Any]) -> None:
        p["checkpoint"]["root"] = ("0" if p["checkpoint"]["root"][0] != "0" else "1") + p["checkpoint"]["root"][1:]

    def signature(p: dict[str, Any]) -> None:
        text, _, line = p["checkpoint"]["note"].rpartition("\n\n")
        name, _, encoded = line.rpartition(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[10] ^= 1
        p["checkpoint"]["note"] = f"{text}\n\n{name} {base64.b64encode(bytes(raw)).decode()}\n"

    def size(p: dict[str, Any]) -> None:
        p["checkpoint"]["size"] += 1

    def note(p: dict[str, Any]) -> None:
        p["checkpoint"]["note"] = p["checkpoint"]["note"].replace(f"\n{p['checkpoint']['size']}\n", "\n1\n", 1)

    def path(p: dict[str, Any]) -> None:
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

    target = _copy(directory, tmp_path, "dropped")
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
            assert names == set(FILES)
            pem = next(archive.read(n) for n in archive.namelist() if n.endswith("public-key.pem"))
        (tmp_path / "dossier.zip").write_bytes(body)
        (tmp_path / "key.pem").write_bytes(pem)
        assert verify_dossier(tmp_path / "dossier.zip", tmp_path / "key.pem").ok

        for role in ("viewer", "recorder"):
            denied = await svc.client.get("/v1/exports/dossier", params={"subject": ACCIDENT}, headers=svc.auth(role))
            assert denied.status == 403
        bad, _ = await svc.get("/v1/exports/dossier", subject="lorry:1")
        assert bad == 400
        flag, _ = await svc.get("/v1/exports/dossier", subject=ACCIDENT, with_personal_data="perhaps")
        assert flag == 400
        unknown, _ = await svc.get("/v1/exports/dossier", subject="accident:ACC-0000")
        assert unknown == 404


async def test_the_workbook_holds_the_same_evidence(sqlite_url: str, tmp_path: Path) -> None:
    (directory,) = await _export(sqlite_url, tmp_path, ACCIDENT)
    events = _events(directory)
    book = load_workbook(directory / "evidence.xlsx", read_only=True)
    rows = list(book["证据清单"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [e["position"] for e in events]
    assert [r[-1] for r in rows] == [e["hash"] for e in events]
    assert list(book["责任链"].iter_rows(min_row=2, values_only=True))
