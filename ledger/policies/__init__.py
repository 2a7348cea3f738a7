"""The notices as ready policies (SPEC §6): policy documents shipped with the ledger, as data.

Each ``*.json`` file beside this module is one notice read closely: its ``policy_id``,
``name``, ``basis`` (the document number as the notice writes it), ``jurisdiction`` (a unit
id) and valid interval as the notice states them, the ``rules`` it really sets (SPEC §6
keys only), and for every rule the part of the notice and the sentence it comes from
(``sources``). ``not_rules`` says what the notice says that sets no key, and why.
``adopter_sets`` names the parts of a rule the notice leaves to the adopting jurisdiction
(临汾's ``fatal_accident_sanctions.within_days``): an adoption must give them.

Every document is checked when this module is imported — its shape, its rules against the
domain's own schema of ``policy.adopted`` — so a malformed file fails loudly at start and in
the tests, never at adoption. ``adoption`` builds the ``policy.adopted`` event that ``ledger
policy adopt`` and the demo city post through the normal path.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

import orjson

from ledger.domain.policy import RULE_KEYS
from ledger.domain.validate import validate
from ledger.errors import DomainRefused, LedgerError
from ledger.timeutil import BEIJING, parse_timestamp

__all__ = [
    "READY",
    "NotAdoptable",
    "PolicyDocumentError",
    "ReadyPolicy",
    "UnknownPolicy",
    "adoption",
    "beijing_date",
    "ready_policy",
]


class PolicyDocumentError(LedgerError):
    """A shipped policy document is malformed (a defect of this release, found at import)."""

    code = "policy-document"


class NotAdoptable(LedgerError):
    """An adoption the document does not allow (no rule key; a part not the adopter's)."""

    code = "policy-not-adoptable"


class UnknownPolicy(LedgerError):
    code = "unknown-policy"

    def __init__(self, policy_id: str) -> None:
        self.policy_id = policy_id
        super().__init__(f"no ready policy {policy_id!r}; `ledger policy list` shows them")


@dataclass(frozen=True)
class ReadyPolicy:
    """One notice as a policy document (see the module docstring for the fields)."""

    policy_id: str
    name: str
    basis: str
    notice: str
    title: str
    issued_by: str
    issued_on: str | None
    jurisdiction: str
    jurisdiction_name: str
    valid_from: str
    valid_to: str | None
    validity: Mapping[str, str]
    rules: Mapping[str, Any]
    sources: Mapping[str, Mapping[str, str]]
    adopter_sets: Mapping[str, str] = field(default_factory=dict)
    not_rules: tuple[Mapping[str, str], ...] = ()
    phases: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    file: str = ""

    @property
    def adoptable(self) -> bool:
        """A document that sets no rule key has nothing to adopt (临沂 2020 总结)."""
        return bool(self.rules)


_REQUIRED: Final = (
    "policy_id",
    "name",
    "basis",
    "notice",
    "title",
    "issued_by",
    "jurisdiction",
    "jurisdiction_name",
    "valid_from",
    "validity",
    "rules",
    "sources",
)
_OPTIONAL: Final = ("issued_on", "valid_to", "adopter_sets", "not_rules", "phases", "notes")
#: what an adopter-set part takes when a document is checked (every such part is a count of days)
_PROBE: Final = 1


def _fail(name: str, message: str) -> PolicyDocumentError:
    return PolicyDocumentError(f"policy document {name}: {message}")


def _with_parts(rules: Mapping[str, Any], parts: Mapping[str, Any]) -> dict[str, Any]:
    """``rules`` with ``KEY.PART`` values filled in (a deep copy; the document is not touched)."""
    filled = copy.deepcopy(dict(rules))
    for path, value in parts.items():
        key, _, part = path.partition(".")
        target = filled.setdefault(key, {})
        if not part or not isinstance(target, dict):
            raise ValueError(f"{path}: not a part of an object-valued rule")
        target[part] = value
    return filled


def _check_shape(name: str, raw: dict[str, Any]) -> None:
    missing = [k for k in _REQUIRED if k not in raw]
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise _fail(name, f"missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
    if not {"part", "quote", "reading"} <= set(raw["validity"]):
        raise _fail(name, "validity needs part, quote and reading")
    keys = set(raw["rules"])
    if not keys <= RULE_KEYS:
        raise _fail(name, f"rules {sorted(keys - RULE_KEYS)} are not keys of SPEC §6")
    if set(raw["sources"]) != keys:
        raise _fail(name, f"every rule needs a source and every source a rule: {sorted(keys ^ set(raw['sources']))}")
    for key, source in raw["sources"].items():
        if set(source) != {"part", "quote"} or not all(isinstance(v, str) and v.strip() for v in source.values()):
            raise _fail(name, f"the source of {key} must give its part and quote")
    for item in raw.get("not_rules", []):
        if set(item) != {"part", "quote", "why"}:
            raise _fail(name, "each of not_rules needs part, quote and why")
    for path in raw.get("adopter_sets", {}):
        if path.partition(".")[0] not in keys:
            raise _fail(name, f"adopter_sets names {path}, a part of no rule the document sets")


def _check_event(name: str, raw: dict[str, Any]) -> None:
    """The document's adoption must pass the domain's own schema of ``policy.adopted``."""
    probe = dict.fromkeys(raw.get("adopter_sets", {}), _PROBE)
    data = _event_data(raw, raw["policy_id"], raw["jurisdiction"], raw["valid_from"], raw.get("valid_to"), probe)
    try:
        validate("policy.adopted", data)
    except DomainRefused as refused:
        raise _fail(name, str(refused)) from None
    start, end = parse_timestamp(raw["valid_from"]), raw.get("valid_to")
    if end is not None and parse_timestamp(end) <= start:
        raise _fail(name, "valid_to is not after valid_from")


def _event_data(
    raw: Mapping[str, Any],
    policy_id: str,
    jurisdiction: str,
    valid_from: str,
    valid_to: str | None,
    parts: Mapping[str, Any],
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "policy_id": policy_id,
        "jurisdiction": jurisdiction,
        "rules": _with_parts(raw["rules"], parts),
        "basis": raw["basis"],
        "valid_from": valid_from,
        "name": raw["name"],
    }
    if valid_to is not None:
        data["valid_to"] = valid_to
    return data


def _load(name: str, text: bytes) -> ReadyPolicy:
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _fail(name, f"not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise _fail(name, "must be a JSON object")
    _check_shape(name, raw)
    _check_event(name, raw)
    return ReadyPolicy(
        **{k: raw[k] for k in _REQUIRED},
        issued_on=raw.get("issued_on"),
        valid_to=raw.get("valid_to"),
        adopter_sets=raw.get("adopter_sets", {}),
        not_rules=tuple(raw.get("not_rules", ())),
        phases=tuple(raw.get("phases", ())),
        notes=tuple(raw.get("notes", ())),
        file=name,
    )


def _load_all() -> dict[str, ReadyPolicy]:
    found: dict[str, ReadyPolicy] = {}
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        policy = _load(entry.name, entry.read_bytes())
        if policy.policy_id in found:
            raise _fail(entry.name, f"policy_id {policy.policy_id} is also {found[policy.policy_id].file}'s")
        found[policy.policy_id] = policy
    if not found:
        raise PolicyDocumentError("no policy documents were shipped beside ledger/policies/__init__.py")
    return dict(sorted(found.items(), key=lambda item: (item[1].valid_from, item[0])))


#: every ready policy by id, checked at import
READY: Final[dict[str, ReadyPolicy]] = _load_all()


def ready_policy(policy_id: str) -> ReadyPolicy:
    try:
        return READY[policy_id]
    except KeyError:
        raise UnknownPolicy(policy_id) from None


def adoption(
    policy: ReadyPolicy,
    *,
    jurisdiction: str | None = None,
    valid_from: str | None = None,
    valid_to: str | None = None,
    parts: Mapping[str, Any] | None = None,
    policy_id: str | None = None,
) -> dict[str, Any]:
    """The data of the ``policy.adopted`` that adopts ``policy``: the document's rules, basis,
    jurisdiction and interval unless overridden, with the parts the notice leaves to the
    adopter (``adopter_sets``) filled from ``parts``. Adopted for another jurisdiction, its
    id is the document's followed by that jurisdiction, so that one ledger can hold both."""
    if not policy.adoptable:
        raise NotAdoptable(f"{policy.policy_id} ({policy.notice}) sets no rule key: there is nothing to adopt")
    given = dict(parts or {})
    unknown = sorted(set(given) - set(policy.adopter_sets))
    if unknown:
        raise NotAdoptable(
            f"{policy.policy_id} sets its rules as {policy.notice} states them; only "
            f"{sorted(policy.adopter_sets) or 'nothing'} is the adopter's to set, not {unknown}"
        )
    missing = sorted(set(policy.adopter_sets) - set(given))
    if missing:
        why = "; ".join(f"{path}: {policy.adopter_sets[path]}" for path in missing)
        raise NotAdoptable(f"{policy.policy_id} leaves {', '.join(missing)} to the adopter ({why}); give it with --set")
    where = jurisdiction or policy.jurisdiction
    if policy_id is None:
        policy_id = policy.policy_id if where == policy.jurisdiction else f"{policy.policy_id}-{where}"
    start = valid_from or policy.valid_from
    end = valid_to if valid_to is not None else policy.valid_to
    return _event_data(
        {"rules": policy.rules, "basis": policy.basis, "name": policy.name}, policy_id, where, start, end, given
    )


def beijing_date(timestamp: str) -> str:
    """The Beijing date of a timestamp (``2019-10-19``), for listings."""
    return parse_timestamp(timestamp).astimezone(BEIJING).date().isoformat()
