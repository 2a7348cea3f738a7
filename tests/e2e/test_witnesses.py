"""Two ledgers and a witness on this machine: a forked history cannot be shown to a reviewer.

The operator keeps two ledgers under one key (the honest one, and a fork of the same size
with another root). The witness (``ledger witness``, a process of its own) cosigns the
first and refuses the fork; a dossier of the fork verifies with the ledger's key alone,
but not once the reviewer demands the witness's cosignature. The witness forgets nothing
across a restart. Old dossiers (checkpoint format v1) keep verifying.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.app import create_app
from api.tokens import create_token
from ledger.checkpoint import LogKey, load_or_create_signing_key
from ledger.note import COSIGNATURE, parse_vkey
from ledger.note import vkey as note_vkey
from ledger.witness import origin_hash
from ops.config import Settings
from ops.local_service import free_port, wait_for_service
from ops.verify_dossier import verify_dossier
from tests.projections.support import ledger_with, post, sample_events

ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "hazard:HZ-2019-0003"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


async def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_cli, *args, env=env)


@asynccontextmanager
async def _witness(config: Path, port: int) -> AsyncIterator[str]:
    """``ledger witness`` in a process of its own, stopped with SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ops.cli",
        "witness",
        "--config",
        str(config),
        "--port",
        str(port),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_for_service(url + "/", timeout=60)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0


