"""Erasure without breaking proofs (issue 13.4), end to end through the service on both
backends: a person registered with an id number, read by whom it may be read, erased by an
admin with a reason; afterwards `ledger verify`, a dossier issued before and one issued after
all verify, and the id number appears nowhere — database, exports, answers."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import load_workbook

from api.app import RUNNER
from api.tokens import create_token
from ops.verify_dossier import verify_dossier
from tests.api.support import Service, service
from tests.contract.test_personal_data import _dump, _forms
from tests.e2e.test_export import cli

ID_NUMBER = "37131119850612402X"
PHONE = "13953966120"
PERSON = "P-371311002-009"
SUBJECT = f"person:{PERSON}"

REGISTER = {
    "type": "person.registered",
    "occurred_at": "2019-10-01T09:00:00+08:00",
    "data": {
        "person_id": PERSON,
        "name": "杨娜颖",
        "title": "安监站副站长",
        "unit_id": "371311002",
        "id_number": ID_NUMBER,
        "phone": PHONE,
    },
}
ASSIGN = {
    "type": "assignment.made",
    "occurred_at": "2019-10-01T09:00:00+08:00",
    "data": {
        "assignment_id": "A-YNY-STATIONED",
        "role": "stationed_expert",
        "holder": PERSON,
        "target": "91371311MA3F9L3Z2C",
        "valid_from": "2019-10-01T00:00:00+08:00",
        "basis": "罗庄区驻企专家派驻通知",
    },
}
ERASE: dict[str, Any] = {
    "type": "person.erased",
    "occurred_at": "2020-06-01T09:00:00+08:00",
    "data": {"person_id": PERSON, "reason": "本人离职后申请删除个人信息"},
}


async def _caught_up(svc: Service) -> None:
    """The service's read models have folded the head (a dossier reflects what they folded)."""
    head = (await svc.store.head()).position
    for _ in range(200):
        if svc.app[RUNNER].position() >= head:
            return
        await asyncio.sleep(0.05)
    pytest.fail("the read models did not catch up within 10 s")


async def _dossier(svc: Service, target: Path, personal: bool) -> Path:
    await _caught_up(svc)
    params = {"subject": SUBJECT, "with_personal_data": "true" if personal else "false"}
    response = await svc.client.get("/v1/exports/dossier", params=params, headers=svc.auth("investigator"))
    assert response.status == 200, await response.text()
    await asyncio.to_thread(target.write_bytes, await response.read())
    return target


def _contents(archive: Path) -> bytes:
    """Every byte a reader of the dossier can see: its files, the PDF's text, the cells."""
    out = [archive.read_bytes()]
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            data = z.read(name)
            out.append(data)
            if name.endswith(".pdf"):
                pdftotext = shutil.which("pdftotext")
                if pdftotext is None:
                    pytest.fail("pdftotext is needed to read the PDF back: apt-get install poppler-utils")
                text = subprocess.run([pdftotext, "-", "-"], input=data, capture_output=True, check=True, timeout=60)
                out.append(text.stdout)
            if name.endswith(".xlsx"):
                book = load_workbook(io.BytesIO(data))
                out += [str(c).encode() for ws in book.worksheets for row in ws.values for c in row]
    return b"\n".join(out)


async def _tail(svc: Service, role: str, until: int) -> bytes:
    response = await svc.client.get("/v1/events/stream", headers={**svc.auth(role), "Last-Event-ID": str(until - 3)})
    frames = b""
    async with asyncio.timeout(10):
        while f"id: {until}\n".encode() not in frames:
            frames += await response.content.readline()
    response.close()
    return frames


def _personal(body: dict[str, Any]) -> list[Any]:
    return [e["data"].get("id_number") for e in body["events"] if e["type"] == "person.registered"]


async def test_a_person_erased_leaves_every_proof_standing_and_their_id_number_nowhere(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the service's signing key file
    async with service(db_url) as svc:
        status, _ = await svc.post([REGISTER, ASSIGN])
        assert status == 201
        # only investigators and admins read personal data in the clear
        for role, shown in (("investigator", ID_NUMBER), ("admin", ID_NUMBER)):
            status, body = await svc.get(f"/v1/streams/{SUBJECT}", role=role)
            assert _personal(body) == [shown], role
        _, svc.tokens["luozhuang"] = await create_token(svc.store.backend, role="viewer", scope="371311", name="罗庄")
        status, body = await svc.get(f"/v1/streams/{SUBJECT}", role="luozhuang")
        assert _personal(body) == [{"withheld": True, "label": "已隐去"}]
        status, body = await svc.get("/v1/events", role="investigator", stream=SUBJECT)
        assert body["events"][0]["sealed"]["id_number"].startswith("sealed:v1:")

        before = await _dossier(svc, tmp_path / "before.zip", personal=False)
        with_data = await _dossier(svc, tmp_path / "with-data.zip", personal=True)
        assert ID_NUMBER.encode() not in _contents(before)
        assert ID_NUMBER.encode() in _contents(with_data)

        # erasure: an admin's, with a reason
        status, problem = await svc.post(ERASE, role="recorder")
        assert status == 403, problem
        status, problem = await svc.post({**ERASE, "data": {"person_id": PERSON}})
        assert status == 422, problem
        status, erased = await svc.post(ERASE)
        assert status == 201, erased
        status, problem = await svc.post({**ERASE, "data": {**ERASE["data"], "reason": "再次"}})
        assert status == 422
        assert problem["rule"] == "person.erased"

        after = await _dossier(svc, tmp_path / "after.zip", personal=True)
        answers = [
            orjson.dumps((await svc.get(f"/v1/streams/{SUBJECT}", role=role))[1]) for role in ("investigator", "admin")
        ]
        answers.append(orjson.dumps((await svc.get("/v1/events", role="investigator", after=0, limit=1000))[1]))
        answers.append(await _tail(svc, "investigator", erased["position"]))
        for role in ("investigator", "luozhuang"):
            status, body = await svc.get(f"/v1/streams/{SUBJECT}", role=role)
            assert _personal(body) == [{"erased": True, "label": "已删除"}], role

    checked = await cli("--database", db_url, "verify")
    assert checked.returncode == 0, checked.stderr
    for dossier in (before, with_data, after):
        pem = tmp_path / "public.pem"
        with zipfile.ZipFile(dossier) as z:
            pem.write_bytes(next(z.read(n) for n in z.namelist() if n.endswith("public-key.pem")))
        report = verify_dossier(dossier, pem)
        assert report.ok, (dossier.name, report.issues)

    after_text = _contents(after)
    assert "已删除".encode() in after_text
    everything = [await _dump(db_url, tmp_path), _contents(before), after_text, *answers]
    for secret in (ID_NUMBER, PHONE):
        for form in _forms(secret):
            for place, haystack in enumerate(everything):
                assert form not in haystack, (secret, form, place)
