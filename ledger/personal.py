"""Personal data (SPEC §4): which fields are personal, sealing them under a person's key, and
how they read afterwards. No I/O here: the keys live in the key table
(``ledger.store.personal``), outside the hash chain.

**What is personal** is declared once, in the schema (``ledger.domain.schema.PERSONAL``,
``personal()``): today ``id_number`` and ``phone`` of ``person.registered`` and of a
``person.updated``'s ``changes``. ``PERSONAL_FIELDS`` lists every place such a field can
occur, derived from the schema, so a field declared personal tomorrow is sealed, presented
and erased without another line here.

**Sealed**: a personal value is stored as ``sealed:v1:<base64url>``, the AES-SIV (RFC 5297,
AES-256) encryption of the UTF-8 value under the person's 64-byte key, with the associated
data ``duty-ledger personal v1``, the person's id and the field's name. AES-SIV is
deterministic: the same (key, person, field, value) always gives the same bytes, so a
retried post (same idempotency key) stores the same event, and no nonce or anything else
derived from the plaintext is kept beside it. The hash chain covers the sealed text.

**Erased**: once ``person.erased`` destroyed the key, the value cannot be recovered by
anyone; it reads as ``ERASED`` (``{"erased": true, "label": "已删除"}``) in every answer,
while every hash and proof over the sealed text still verifies.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from ledger.domain.schema import SCHEMAS, FieldSpec
from ledger.errors import FieldError

__all__ = [
    "ERASED",
    "KEY_BYTES",
    "PERSONAL_FIELDS",
    "PERSONAL_NAMES",
    "PERSONAL_TYPES",
    "WITHHELD",
    "PersonalField",
    "check_plain",
    "is_sealed",
    "new_key",
    "open_sealed",
    "personal_values",
    "replace_values",
    "seal",
    "strip_personal",
]

PREFIX: Final = "sealed:v1:"
KEY_BYTES: Final = 64  # AES-256-SIV
_DOMAIN: Final = b"duty-ledger personal v1"
_SEALED: Final = re.compile(r"^sealed:v1:[A-Za-z0-9_-]{22,}$")
MAX_PLAIN: Final = 64

#: how an erased personal field reads everywhere
ERASED: Final[dict[str, Any]] = {"erased": True, "label": "已删除"}
#: how it reads to someone who may not read personal data (not an investigator or admin)
WITHHELD: Final[dict[str, Any]] = {"withheld": True, "label": "已隐去"}


@dataclass(frozen=True, slots=True)
class PersonalField:
    """One place a personal field occurs: ``path`` inside the data of ``event_type``."""

    event_type: str
    path: tuple[str, ...]
    #: the top-level data field naming the person whose key seals it
    owner: str
    caption: str
    plain: FieldSpec

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def pointer(self) -> str:
        return "/".join(self.path)


def _walk(event_type: str, fields: dict[str, FieldSpec], prefix: tuple[str, ...]) -> Iterator[PersonalField]:
    for name, spec in fields.items():
        if spec["type"] == "sealed":
            marker = spec["personal"]
            yield PersonalField(event_type, (*prefix, name), marker["owner"], marker["caption"], marker["plain"])
        elif spec["type"] == "object":
            yield from _walk(event_type, spec["properties"], (*prefix, name))
        elif spec["type"] == "array" and _has_sealed(spec["items"]):
            raise ValueError(f"{event_type}: a personal field inside a list ({name}) is not supported")


def _has_sealed(spec: FieldSpec) -> bool:
    if spec["type"] == "sealed":
        return True
    if spec["type"] == "object":
        return any(_has_sealed(s) for s in spec["properties"].values())
    return spec["type"] == "array" and _has_sealed(spec["items"])


PERSONAL_FIELDS: Final[tuple[PersonalField, ...]] = tuple(
    f for event_type, fields in SCHEMAS.items() for f in _walk(event_type, fields, ())
)
PERSONAL_TYPES: Final[frozenset[str]] = frozenset(f.event_type for f in PERSONAL_FIELDS)
PERSONAL_NAMES: Final[frozenset[str]] = frozenset(f.name for f in PERSONAL_FIELDS)
_BY_TYPE: Final[dict[str, tuple[PersonalField, ...]]] = {
    t: tuple(f for f in PERSONAL_FIELDS if f.event_type == t) for t in PERSONAL_TYPES
}


def fields_of(event_type: str) -> tuple[PersonalField, ...]:
    return _BY_TYPE.get(event_type, ())


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for step in path:
        if not isinstance(value, Mapping) or step not in value:
            return None
        value = value[step]
    return value


def personal_values(event_type: str, data: Mapping[str, Any]) -> list[tuple[PersonalField, str, Any]]:
    """Every personal field present in ``data``: (field, owner id, value as stored or posted)."""
    found = []
    for f in fields_of(event_type):
        value = _get(data, f.path)
        if value is not None:
            owner = data.get(f.owner)
            found.append((f, owner if isinstance(owner, str) else "", value))
    return found


def replace_values(data: Mapping[str, Any], values: Mapping[tuple[str, ...], Any]) -> dict[str, Any]:
    """A copy of ``data`` with the value at each path replaced (the rest shared, not copied)."""
    out = dict(data)
    for path, value in values.items():
        target = out
        for step in path[:-1]:
            target[step] = dict(target[step])
            target = target[step]
        target[path[-1]] = value
    return out


def strip_personal(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without any personal field, at any depth (for summaries)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in PERSONAL_NAMES:
            continue
        out[key] = strip_personal(value) if isinstance(value, Mapping) else value
    return out


# -- sealing -------------------------------------------------------------------------------


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _associated(owner: str, name: str) -> list[bytes]:
    return [_DOMAIN, owner.encode(), name.encode()]


def seal(key: bytes, owner: str, name: str, plain: str) -> str:
    """The sealed text of ``plain``: deterministic for (key, owner, field name, value)."""
    blob = AESSIV(key).encrypt(plain.encode(), _associated(owner, name))
    return PREFIX + base64.urlsafe_b64encode(blob).rstrip(b"=").decode("ascii")


def open_sealed(key: bytes, owner: str, name: str, sealed: str) -> str:
    """The plain value; ValueError if ``sealed`` is not a value sealed under this key."""
    if not is_sealed(sealed):
        raise ValueError("not a sealed value")
    body = sealed[len(PREFIX) :]
    try:
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return AESSIV(key).decrypt(blob, _associated(owner, name)).decode()
    except (binascii.Error, InvalidTag, UnicodeDecodeError):
        raise ValueError("the sealed value does not open under this person's key") from None


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and _SEALED.match(value) is not None


def check_plain(field: PersonalField, value: object) -> FieldError | None:
    """Whether a posted personal value is well-formed. The message never repeats the value:
    it would otherwise reach logs and problem documents."""
    where = f"data/{field.pointer}"
    if not isinstance(value, str) or not value.strip():
        return FieldError(where, f"{field.caption} ({field.name}) must be a non-blank text")
    if len(value) > MAX_PLAIN:
        return FieldError(where, f"{field.caption} ({field.name}) is longer than {MAX_PLAIN} characters")
    pattern = field.plain.get("pattern")
    if pattern and not re.match(pattern, value):
        return FieldError(where, f"is not a well-formed {field.caption} ({field.name})")
    return None
