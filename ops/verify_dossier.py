"""Check a compliance dossier offline (SPEC §9): nothing but its files and the public key.

``verify_dossier(path, public_key, witnesses, threshold)`` takes the dossier's directory or
its .zip and checks:

1. the checkpoint in proofs.json is signed by ``public_key`` (the ledger's verifier key
   ``name+id+key``, or its PEM): a C2SP checkpoint note, or the first format (v1) of dossiers
   issued before; with ``witnesses`` (cosigner vkeys), at least ``threshold`` of them must
   have cosigned the note (C2SP tlog-cosignature) — a history forked for one reviewer lacks
   them. dossier.json must state the same checkpoint;
2. every line of events.jsonl is a stored envelope, written exactly as the ledger writes it,
   whose ``hash`` is SHA-256(prev_hash ‖ its canonical bytes);
3. every event has an RFC 9162 inclusion proof in proofs.json that leads from its leaf
   (``event_leaf_hash(hash)``, index position − 1) to the checkpoint's root; events withheld
   for personal data are proven by hash alone;
4. every position dossier.json cites is present, with the same hash;
5. the manifest (``dossier.manifest``) is signed by ``public_key`` and gives the SHA-256 of
   every other file of the dossier, none missing, none added: the PDF, the XLSX and
   dossier.json are proven byte for byte;
6. every person and unit dossier.json names is backed by the events that registered and
   changed them, present in events.jsonl (``dossier.names``).

Problems name the file, the position (and the line of events.jsonl) and what failed. A
missing file or an unusable key raises ``DossierUnreadable`` (``ledger verify`` exits 2).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dossier.format import REQUIRED, cited_positions
from dossier.manifest import MANIFEST, check_manifest
from dossier.names import check_names
from ledger.checkpoint import load_public_key, open_checkpoint, posix_text
from ledger.checkpoint_v1 import verify_checkpoint
from ledger.envelope import StoredEvent
from ledger.merkle import event_leaf_hash, proof_from_hex, verify_inclusion
from ledger.note import COSIGNATURE, NoteError, Verifier, parse_vkey, verifier

__all__ = ["DossierUnreadable", "Issue", "Report", "cited_positions", "verify_dossier"]

#: a dossier holds a handful of files of a few MB; anything far larger is not one
MAX_FILE_BYTES = 1 << 30


class DossierUnreadable(Exception):
    """The dossier or the key cannot be read at all (not a failed check)."""


@dataclass(frozen=True)
class Issue:
    position: int | None
    what: str
    file: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (self.file, f"position {self.position}" if self.position is not None else None) if part
        )
        return f"{where}: {self.what}" if where else self.what


@dataclass
class Report:
    ok: bool = False
    events: int = 0
    withheld: int = 0
    size: int | None = None
    root: str | None = None
    timestamp: str | None = None
    key_id: str | None = None
    cosigned_by: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: a dossier of the first format (a v1 checkpoint, no manifest): its events are proven,
    #: its dossier.json, PDF and workbook are not
    unmanifested: bool = False

    def summary(self) -> str:
        if self.ok:
            extra = f" ({self.withheld} withheld, proven by hash)" if self.withheld else ""
            witnesses = f"; cosigned by {', '.join(self.cosigned_by)}" if self.cosigned_by else ""
            caveat = (
                "; issued before manifests (format v1): its dossier.json, PDF and workbook are not signed, "
                "only its events are proven"
                if self.unmanifested
                else ""
            )
            return (
                f"dossier holds: {self.events} events{extra}, each included in the signed checkpoint "
                f"of {self.size} events (root {self.root}, {self.timestamp}, key {self.key_id}){witnesses}{caveat}"
            )
        return f"dossier fails: {self.issues[0] if self.issues else 'unknown reason'}"


def _read_files(path: Path) -> dict[str, bytes]:
    """Every file of the dossier by name (a directory's files, or a zip's members)."""
    if not path.exists():
        raise DossierUnreadable(f"{path} does not exist")
    files: dict[str, bytes] = {}
    if path.is_dir():
        for item in sorted(path.iterdir()):
            if item.is_file() and item.stat().st_size <= MAX_FILE_BYTES:
                files[item.name] = item.read_bytes()
            else:
                files[item.name] = b""  # a folder or a giant is no file of a dossier: the manifest names it
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    name = PurePosixPath(info.filename).name
                    if info.is_dir():
                        continue
                    if name in files or info.file_size > MAX_FILE_BYTES:
                        raise DossierUnreadable(f"{path} holds {name} twice or too large")
                    files[name] = archive.read(info)
        except (zipfile.BadZipFile, OSError) as exc:
            raise DossierUnreadable(f"{path} is neither a dossier directory nor a readable zip: {exc}") from None
    missing = [name for name in REQUIRED if name not in files]
    if missing:
        raise DossierUnreadable(f"{path} lacks {', '.join(missing)}")
    return files


def _text_or_file(value: str | Path) -> str:
    """A key given inline, or the path of a file holding it."""
    if isinstance(value, str) and ("-----BEGIN" in value or ("+" in value and not Path(value).exists())):
        return value
    return Path(value).read_text("ascii").strip()


def _log_key(public_key: str | Path) -> tuple[Ed25519PublicKey, Verifier | None]:
    """The ledger's key from a vkey (name fixed) or a PEM (the name is the checkpoint's origin)."""
    try:
        text = _text_or_file(public_key)
        if "-----BEGIN" in text:
            return load_public_key(text), None
        known = parse_vkey(text)
    except (OSError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise DossierUnreadable(f"cannot use the public key {public_key}: {exc}") from None
    return known.public_key, known


def _witness_keys(witnesses: Sequence[str | Path]) -> list[Verifier]:
    keys = []
    for given in witnesses:
        try:
            known = parse_vkey(_text_or_file(given))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise DossierUnreadable(f"cannot use the witness key {given}: {exc}") from None
        if known.kind != COSIGNATURE:
            raise DossierUnreadable(f"{given} is not a witness's cosignature key (type 0x04)")
        keys.append(known)
    return keys


def verify_dossier(
    path: Path, public_key: str | Path, witnesses: Sequence[str | Path] = (), threshold: int | None = None
) -> Report:
    """``threshold`` witnesses of ``witnesses`` must have cosigned (default: all of them)."""
    key, log_verifier = _log_key(public_key)
    witness_keys = _witness_keys(witnesses)
    needed = len(witness_keys) if threshold is None else threshold
    if needed > len(witness_keys):
        raise DossierUnreadable(f"a threshold of {needed} needs at least {needed} --witness keys")
    files = _read_files(Path(path))
    report = Report()
    issues = report.issues
    try:
        proofs = orjson.loads(files["proofs.json"])
        checkpoint = proofs["checkpoint"]
        entries = list(proofs["proofs"])
        withheld = list(proofs.get("withheld", []))
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        issues.append(Issue(None, f"proofs.json is unreadable: {exc}"))
        return report
    problem = _check_checkpoint(checkpoint, key, log_verifier, witness_keys, needed, report)
    if problem is not None:
        issues.append(Issue(None, problem))
        return report
    assert report.size is not None
    assert report.root is not None
    size, root = report.size, bytes.fromhex(report.root)
    try:
        dossier = orjson.loads(files["dossier.json"])
    except orjson.JSONDecodeError as exc:
        issues.append(Issue(None, f"is not JSON: {exc}", "dossier.json"))
        dossier = None
    subject = dossier.get("subject") if isinstance(dossier, dict) else None
    if MANIFEST not in files and "note" not in checkpoint:
        report.unmanifested = True  # the first format had none; a C2SP-era dossier must have one
    else:
        issues += [Issue(None, what, name) for name, what in check_manifest(files, key, subject, checkpoint)]

    proven: dict[int, str] = {}
    events: dict[int, StoredEvent] = {}
    by_position: dict[int, dict[str, Any]] = {}
    for entry in [*entries, *withheld]:
        if isinstance(entry, dict) and isinstance(entry.get("position"), int):
            by_position.setdefault(entry["position"], entry)
    for entry in withheld:
        problem = _check_proof(entry, entry.get("hash") if isinstance(entry, dict) else None, size, root)
        if problem:
            issues.append(Issue(entry.get("position") if isinstance(entry, dict) else None, f"withheld: {problem}"))
        else:
            proven[entry["position"]] = entry["hash"]
            report.withheld += 1

    lines = files["events.jsonl"].split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    seen: set[int] = set()
    for number, line in enumerate(lines, 1):
        # the position this line should hold: proofs list events in the same order
        hinted = (
            entries[number - 1].get("position")
            if number <= len(entries) and isinstance(entries[number - 1], dict)
            else None
        )
        where = f"(line {number} of events.jsonl)"
        try:
            fields = orjson.loads(line)
            event = StoredEvent(**fields)
        except (orjson.JSONDecodeError, TypeError) as exc:
            issues.append(Issue(hinted, f"{where} is not a stored envelope: {exc}"))
            continue
        position = event.position if isinstance(event.position, int) else hinted
        if hinted is not None and position != hinted:
            issues.append(Issue(hinted, f"{where} says position {event.position}, proofs.json lists {hinted} there"))
            continue
        try:
            if orjson.dumps(event.to_json()) != line:
                issues.append(Issue(position, f"{where} is not byte for byte the envelope the ledger wrote"))
                continue
            if event.expected_hash() != event.hash:
                issues.append(Issue(position, f"{where} hash does not match the event's canonical bytes (altered)"))
                continue
        except (TypeError, ValueError) as exc:
            issues.append(Issue(position, f"{where} cannot be canonicalised: {exc}"))
            continue
        problem = _check_proof(by_position.get(position), event.hash, size, root)
        if problem:
            issues.append(Issue(position, f"{where} {problem}"))
            continue
        seen.add(position)
        proven[position] = event.hash
        events[position] = event
    report.events = len(seen)
    for entry in entries:
        pos = entry.get("position") if isinstance(entry, dict) else None
        if pos not in seen and not any(i.position == pos for i in issues):
            issues.append(Issue(pos, "has a proof in proofs.json but no event in events.jsonl"))

    if dossier is not None:
        if dossier.get("checkpoint") != checkpoint:
            issues.append(Issue(None, "dossier.json states a different checkpoint from proofs.json"))
        for pos, hash_ in sorted(cited_positions(dossier).items()):
            if any(i.position == pos for i in issues):
                continue
            if pos not in proven:
                issues.append(Issue(pos, "is cited by dossier.json but not in events.jsonl"))
            elif proven[pos] != hash_:
                issues.append(Issue(pos, "dossier.json cites it with a different hash"))
        if not report.unmanifested:  # the first format named no one's registering events
            issues += [Issue(pos, what, "dossier.json") for pos, what in check_names(dossier.get("names"), events)]
    # an event's own problem first (it names the position), then what concerns whole files
    report.issues.sort(key=lambda i: (i.position is None, i.position or 0))
    report.ok = not issues
    return report


def _check_checkpoint(
    checkpoint: Any,
    key: Ed25519PublicKey,
    log_verifier: Verifier | None,
    witnesses: list[Verifier],
    threshold: int,
    report: Report,
) -> str | None:
    """Why the checkpoint of proofs.json is not the ledger's (or not cosigned enough), or None;
    fills the report's size, root, time, key and cosigners."""
    if not isinstance(checkpoint, dict):
        return "proofs.json holds no checkpoint"
    if "note" not in checkpoint:  # the first format, of dossiers issued before C2SP checkpoints
        if not verify_checkpoint(key, checkpoint):
            return "the checkpoint in proofs.json is not signed by this public key (or was altered)"
        if threshold:
            return f"the checkpoint (format v1) carries no witness cosignatures, {threshold} are required"
        report.size, report.root = checkpoint["size"], checkpoint["root"]
        report.timestamp, report.key_id = checkpoint["timestamp"], checkpoint["key_id"]
        return None
    note = checkpoint["note"]
    if not isinstance(note, str):
        return "the checkpoint's note is not text"
    try:
        log_key = log_verifier or verifier(note.split("\n", 1)[0], key)
        signed, _ = open_checkpoint(note, log_key)
    except (NoteError, ValueError) as exc:
        return f"the checkpoint in proofs.json is not signed by this public key (or was altered): {exc}"
    try:
        _, cosigners = open_checkpoint(note, log_key, witnesses, threshold)
    except ValueError as exc:
        return f"the checkpoint is not cosigned by the witnesses required: {exc}"
    cp = signed.checkpoint
    if (checkpoint.get("size"), checkpoint.get("root")) != (cp.size, cp.root.hex()):
        return "the checkpoint's size or root in proofs.json differ from its signed note"
    report.size, report.root, report.timestamp = cp.size, cp.root.hex(), cp.timestamp
    report.key_id = f"{log_key.name}+{log_key.key_id.hex()}"
    times = {(s.name, s.key_id): posix_text(s.timestamp) for s in signed.signatures if len(s.signature) == 72}
    report.cosigned_by = [f"{w.name} at {times[(w.name, w.key_id)]}" for w in cosigners]
    return None


def _check_proof(entry: Any, event_hash: Any, size: int, root: bytes) -> str | None:
    if not isinstance(entry, dict):
        return "has no inclusion proof in proofs.json"
    position = entry.get("position")
    if entry.get("hash") != event_hash:
        return "its hash differs from the one proofs.json proves"
    if not isinstance(position, int) or not 0 < position <= size or entry.get("leaf_index") != position - 1:
        return f"lies outside the checkpoint's {size} events"
    try:
        proof = proof_from_hex(entry.get("proof") or [])
        leaf = event_leaf_hash(event_hash)
    except (ValueError, TypeError):
        return "its inclusion proof is malformed"
    if not verify_inclusion(leaf, position - 1, size, proof, root):
        return "its inclusion proof does not lead to the checkpoint's root"
    return None
