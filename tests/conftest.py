"""Fixtures shared by the whole suite: a fresh database per test, on each backend.

PostgreSQL is required, never optional: when it cannot be reached, every test that needs
it fails with the reason (``ops/test.sh`` starts a local server first).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from ledger.store import EventStore
from ops.bootstrap import open_ledger

ADMIN_URL = os.environ.get("LEDGER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# The suite runs as on a fresh clone, whatever the shell or the directory holds: no setting of
# the user's (LEDGER_DATABASE_URL …) reaches it, and the default signing key — and the log of
# the checkpoints it signed — is not the one the quick start left in the working directory
# (a service run from there signs the demo's checkpoints; `ledger verify` of a test's ledger
# would rightly call a log shorter than them cut).
for _name in [n for n in os.environ if n.startswith("LEDGER_") and not n.startswith("LEDGER_TEST_")]:
    del os.environ[_name]
_KEY_DIR = tempfile.mkdtemp(prefix="ledger-test-key-")
atexit.register(shutil.rmtree, _KEY_DIR, ignore_errors=True)
os.environ["LEDGER_SIGNING_KEY"] = str(Path(_KEY_DIR) / "ledger-signing.key")


def _database_url(admin_url: str, name: str) -> str:
    base, _, query = admin_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


async def _admin(sql: str) -> None:
    try:
        conn = await asyncpg.connect(ADMIN_URL, timeout=10)
    except (OSError, asyncpg.PostgreSQLError) as exc:
        pytest.fail(
            f"PostgreSQL is required and could not be reached at {ADMIN_URL} ({exc}). "
            "Run the suite with `bash ops/test.sh`, which starts it, or set LEDGER_TEST_PG_URL.",
            pytrace=False,
        )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database of its own, dropped afterwards."""
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(ADMIN_URL, name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on both backends (the store contract)."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[EventStore]:
    """A migrated ledger with no domain rules (the store's own contract)."""
    from ledger.decider import AcceptAll

    ledger = await open_ledger(db_url, decider=AcceptAll())
    try:
        yield ledger
    finally:
        await ledger.close()


@pytest.fixture
async def fresh_db(db_url: str, tmp_path: Path) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A factory of further empty databases on the same backend as ``db_url`` (dropped afterwards),
    for a test that builds several ledgers."""
    made: list[str] = []

    async def make() -> str:
        name = f"ledger_test_{uuid.uuid4().hex[:12]}"
        if db_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / f'{name}.db'}"
        await _admin(f'CREATE DATABASE "{name}"')
        made.append(name)
        return _database_url(ADMIN_URL, name)

    try:
        yield make
    finally:
        for name in made:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