async def _monitored(url: str, origin: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/{origin_hash(origin)}/checkpoint") as got:
        assert got.status == 200
        return await got.text()


@pytest.mark.slow
async def test_a_witness_refuses_a_fork_and_the_reviewer_catches_it(db_url: str, tmp_path: Path) -> None:
    honest_key = tmp_path / "honest" / "signing.key"
    log = LogKey(load_or_create_signing_key(honest_key))
    fork_key = tmp_path / "fork" / "signing.key"  # the same key, copied: its own record of checkpoints
    fork_key.parent.mkdir()
    shutil.copy(honest_key, fork_key)

    config = tmp_path / "witness" / "witness.toml"
    config.parent.mkdir()
    config.write_text(
        f'name = "witness.jiwei.example/w1"\nkey = "w.key"\nstate = "state.json"\n\n'
        f'[[log]]\norigin = "{log.origin}"\nvkey = "{log.vkey}"\n',
        encoding="utf-8",
    )
    vkey = (await cli("witness", "--config", str(config), "--vkey")).stdout.strip()
    assert parse_vkey(vkey).name == "witness.jiwei.example/w1"

    fork_url = f"sqlite:///{tmp_path / 'fork' / 'ledger.db'}"
    async with ledger_with(db_url, sample_events()) as (store, _):
        _, token = await create_token(store.backend, role="admin", scope=None, name="witness test")
    async with ledger_with(fork_url, sample_events()):
        pass  # the same events, recorded at other instants: the same size, another root

    port = free_port()
    async with _witness(config, port) as witness_url:
        witnesses = f"{witness_url} {vkey}"
        # the honest ledger's service pushes its checkpoint by itself
        settings = Settings(database_url=db_url, signing_key=str(honest_key), witnesses=witnesses)
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        try:
            auth = {"Authorization": f"Bearer {token}"}
            assert (await client.get("/v1/integrity/checkpoint", headers=auth)).status == 200
            body = {}
            for _ in range(100):  # the service signs and pushes every second
                body = await (await client.get("/v1/integrity/checkpoint", headers=auth)).json()
                if body["cosignatures"]:
                    break
                await asyncio.sleep(0.1)
            assert [c["name"] for c in body["cosignatures"]] == ["witness.jiwei.example/w1"]
            ready = await (await client.get("/readyz")).json()
            assert ready["witnesses"] == {witness_url: f"cosigned {body['size']}"}
        finally:
            await client.close()
        assert (await _monitored(witness_url, log.origin)).startswith(body["note"])

        honest = await cli(
            "export",
            SUBJECT,
            "--out",
            str(tmp_path / "a"),
            LEDGER_DATABASE_URL=db_url,
            LEDGER_SIGNING_KEY=str(honest_key),
            LEDGER_WITNESSES=witnesses,
        )
        assert honest.returncode == 0, honest.stderr
        forked = await cli(
            "export",
            SUBJECT,
            "--out",
            str(tmp_path / "b"),
            LEDGER_DATABASE_URL=fork_url,
            LEDGER_SIGNING_KEY=str(fork_key),
            LEDGER_WITNESSES=witnesses,
        )
        assert forked.returncode == 0, forked.stderr  # exported, but uncosigned: the witness said no
        assert "did not cosign" in forked.stderr

    a, b = (tmp_path / d / "dossier-hazard-HZ-2019-0003" for d in ("a", "b"))
    sizes = [verify_dossier(d, log.vkey).size for d in (a, b)]
    assert sizes[0] == sizes[1] == len(sample_events())  # the same size …
    roots = [verify_dossier(d, log.vkey).root for d in (a, b)]
    assert roots[0] != roots[1]  # … another root: a fork
    for dossier in (a, b):
        alone = await cli("verify", str(dossier), "--public-key", log.vkey)
        assert alone.returncode == 0, alone.stderr  # the ledger's key alone cannot tell them apart
    demanded = ["--public-key", log.vkey, "--witness", vkey, "--threshold", "1"]
    good = await cli("verify", str(a), *demanded)
    assert good.returncode == 0, good.stderr
    assert "cosigned by witness.jiwei.example/w1" in good.stdout
    caught = await cli("verify", str(b), *demanded)
    assert caught.returncode == 1
    assert "not cosigned by the witnesses required" in caught.stderr
    assert "0 of the required 1" in caught.stderr

    # the witness restarts: it still knows the honest tree and still refuses the fork
    async with ledger_with(db_url) as (store, _):
        await post(store, [_hazard(1)])
    async with ledger_with(fork_url) as (store, _):
        await post(store, [_hazard(2)])
    async with _witness(config, free_port()) as witness_url:
        witnesses = f"{witness_url} {vkey}"
        again = await cli(
            "export",
            SUBJECT,
            "--out",
            str(tmp_path / "c"),
            LEDGER_DATABASE_URL=db_url,
            LEDGER_SIGNING_KEY=str(honest_key),
            LEDGER_WITNESSES=witnesses,
        )
        assert again.returncode == 0, again.stderr
        fork_again = await cli(
            "export",
            SUBJECT,
            "--out",
            str(tmp_path / "d"),
            LEDGER_DATABASE_URL=fork_url,
            LEDGER_SIGNING_KEY=str(fork_key),
            LEDGER_WITNESSES=witnesses,
        )
        assert "did not cosign" in fork_again.stderr
        assert "\n" + str(len(sample_events()) + 1) + "\n" in await _monitored(witness_url, log.origin)
    c, d = (tmp_path / x / "dossier-hazard-HZ-2019-0003" for x in ("c", "d"))
    assert verify_dossier(c, log.vkey, [vkey], 1).ok
    assert not verify_dossier(d, log.vkey, [vkey], 1).ok


def _hazard(i: int) -> dict[str, object]:
    return {
        "type": "hazard.reported",
        "occurred_at": "2019-12-30T09:00:00+08:00",
        "data": {
            "hazard_id": f"HZ-WITNESS-{i}",
            "unit_id": "91371302MA3C4R1X0A",
            "severity": "general",
            "description": "消防通道堵塞",
            "source": "self_check",
        },
    }


def test_a_dossier_issued_before_c2sp_checkpoints_still_verifies() -> None:
    """The first checkpoint format (v1): accepted with its PEM key, refused if witnesses are demanded."""
    old = ROOT / "tests" / "vectors" / "dossier-v1"
    report = verify_dossier(old, old / "public-key.pem")
    assert report.ok, report.issues
    assert report.events == 16
    assert report.unmanifested
    assert "issued before manifests" in report.summary()
    witness = note_vkey("w.example/w1", Ed25519PrivateKey.generate().public_key(), COSIGNATURE)
    demanded = verify_dossier(old, old / "public-key.pem", [witness], 1)
    assert not demanded.ok
    assert "carries no witness cosignatures" in str(demanded.issues[0])
