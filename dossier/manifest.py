"""The dossier's manifest: the name and SHA-256 of every other file, signed by the ledger.

``manifest.txt`` is a C2SP signed note (``ledger.note``) signed with the ledger's Ed25519
key, whose text is::

    duty-ledger dossier manifest v1
    subject accident:ACC-2019-0069
    checkpoint 351824 <root, 64 hex>
    <sha256, 64 hex>  dossier.json
    <sha256, 64 hex>  dossier.pdf
    …

one line per file in byte order of the names, in ``sha256sum`` format, so that a reviewer
can also check the files with ``grep -E '^[0-9a-f]{64}  ' manifest.txt | sha256sum -c``.
Signing the manifest signs every page of the PDF and every cell of the XLSX: change one byte
of any file and the manifest names it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.checkpoint import LogKey
from ledger.note import NoteError, Verifier, key_id, parse_note, sign_note

__all__ = ["HEADER", "MANIFEST", "check_manifest", "manifest_note"]

MANIFEST = "manifest.txt"
HEADER = "duty-ledger dossier manifest v1"
_LINE = re.compile(r"^([0-9a-f]{64})  ([A-Za-z0-9._-]{1,100})$")


def manifest_note(files: Mapping[str, bytes], subject: str, checkpoint: Mapping[str, Any], key: LogKey) -> str:
    """The signed manifest of ``files`` (name → content; the manifest itself not among them),
    signed by the ledger's key under its origin, as its checkpoints are."""
    lines = [HEADER, f"subject {subject}", f"checkpoint {checkpoint['size']} {checkpoint['root']}"]
    lines += [f"{hashlib.sha256(files[name]).hexdigest()}  {name}" for name in sorted(files)]
    return sign_note("\n".join(lines) + "\n", key.origin, key.private_key)


def check_manifest(
    files: Mapping[str, bytes], public_key: Ed25519PublicKey, subject: Any, checkpoint: Any
) -> list[tuple[str, str]]:
    """What is wrong, as (file, why): a manifest not signed by ``public_key``, a file altered,
    missing or not listed, or a manifest about another subject or checkpoint."""
    raw = files.get(MANIFEST)
    if raw is None:
        return [(MANIFEST, "is missing: nothing proves the PDF, the XLSX and dossier.json")]
    try:
        text = _opened(raw.decode("utf-8"), public_key)
    except (UnicodeDecodeError, NoteError) as exc:
        return [(MANIFEST, f"is not a manifest signed by this public key ({exc})")]
    lines = text.splitlines()
    if lines[:1] != [HEADER] or len(lines) < 3:
        return [(MANIFEST, f"does not begin with {HEADER!r}")]
    problems: list[tuple[str, str]] = []
    if lines[1] != f"subject {subject}":
        problems.append((MANIFEST, f"is about {lines[1].removeprefix('subject ')}, not {subject}"))
    if isinstance(checkpoint, dict) and lines[2] != f"checkpoint {checkpoint.get('size')} {checkpoint.get('root')}":
        problems.append((MANIFEST, "names another checkpoint than proofs.json"))
    listed = {}
    for line in lines[3:]:
        m = _LINE.match(line)
        if m is None:
            problems.append((MANIFEST, f"has a line that is not `sha256  name`: {line[:80]!r}"))
            continue
        listed[m[2]] = m[1]
    for name, digest in sorted(listed.items()):
        if name not in files:
            problems.append((name, "is listed in the manifest but missing from the dossier"))
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            problems.append((name, "was altered: its SHA-256 differs from the signed manifest"))
    for name in sorted(set(files) - set(listed) - {MANIFEST}):
        problems.append((name, "is not in the signed manifest"))
    return problems


def _opened(note: str, public_key: Ed25519PublicKey) -> str:
    """The note's text if the ledger's key signed it (under whatever key name it used)."""
    text, signatures = parse_note(note)
    for signature in signatures:
        if Verifier(signature.name, key_id(signature.name, public_key), public_key).verifies(text, signature):
            return text
    raise NoteError("no signature by this key verifies")
