"""The dossier's files and how its structured content cites events: shared by the builder
(``dossier.build``) and the offline verifier (``ops.verify_dossier``)."""

from __future__ import annotations

import re
from typing import Any

from dossier.manifest import MANIFEST

__all__ = ["FILES", "FORMAT", "REQUIRED", "cited_positions"]

FORMAT = "duty-ledger dossier v2"
#: every file of a dossier, in the order they are written (the manifest last: it lists the rest)
FILES = (
    "events.jsonl",
    "proofs.json",
    "public-key.pem",
    "dossier.json",
    "dossier.pdf",
    "evidence.xlsx",
    MANIFEST,
)
#: what the verifier cannot do without; the manifest too, except in a dossier issued before
#: there were manifests (its checkpoint of format v1): the verifier says what that leaves unproven
REQUIRED = ("events.jsonl", "proofs.json", "dossier.json")
_HASH = re.compile(r"^[0-9a-f]{64}$")


def cited_positions(value: Any) -> dict[int, str]:
    """Every ``{position, hash}`` citation anywhere in a structure: position → hash."""
    found: dict[int, str] = {}
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            pos, hash_ = item.get("position"), item.get("hash")
            if isinstance(pos, int) and not isinstance(pos, bool) and isinstance(hash_, str) and _HASH.match(hash_):
                found[pos] = hash_
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
