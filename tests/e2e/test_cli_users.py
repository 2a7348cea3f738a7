"""`ledger user create|passwd|disable|list` as an operator runs them: passwords from standard
input (never an argument), errors as one line on stderr with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _ledger(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops.cli", *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_accounts_are_created_listed_changed_and_disabled(tmp_path: Path) -> None:
    """A viewer of 兰山区 is created and listed; a weak password or an unknown scope is refused
    (exit 2, one line); passwd and disable act on the account."""
    env = {**os.environ, "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'l.db'}", "LEDGER_LOG_FORMAT": "json"}
    assert _ledger(env, "import", str(ROOT / "ops" / "samples" / "linyi-2019q4.jsonl")).returncode == 0
    create = ["user", "create", "--role", "viewer", "--scope", "371302", "--name", "兰山区应急局", "--login", "lanshan"]
    weak = _ledger(env, *create, "--password-stdin", stdin="short\n")
    assert weak.returncode == 2
    assert weak.stderr.strip().splitlines()[-1] == "ledger: error: a password needs at least 10 characters"
    nowhere = _ledger(env, *create[:5], "999999", *create[6:], "--password-stdin", stdin="kanban-371302\n")
    assert nowhere.returncode == 2
    assert "not a registered unit" in nowhere.stderr
    made = _ledger(env, *create, "--password-stdin", stdin="kanban-371302\n")
    assert made.returncode == 0, made.stderr
    assert "account lanshan for 兰山区应急局 (viewer, scope 371302) created" in made.stdout
    again = _ledger(env, *create, "--password-stdin", stdin="kanban-371302\n")
    assert again.returncode == 2
    assert "exists already" in again.stderr
    no_tty = _ledger(env, "user", "passwd", "lanshan")
    assert no_tty.returncode == 2
    assert "--password-stdin" in no_tty.stderr
    assert _ledger(env, "user", "passwd", "lanshan", "--password-stdin", stdin="another-pass-9\n").returncode == 0
    assert _ledger(env, "user", "disable", "lanshan").returncode == 0
    listed = _ledger(env, "user", "list").stdout
    assert "lanshan" in listed
    assert "兰山区应急局" in listed
    assert "disabled" in listed
    assert "another-pass-9" not in listed


def test_accounts_of_a_database_that_holds_no_ledger_are_one_line_errors(tmp_path: Path) -> None:
    """`ledger user` on a mistyped database path creates nothing: one line, exit status 2."""
    missing = tmp_path / "nowhere" / "l.db"
    env = {**os.environ, "LEDGER_DATABASE_URL": f"sqlite:///{missing}", "LEDGER_LOG_FORMAT": "json"}
    for args in (["user", "list"], ["user", "disable", "lanshan"]):
        done = _ledger(env, *args)
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert not missing.parent.exists()
