"""Building a dossier: the read models' answer, the events it rests on (and those that back every
name it shows), their proofs, the reader's documents, and the signed manifest over all of it.

``build_dossier(store, "accident:ACC-2019-0001", out_dir, notary=…)`` writes
``out_dir/dossier-accident-ACC-2019-0001/`` and a .zip of it beside it (``FILES``)::

    events.jsonl     the stored envelopes, sorted by position, byte for byte as the log holds
                     them (personal fields sealed)
    proofs.json      a signed checkpoint of the whole log at export, and for every event an
                     RFC 9162 inclusion proof against it
    public-key.pem   the ledger's Ed25519 public key (a reviewer gets it out of band too)
    dossier.json     the structured content: subject, chain or holdings, names, evidence
    dossier.pdf      the same as an official document (``dossier.pdf``)
    evidence.xlsx    the same as sheets (``dossier.xlsx``)
    manifest.txt     every file above with its SHA-256, as a note signed by the ledger

The content is the read models' as known at ``known_position`` (default: the position every
projection has folded, capped at the head); the checkpoint covers the whole log at export,
so every cited event is inside it. ``ops.verify_dossier`` checks a dossier with nothing but
the public key.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from dossier.collect import Collected, collect, read_positions
from dossier.content import (
    Content,
    UnknownPerson,
    content,
    period_bounds,
    person_holdings,
    projected_position,
    unknown_unit,
)
from dossier.format import FILES, FORMAT, cited_positions
from dossier.manifest import MANIFEST, manifest_note
from dossier.names import cite_backing, mentioned_ids, name_table
from dossier.subject import Subject, parse_subject
from dossier.words import summarize
from ledger.checkpoint import LogKey, public_key_pem
from ledger.envelope import StoredEvent
from ledger.integrity import Notary
from ledger.merkle import proof_to_hex
from ledger.personal import ERASED, fields_of
from ledger.store import EventStore
from ledger.store.personal import PersonalData
from ledger.timeutil import format_recorded, utc_now

__all__ = ["DEFAULT_ISSUER", "build_dossier", "zip_path"]

#: the issuing body when the operator has not named one (LEDGER_ISSUER)
DEFAULT_ISSUER = "安全生产责任账本"


def zip_path(directory: Path) -> Path:
    return directory.parent / f"{directory.name}.zip"


async def build_dossier(
    store: EventStore,
    subject: str,
    out_dir: Path,
    *,
    notary: Notary,
    issuer: str = DEFAULT_ISSUER,
    with_personal_data: bool = False,
    known_position: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the dossier of ``subject`` under ``out_dir`` (and its .zip); return its directory.

    ``progress`` is called with the number of events read each page of the pass over the
    log. Raises ``BadSubject`` or a read model's not-found error."""
    parsed = parse_subject(subject)
    head = (await store.head()).position
    position = min(
        known_position if known_position is not None else await projected_position(store.backend, head), head
    )
    found, log, names = await _gather(store, parsed, position, head, progress)
    events = [log.kept[p] for p in sorted(log.kept)]
    checkpoint, proven = await _proofs(notary, head, events)
    personal = await _personal(store, events) if with_personal_data else {}
    shown = {entity: entry["name"] for entity, entry in names.items() if entry.get("name")}
    dossier = {
        "format": FORMAT,
        "subject": parsed.label,
        "kind": parsed.kind,
        "id": parsed.id,
        "period": parsed.period,
        "issuer": {"name": issuer, "key_id": notary.key.verifier.key_id.hex(), "vkey": notary.key.vkey},
        "generated_at": format_recorded(utc_now()),
        "known_at_position": position,
        "at": found.at,
        "with_personal_data": with_personal_data,
        "checkpoint": checkpoint,
        "names": names,
        **found.sections,
        "evidence": [_evidence(e, shown, personal.get(e.position)) for e in events],
    }
    proofs = {
        "format": "duty-ledger dossier v1",
        "leaf": "leaf hash = SHA-256(0x00 || the 32 raw bytes of the event's hash); leaf index = position - 1",
        "checkpoint": checkpoint,
        "proofs": [proven[e.position] for e in events],
        "withheld": [],
    }
    directory = out_dir / f"dossier-{parsed.slug}"
    await asyncio.to_thread(
        _write_all, directory, events, proofs, dossier, public_key_pem(notary.key.public_key), notary.key
    )
    return directory


