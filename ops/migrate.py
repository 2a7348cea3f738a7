"""Numbered SQL migrations per backend (``ops/migrations/<backend>/NNN_name.sql``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import structlog

from ledger.store import Backend

__all__ = ["Migration", "load_migrations", "migrate"]

log = structlog.get_logger("ledger.migrate")
MIGRATIONS = Path(__file__).parent / "migrations"
#: the migration that made ``parked_indexes`` (``Backend.park_indexes``)
PARKED_INDEXES = 160
#: the migration that made ``rules_snapshots`` (``ledger.store.snapshots``; ``ledger verify``)
RULES_SNAPSHOTS = 180


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(kind: str) -> list[Migration]:
    """``portable/`` holds the SQL both backends share (most read models); ``<kind>/`` the
    rest. A number appears in one of the two, never both."""
    found: dict[int, Migration] = {}
    for folder in ("portable", kind):
        for path in sorted((MIGRATIONS / folder).glob("*.sql")):
            number, _, name = path.stem.partition("_")
            if int(number) in found:
                raise ValueError(f"migration {number} is defined twice ({path})")
            found[int(number)] = Migration(int(number), name, path.read_text(encoding="utf-8"))
    return [found[n] for n in sorted(found)]


async def migrate(backend: Backend) -> list[Migration]:
    """Bring the database to the current schema; return the migrations applied now."""
    done = await backend.applied_migrations()
    pending = [m for m in load_migrations(backend.kind) if m.version not in done]
    # indexes a rebuild killed half-way left dropped come back first: a migration may rebuild
    # one of them (and would then find it missing)
    if pending and PARKED_INDEXES in done and (restored := await backend.restore_indexes()):
        log.warning("built again the indexes a rebuild had left dropped", indexes=restored)
    applied = []
    for migration in pending:
        await backend.apply_migration(migration.version, migration.name, migration.sql)
        log.info("migration applied", version=migration.version, name=migration.name)
        applied.append(migration)
    return applied
