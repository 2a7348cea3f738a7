"""An operator's mistakes on the command line: one line on stderr and exit status 2 (exit 1
is kept for a broken chain), and a read-only command never creates a database."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops.progress import progress_bar

SAMPLE = str(Path(__file__).resolve().parents[2] / "ops" / "samples" / "linyi-2019q4.jsonl")
SAMPLE_EVENTS = sum(1 for line in Path(SAMPLE).read_text(encoding="utf-8").splitlines() if line.strip())


def _cli(
    tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "LEDGER_SIGNING_KEY": str(tmp_path / "key.pem"), "LEDGER_LOG_FORMAT": "json"}
    environ.pop("LEDGER_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        input=stdin,
        env={**environ, **(env or {})},
    )


async def cli(
    tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_cli, tmp_path, *args, stdin=stdin, env=env)


def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ledger"), lines
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("command", [["verify"], ["token", "list"], ["export", "accident:A"], ["rebuild"]])
async def test_a_read_only_command_on_a_missing_sqlite_file_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    result = await cli(tmp_path, "--database", "sqlite:///no/such/dir/ledger.db", *command)
    _one_line_error(result, "does not exist")
    assert not (tmp_path / "no").exists()
    result = await cli(tmp_path, *command)  # the default ./ledger.db
    _one_line_error(result, "ledger.db does not exist")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("content", [b"", b"not a database at all"])
async def test_verify_on_a_file_that_holds_no_ledger(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "other.db").write_bytes(content)
    result = await cli(tmp_path, "--database", "sqlite:///other.db", "verify")
    _one_line_error(result, "holds no ledger")


async def test_verify_on_postgresql_without_the_database_or_without_a_ledger(tmp_path: Path, pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/ledger_test_no_such_database"
    _one_line_error(await cli(tmp_path, "--database", missing, "verify"), "does not exist")
    _one_line_error(await cli(tmp_path, "--database", pg_url, "verify"), "holds no ledger")


async def test_serve_on_a_taken_port_fails_at_once(tmp_path: Path) -> None:
    """Before opening the ledger: no catch-up, no traceback."""
    assert (await cli(tmp_path, "import", SAMPLE)).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        started = time.monotonic()
        result = await cli(tmp_path, "serve", "--port", str(taken.getsockname()[1]))
    _one_line_error(result, "the port is taken")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["serve", "--port", "99999"], {}, ["--port", "65535"]),
        (["serve"], {"LEDGER_PORT": "99999"}, ["LEDGER_PORT", "65535"]),
        (["serve", "--host", "no.such.host.invalid"], {}, ["cannot listen"]),
        (["demo", "--enterprises", "-3"], {}, ["--enterprises"]),
        (["no-such-command"], {}, ["invalid choice"]),
    ],
)
async def test_impossible_settings_are_one_line_errors(
    tmp_path: Path, args: list[str], env: dict[str, str], words: list[str]
) -> None:
    _one_line_error(await cli(tmp_path, *args, env=env), *words)


async def test_importing_an_empty_file_reports_the_true_head(tmp_path: Path) -> None:
    assert (await cli(tmp_path, "import", SAMPLE)).returncode == 0
    (tmp_path / "empty.jsonl").write_text("\n")
    result = await cli(tmp_path, "import", "empty.jsonl")
    assert result.returncode == 0, result.stderr
    assert "imported 0 events" in result.stdout
    assert f"head is at {SAMPLE_EVENTS}" in result.stdout


async def test_token_check_tells_a_working_token_from_a_revoked_one(tmp_path: Path) -> None:
    assert (await cli(tmp_path, "import", SAMPLE)).returncode == 0
    created = await cli(tmp_path, "token", "create", "--role", "investigator", "--name", "quick start")
    token = created.stdout.strip().splitlines()[-1]
    checked = await cli(tmp_path, "token", "check", stdin=token + "\n")
    assert checked.returncode == 0, checked.stderr
    assert "investigator" in checked.stdout
    assert (await cli(tmp_path, "token", "revoke", token.split("_")[1])).returncode == 0
    _one_line_error(await cli(tmp_path, "token", "check", stdin=token + "\n"), "revoked")


def test_a_bar_whose_total_was_an_estimate_ends_at_100_percent(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar("demo city", 1000) as bar:
        bar.update(840)
    assert "100%" in capsys.readouterr().err.splitlines()[-1].split("\r")[-1]


async def test_snapshot_of_the_rules_state(tmp_path: Path) -> None:
    """`ledger snapshot` refuses what it cannot snapshot in one line, and the next command that
    folds the rules' state starts from the snapshot."""
    _one_line_error(await cli(tmp_path, "snapshot"), "no signing key")
    assert os.listdir(tmp_path) == []  # nothing created
    (tmp_path / "empty.jsonl").write_text("")
    assert (await cli(tmp_path, "import", "empty.jsonl")).returncode == 0  # a ledger (and key), no event
    missing = await cli(tmp_path, "--database", "sqlite:///no/such/dir/ledger.db", "snapshot")
    _one_line_error(missing, "does not exist")
    assert not (tmp_path / "no").exists()
    _one_line_error(await cli(tmp_path, "snapshot"), "holds no event")
    assert (await cli(tmp_path, "import", SAMPLE)).returncode == 0
    result = await cli(tmp_path, "snapshot")
    assert result.returncode == 0, result.stderr
    assert f"snapshot of the rules' state at position {SAMPLE_EVENTS} (taken " in result.stdout
    again = await cli(tmp_path, "snapshot")  # restores the first, folds nothing: the same snapshot
    assert again.returncode == 0, again.stderr
    assert "rules' state restored from a snapshot" in again.stdout + again.stderr
    assert again.stdout == result.stdout