async def _gather(
    store: EventStore, subject: Subject, position: int, head: int, progress: Callable[[int], None] | None
) -> tuple[Content, Collected, dict[str, dict[str, Any]]]:
    """The read models' answer, the events it rests on, and the names it shows with theirs."""
    found = await content(store.backend, subject, position)
    period = period_bounds(subject) if subject.period else None
    log = await collect(store, subject, set(cited_positions(found.sections)), period, position, head, progress)
    _check_known(subject, log, position)
    if subject.kind == "person":
        targets = [e.data["target"] for e in log.kept.values() if e.type == "assignment.made"]
        found.sections["holdings"] = await person_holdings(store.backend, subject.id, targets, position)
        await _fetch(store, log, cited_positions(found.sections))  # a later correction of a holding
    # the events backing a name mention more (a unit's parent, a person's home unit): to a fixed point
    ids: set[str] = set()
    names: dict[str, dict[str, Any]] = {}
    while (wanted := mentioned_ids(log.names, subject.id, found.sections, _data(log))) - ids:
        ids |= wanted
        names = name_table(log.names, ids, found.at)
        await _fetch(store, log, {p for entry in names.values() for p in entry["positions"]})
    cite_backing(names, log.kept)
    return found, log, names


def _check_known(subject: Subject, log: Collected, position: int) -> None:
    if subject.kind in ("person", "unit") and not any(e.stream == subject.stream for e in log.kept.values()):
        raise unknown_unit(subject.id, position) if subject.kind == "unit" else UnknownPerson(subject.id, position)


def _data(log: Collected) -> list[Any]:
    return [e.data for e in log.kept.values()]


async def _fetch(store: EventStore, log: Collected, positions: Any) -> None:
    missing = [p for p in positions if p not in log.kept]
    for event in await read_positions(store, missing):
        log.kept[event.position] = event


async def _personal(store: EventStore, events: list[StoredEvent]) -> dict[int, dict[str, str]]:
    """Per event, its personal fields as a reader sees them: caption → value or 已删除."""
    revealed = await PersonalData(store.backend).reveal(events)
    out: dict[int, dict[str, str]] = {}
    for event in events:
        values = revealed.get(event.position)
        if values:
            captions = {f.path: f.caption for f in fields_of(event.type)}
            out[event.position] = {
                captions[path]: (ERASED["label"] if value == ERASED else str(value)) for path, value in values.items()
            }
    return out


def _evidence(e: StoredEvent, names: dict[str, str], personal: dict[str, str] | None) -> dict[str, Any]:
    entry = {
        "position": e.position,
        "hash": e.hash,
        "type": e.type,
        "stream": e.stream,
        "occurred_at": e.occurred_at,
        "recorded_at": e.recorded_at,
        "actor": e.actor,
        "summary": summarize(e, names, personal),
    }
    if personal:
        entry["personal"] = personal
    return entry


async def _proofs(
    notary: Notary, size: int, events: list[StoredEvent]
) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """The checkpoint of the tree of ``size`` (the signed note, with the witnesses'
    cosignatures) and each event's inclusion proof in it, from the log's Merkle tiles."""
    signed = await notary.cosign(await notary.checkpoint(size))
    paths = await notary.reader.inclusion_proofs([e.position - 1 for e in events], size)
    proven = {
        e.position: {"position": e.position, "leaf_index": e.position - 1, "hash": e.hash, "proof": proof_to_hex(path)}
        for e, path in zip(events, paths, strict=True)
    }
    return signed.to_json(notary.verifier), proven


def _write_all(
    directory: Path,
    events: list[StoredEvent],
    proofs: dict[str, Any],
    dossier: dict[str, Any],
    public_pem: str,
    key: LogKey,
) -> None:
    """Render the documents, sign the manifest, write the files into a fresh directory (a
    dossier written before under the same name is replaced whole) and zip them."""
    from dossier.pdf import render_pdf
    from dossier.xlsx import render_xlsx

    files = {
        "events.jsonl": b"".join(orjson.dumps(e.to_json()) + b"\n" for e in events),
        "proofs.json": orjson.dumps(proofs, option=orjson.OPT_INDENT_2),
        "public-key.pem": public_pem.encode("ascii"),
        "dossier.json": orjson.dumps(dossier, option=orjson.OPT_INDENT_2, default=str),
        "dossier.pdf": render_pdf(dossier),
        "evidence.xlsx": render_xlsx(dossier),
    }
    files[MANIFEST] = manifest_note(files, dossier["subject"], dossier["checkpoint"], key).encode("utf-8")
    staging = directory.with_name(f".{directory.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, data in files.items():
        (staging / name).write_bytes(data)
    if directory.exists():
        shutil.rmtree(directory)
    staging.rename(directory)
    with zipfile.ZipFile(zip_path(directory), "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            archive.writestr(f"{directory.name}/{name}", files[name])
