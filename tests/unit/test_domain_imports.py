"""DESIGN §1: the domain and the log's core modules do no I/O — no driver or HTTP import."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

FORBIDDEN = ("aiohttp", "asyncpg", "sqlite3", "psycopg", "psycopg2", "aiosqlite")
ROOTS = ("ledger.domain", "ledger.decider", "ledger.envelope", "ledger.catalogue")


def _source(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, AttributeError, ValueError):
        return None  # ``from package import name`` where name is not a module
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


def _imports(path: Path, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = (
                importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                if node.level
                else node.module
            )
            if base:
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _walk() -> dict[str, set[str]]:
    """Every ledger module reachable from the roots, with what it imports."""
    seen: dict[str, set[str]] = {}
    todo = list(ROOTS)
    for path in Path(__file__).resolve().parents[2].joinpath("ledger", "domain").glob("*.py"):
        todo.append("ledger.domain." + path.stem if path.stem != "__init__" else "ledger.domain")
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        source = _source(module) if module.startswith("ledger") else None
        if source is None:
            continue
        package = module if source.name == "__init__.py" else module.rpartition(".")[0]
        seen[module] = _imports(source, package)
        todo.extend(m for m in seen[module] if m.startswith("ledger"))
    return seen


def test_the_walk_finds_the_domain_modules() -> None:
    modules = _walk()
    assert {"ledger.domain.decider", "ledger.domain.hazards", "ledger.envelope"} <= set(modules)


@pytest.mark.parametrize("forbidden", FORBIDDEN)
def test_no_domain_module_imports_a_driver_or_http(forbidden: str) -> None:
    offenders = [
        module
        for module, imported in _walk().items()
        if any(name == forbidden or name.startswith(forbidden + ".") for name in imported)
    ]
    assert offenders == []
