"""The event envelope of SPEC §3: what a client proposes and what the log stores.

``parse_proposed`` is the one entrance for every event from outside (HTTP, ``ledger
import``): it checks the envelope's shape, the catalogue type, the timestamps and the
stream, and returns a ``Proposed`` event or raises ``InvalidEnvelope`` naming each bad
field. The domain's own rules are applied afterwards, by the appender.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.canonical import canonical_bytes, canonical_envelope, chain_hash, is_safe_integer
from ledger.catalogue import EVENT_TYPES, stream_for
from ledger.errors import FieldError, InvalidEnvelope
from ledger.timeutil import normalise_timestamp

__all__ = [
    "Proposed",
    "StoredEvent",
    "check_storable",
    "event_canonical",
    "forbidden_character",
    "parse_proposed",
    "verify_link",
]

CLIENT_FIELDS = frozenset({"type", "stream", "occurred_at", "data", "idempotency_key", "expected_version"})
#: set by the server; a client may send them back (e.g. re-importing an export) but they are ignored
SERVER_FIELDS = frozenset({"position", "version", "recorded_at", "actor", "prev_hash", "hash"})
MAX_KEY_LENGTH = 200
MAX_DEPTH = 16
#: the longest stream name (a prefix and an id of at most MAX_KEY_LENGTH) and actor
MAX_STREAM_LENGTH = 256
MAX_ACTOR_LENGTH = 512

#: characters no string of an event may hold: NUL (PostgreSQL's text cannot hold it), lone
#: surrogates (not UTF-8 at all), and the other C0 controls and DEL but tab, LF and CR
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def forbidden_character(text: str) -> str | None:
    """Why ``text`` cannot be stored (the first forbidden character), or None."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    return f"holds the character U+{ord(found.group()):04X}, which the ledger does not store"


