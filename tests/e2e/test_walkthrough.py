"""The README's walkthrough, executed against a freshly generated demo city: the commands
must succeed, and every quoted string in each answer's excerpt must appear in the real
answer — so the README cannot rot."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.local_service import free_port, wait_for_service

ROOT = Path(__file__).resolve().parents[2]
MARK = "@@walkthrough-block-{}@@"


def _walkthrough_blocks() -> list[tuple[str, str]]:
    """(commands, excerpt) pairs of the README's walkthrough, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1].split("\n## ", 1)[0]
    fences = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)
    pairs = []
    for i, (lang, body) in enumerate(fences):
        if lang == "sh":
            following = fences[i + 1] if i + 1 < len(fences) and fences[i + 1][0] != "sh" else ("", "")
            pairs.append((body, following[1]))
    return pairs


def _quoted(excerpt: str) -> list[str]:
    return [q for q in re.findall(r'"([^"]*)"', excerpt) if q and "…" not in q]


@pytest.fixture(scope="module")
def demo_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    """The quick start's steps, on a temporary SQLite ledger: demo, projections, token, serve."""
    work = tmp_path_factory.mktemp("walkthrough")
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
        "LEDGER_DATABASE_URL": f"sqlite:///{work / 'ledger.db'}",
        "LEDGER_SIGNING_KEY": str(work / "signing.key"),
        "LEDGER_LOG_FORMAT": "json",
    }

    def ledger(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ops.cli", *args], env=env, cwd=work, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    ledger("demo", "--if-empty")
    ledger("project", "--once")
    token = ledger("token", "create", "--role", "investigator", "--name", "walkthrough").strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ops.cli", "serve", "--port", str(port)],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_for_service(f"{base}/readyz", timeout=300))
        yield {**env, "LEDGER": base, "TOKEN": token}, work
    finally:
        server.terminate()
        server.wait(60)


def test_the_walkthrough_answers_as_the_readme_shows(demo_service: tuple[dict[str, str], Path]) -> None:
    env, work = demo_service
    blocks = _walkthrough_blocks()
    assert len(blocks) >= 8
    script = ["set -euo pipefail"]
    for i, (commands, _excerpt) in enumerate(blocks):
        kept = [line for line in commands.splitlines() if not line.startswith(("export LEDGER=", "export TOKEN="))]
        script += [f"echo '{MARK.format(i)}'", *kept]
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)], env=env, cwd=work, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = re.split(r"@@walkthrough-block-\d+@@\n", done.stdout)[1:]
    assert len(outputs) == len(blocks)
    missing = []
    for (commands, excerpt), output in zip(blocks, outputs, strict=True):
        for quoted in _quoted(excerpt):
            if f'"{quoted}"' not in output and quoted not in output:
                missing.append(f"{quoted!r} not in the answer to: {commands.strip().splitlines()[0]}")
    assert missing == []
    assert "chain holds" in outputs[-1]
    assert "dossier holds" in outputs[-1]