@dataclass(frozen=True, slots=True)
class Proposed:
    """An event a client asks the ledger to append, already shape-checked."""

    type: str
    stream: str
    occurred_at: str  # normalised RFC 3339, the client's offset kept
    data: dict[str, Any]
    actor: str
    idempotency_key: str | None = None
    expected_version: int | None = None
    #: canonical bytes of ``data``, computed once (fingerprint and hash both need them)
    data_bytes: bytes = field(default=b"", compare=False, repr=False)

    @property
    def entity_id(self) -> str:
        return self.stream.partition(":")[2]

    def request_hash(self) -> str:
        """Fingerprint of the body, to tell a retry from a reuse of an idempotency key."""
        body = canonical_envelope(
            {"actor": self.actor, "occurred_at": self.occurred_at, "stream": self.stream, "type": self.type},
            self.data_bytes or canonical_bytes(self.data),
        )
        return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the log holds it. ``hash`` chains it to the event before."""

    position: int
    stream: str
    version: int
    type: str
    occurred_at: str
    recorded_at: str
    actor: str
    data: dict[str, Any]
    idempotency_key: str | None
    prev_hash: str
    hash: str
    data_bytes: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def sealed(cls, proposed: Proposed, position: int, version: int, recorded_at: str, prev_hash: str) -> StoredEvent:
        """``proposed`` as the log stores it at ``position``, its hash chained to ``prev_hash``."""
        data = proposed.data_bytes or canonical_bytes(proposed.data)
        canonical = event_canonical(
            position,
            proposed.stream,
            version,
            proposed.type,
            proposed.occurred_at,
            recorded_at,
            proposed.actor,
            data,
            proposed.idempotency_key,
        )
        return cls(
            position,
            proposed.stream,
            version,
            proposed.type,
            proposed.occurred_at,
            recorded_at,
            proposed.actor,
            proposed.data,
            proposed.idempotency_key,
            prev_hash,
            chain_hash(prev_hash, canonical),
            data,
        )

    def canonical(self) -> bytes:
        """The bytes the hash covers (README, "Verifying the chain")."""
        return event_canonical(
            self.position,
            self.stream,
            self.version,
            self.type,
            self.occurred_at,
            self.recorded_at,
            self.actor,
            self.data_bytes or canonical_bytes(self.data),
            self.idempotency_key,
        )

    def expected_hash(self) -> str:
        return chain_hash(self.prev_hash, self.canonical())

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "stream": self.stream,
            "version": self.version,
            "type": self.type,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "data": self.data,
            "idempotency_key": self.idempotency_key,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def event_canonical(
    position: int,
    stream: str,
    version: int,
    type: str,
    occurred_at: str,
    recorded_at: str,
    actor: str,
    data: bytes,
    idempotency_key: str | None,
) -> bytes:
    """RFC 8785 bytes of the envelope without its hashes: the one definition of what is hashed."""
    return canonical_envelope(
        {
            "actor": actor,
            "idempotency_key": idempotency_key,
            "occurred_at": occurred_at,
            "position": position,
            "recorded_at": recorded_at,
            "stream": stream,
            "type": type,
            "version": version,
        },
        data,
    )


def parse_proposed(raw: object, actor: str, idempotency_key: str | None = None) -> Proposed:
    """Check one envelope from outside. ``idempotency_key`` (e.g. a header) fills in a missing one."""
    if not isinstance(raw, dict):
        raise InvalidEnvelope([FieldError("", "an event must be a JSON object")])
    errors: list[FieldError] = []
    for name in raw.keys() - CLIENT_FIELDS - SERVER_FIELDS:
        errors.append(FieldError(name, "is not a field of an event envelope"))

    event_type = raw.get("type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        errors.append(FieldError("type", f"{event_type!r} is not an event type of the catalogue"))
        event_type = None

    occurred_at = ""
    try:
        occurred_at = normalise_timestamp(raw.get("occurred_at"))
    except ValueError as exc:
        errors.append(FieldError("occurred_at", str(exc)))

    data = raw.get("data")
    if not isinstance(data, dict):
        errors.append(FieldError("data", "must be a JSON object"))
        data = {}
    elif not _sound(data):  # the fast scan; the slow walk only to name what is wrong
        errors.extend(_check_json(data, "data", 0))

    stream = _check_stream(event_type, raw.get("stream"), data, errors)
    key = raw.get("idempotency_key", idempotency_key)
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH):
        errors.append(FieldError("idempotency_key", f"must be a string of 1 to {MAX_KEY_LENGTH} characters"))
    elif key is not None and (why := forbidden_character(key)):
        errors.append(FieldError("idempotency_key", why))
    expected = raw.get("expected_version")
    if expected is not None and (type(expected) is not int or expected < 0):
        errors.append(FieldError("expected_version", "must be a non-negative integer"))

    if errors:
        raise InvalidEnvelope(errors)
    assert event_type is not None
    return Proposed(event_type, stream, occurred_at, data, actor, key, expected, canonical_bytes(data))


def _check_stream(event_type: str | None, given: object, data: dict[str, Any], errors: list[FieldError]) -> str:
    if given is not None and not isinstance(given, str):
        errors.append(FieldError("stream", "must be a string"))
        return ""
    if event_type is None:
        return ""
    _, id_field = EVENT_TYPES[event_type]
    entity_id = data.get(id_field)
    if not isinstance(entity_id, str) or not entity_id.strip() or len(entity_id) > MAX_KEY_LENGTH:
        errors.append(
            FieldError(f"data/{id_field}", f"is required: a non-empty id of at most {MAX_KEY_LENGTH} characters")
        )
        return ""
    if forbidden_character(entity_id):
        return ""  # named by the walk over data
    derived = stream_for(event_type, entity_id)
    if given is not None and given != derived:
        errors.append(FieldError("stream", f"{given!r} contradicts the entity id: this event belongs to {derived!r}"))
    return derived


_LEAVES = (str, bool, type(None))


def _sound(data: dict[str, Any]) -> bool:
    """True when every value is one canonicalisation keeps as it is (iterative: hot path).
    Strings and keys are gathered and searched for forbidden characters in one pass."""
    texts: list[str] = []
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        container, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return False
        if type(container) is dict:
            for key in container:
                if type(key) is not str:
                    return False
            texts.extend(container)
            values = container.values()
        else:
            values = container
        for value in values:
            kind = type(value)
            if kind is str:
                texts.append(value)
            elif kind is dict or kind is list:
                stack.append((value, depth + 1))
            elif kind is int:
                if not is_safe_integer(value):
                    return False
            elif kind is float:
                if value != value or value in (float("inf"), float("-inf")):
                    return False
            elif kind not in _LEAVES:
                return False
    return _FORBIDDEN.search("".join(texts)) is None


def _check_json(value: object, path: str, depth: int) -> list[FieldError]:
    """Only what survives canonicalisation unchanged: safe integers, finite floats, str keys."""
    if depth > MAX_DEPTH:
        return [FieldError(path, f"nests deeper than {MAX_DEPTH} levels")]
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _check_member(k, v, path, depth)]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _check_json(v, f"{path}/{i}", depth + 1)]
    if isinstance(value, str):
        why = forbidden_character(value)
        return [FieldError(path, why)] if why else []
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [] if is_safe_integer(value) else [FieldError(path, "integer out of range (±2^53−1)")]
    if isinstance(value, float):
        ok = value == value and abs(value) != float("inf")
        return [] if ok else [FieldError(path, "must be a finite number")]
    return [FieldError(path, "is not a JSON value")]


def _check_member(key: object, value: object, path: str, depth: int) -> list[FieldError]:
    if not isinstance(key, str):
        return [FieldError(path, f"has a key that is not a string: {key!r}")]
    why = forbidden_character(key)
    if why:
        return [FieldError(path, f"has a key that {why}: {key!r}")]
    return _check_json(value, f"{path}/{key}", depth + 1)


def check_storable(events: Sequence[Proposed]) -> None:
    """Refuse, before it joins a group commit, any event a database could refuse to store.

    ``parse_proposed`` already ensures this for everything from outside; this is the store's
    own guard for every caller, so that one request's values can never fail the
    transaction it shares with other requests. Raises ``InvalidEnvelope`` naming the event
    and the field.
    """
    for index, event in enumerate(events):
        errors = _unstorable(event)
        if errors:
            raise InvalidEnvelope(errors, index if len(events) > 1 else None)


def _unstorable(event: Proposed) -> list[FieldError]:
    key = event.idempotency_key or ""
    # the common case in one search over every plain field (the hot path of every append);
    # the fields are walked one by one only to name what is wrong
    fits = (
        len(event.type) <= MAX_STREAM_LENGTH
        and len(event.stream) <= MAX_STREAM_LENGTH
        and len(event.occurred_at) <= MAX_STREAM_LENGTH
        and len(event.actor) <= MAX_ACTOR_LENGTH
        and len(key) <= MAX_KEY_LENGTH
    )
    if fits and not _FORBIDDEN.search(event.type + event.stream + event.occurred_at + event.actor + key):
        errors: list[FieldError] = []
    else:
        errors = _plain_errors(event, key)
    # inside data a control character is written escaped (\u0000, \b, \f) and DEL as it is,
    # so the fast test is on the canonical bytes; only a hit (or unserialised data) is walked
    raw = event.data_bytes
    marked = not raw or b"\\u00" in raw or b"\\b" in raw or b"\\f" in raw or b"\x7f" in raw
    if marked and not _sound(event.data):
        errors.extend(_check_json(event.data, "data", 0))
    return errors


def _plain_errors(event: Proposed, key: str) -> list[FieldError]:
    errors = []
    plain = (
        ("type", event.type, MAX_STREAM_LENGTH),
        ("stream", event.stream, MAX_STREAM_LENGTH),
        ("occurred_at", event.occurred_at, MAX_STREAM_LENGTH),
        ("actor", event.actor, MAX_ACTOR_LENGTH),
        ("idempotency_key", key, MAX_KEY_LENGTH),
    )
    for name, text, longest in plain:
        if len(text) > longest:
            errors.append(FieldError(name, f"is longer than {longest} characters"))
        elif why := forbidden_character(text):
            errors.append(FieldError(name, why))
    return errors


def verify_link(event: StoredEvent, prev_hash: str) -> str | None:
    """Why ``event`` breaks the chain after ``prev_hash``, or None when it holds."""
    if event.prev_hash != prev_hash:
        return "prev_hash does not match the hash of the event before"
    if event.hash != event.expected_hash():
        return "hash does not match the event's canonical bytes"
    return None
