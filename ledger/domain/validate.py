"""Check a posted event's ``data`` against its declared fields (``schema.SCHEMAS``).

The declarations are compiled once into small checker closures, because ``decide`` runs
for every posted event and must stay fast. Each refusal is a ``DomainRefused`` naming the
first bad field, in declaration order (unknown fields after the declared ones); nested
fields are named by their path (``responsible/0/holder``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Final

from ledger.domain.schema import MAX_ID_LENGTH, MAX_ITEMS, MAX_TEXT_LENGTH, SCHEMAS, FieldSpec
from ledger.errors import DomainRefused
from ledger.timeutil import parse_timestamp

__all__ = ["SCHEMA_RULE", "references", "validate"]

SCHEMA_RULE: Final = "schema"
#: an id holds no control character at all (free text may hold tab and line breaks; the
#: envelope refuses every other control character in any string)
_CONTROL = re.compile("[\x00-\x1f\x7f]")

Checker = Callable[[Any, str, str], None]  # (value, path, rule) → None or raise


def _refuse(rule: str, path: str, message: str) -> DomainRefused:
    return DomainRefused(rule, f"{path}: {message}" if path else message, field=path or None)


def _check_id(value: Any, path: str, rule: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise _refuse(rule, path, f"must be a non-empty id of at most {MAX_ID_LENGTH} characters")
    if _CONTROL.search(value):
        raise _refuse(rule, path, "must not hold a control character (tab, line break …)")


def _check_text(value: Any, path: str, rule: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise _refuse(rule, path, "must be a non-blank text")
    if len(value) > MAX_TEXT_LENGTH:
        raise _refuse(rule, path, f"must be at most {MAX_TEXT_LENGTH} characters long")


def _check_timestamp(value: Any, path: str, rule: str) -> None:
    try:
        parse_timestamp(value)
    except ValueError as exc:
        raise _refuse(rule, path, str(exc)) from None


def _check_boolean(value: Any, path: str, rule: str) -> None:
    if not isinstance(value, bool):
        raise _refuse(rule, path, "must be true or false")


def _check_basis_ref(value: Any, path: str, rule: str) -> None:
    # a log position or an entity id; whether it exists is the sanction rule's business
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _refuse(rule, path, "must be a log position (an integer) or an entity id")
    if isinstance(value, str):
        _check_id(value, path, rule)


def _check_sealed(value: Any, path: str, rule: str) -> None:
    # a personal field reaches the domain sealed by the append step (ledger.personal), never plain
    from ledger.personal import is_sealed

    if not is_sealed(value):
        raise _refuse(rule, path, "is personal data and must be sealed before it is stored (ledger.personal)")


def _numeric(spec: FieldSpec, integral: bool) -> Checker:
    low, high = spec.get("minimum"), spec.get("maximum")
    wanted = "an integer" if integral else "a number"

    def check(value: Any, path: str, rule: str) -> None:
        ok_type = isinstance(value, int) if integral else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type:
            raise _refuse(rule, path, f"must be {wanted}")
        if low is not None and value < low:
            raise _refuse(rule, path, f"must be at least {low}")
        if high is not None and value > high:
            raise _refuse(rule, path, f"must be at most {high}")

    return check


def _enum(spec: FieldSpec) -> Checker:
    allowed = frozenset(spec["enum"])
    listing = ", ".join(spec["enum"])

    def check(value: Any, path: str, rule: str) -> None:
        if not isinstance(value, str) or value not in allowed:
            raise _refuse(rule, path, f"{value!r} is not one of: {listing}")

    return check


def _pattern(spec: FieldSpec, inner: Checker) -> Checker:
    regex = re.compile(spec["pattern"])

    def check(value: Any, path: str, rule: str) -> None:
        inner(value, path, rule)
        if not regex.match(value):
            raise _refuse(rule, path, f"{value!r} is not a period such as 2019, 2019-10 or 2019Q4")

    return check


def _array(spec: FieldSpec) -> Checker:
    item = compile_field(spec["items"])
    min_items, unique = spec.get("min_items", 0), spec.get("unique", False)
    max_items = spec.get("max_items", MAX_ITEMS)

    def check(value: Any, path: str, rule: str) -> None:
        if not isinstance(value, list):
            raise _refuse(rule, path, "must be a list")
        if len(value) < min_items:
            raise _refuse(rule, path, f"must list at least {min_items} item(s)")
        if len(value) > max_items:
            raise _refuse(rule, path, f"must list at most {max_items} items")
        for index, element in enumerate(value):
            item(element, f"{path}/{index}", rule)
        if unique and len({repr(v) for v in value}) != len(value):
            raise _refuse(rule, path, "lists an item more than once")

    return check


def _object(spec: FieldSpec) -> Checker:
    check_fields = compile_fields(spec["properties"])
    min_properties = spec.get("min_properties", 0)
    own_rule = spec.get("rule")

    def check(value: Any, path: str, rule: str) -> None:
        rule = own_rule or rule
        if not isinstance(value, dict):
            raise _refuse(rule, path, "must be an object")
        if len(value) < min_properties:
            raise _refuse(rule, path, f"must name at least {min_properties} field(s)")
        check_fields(value, path + "/", rule)

    return check


_SIMPLE: Final[dict[str, Checker]] = {
    "id": _check_id,
    "text": _check_text,
    "timestamp": _check_timestamp,
    "boolean": _check_boolean,
    "basis_ref": _check_basis_ref,
    "sealed": _check_sealed,
}


def compile_field(spec: FieldSpec) -> Checker:
    kind = spec["type"]
    checker: Checker
    if kind in _SIMPLE:
        checker = _SIMPLE[kind]
    elif kind in ("integer", "number"):
        checker = _numeric(spec, kind == "integer")
    elif kind == "enum":
        checker = _enum(spec)
    elif kind == "array":
        checker = _array(spec)
    elif kind == "object":
        checker = _object(spec)
    else:
        raise ValueError(f"unknown field type {kind!r}")
    if "pattern" in spec:
        checker = _pattern(spec, checker)
    if spec.get("nullable"):
        return _nullable(checker)
    return checker


def _nullable(inner: Checker) -> Checker:
    def check(value: Any, path: str, rule: str) -> None:
        if value is not None:
            inner(value, path, rule)

    return check


FieldsChecker = Callable[[dict[str, Any], str, str], None]


def compile_fields(fields: dict[str, FieldSpec]) -> FieldsChecker:
    """One checker for an object: forbidden fields, then declared ones, then unknown ones."""
    forbidden = {n: s for n, s in fields.items() if s["type"] == "forbidden"}
    declared = [
        (name, bool(spec.get("required")), compile_field(spec))
        for name, spec in fields.items()
        if spec["type"] != "forbidden"
    ]
    allowed = frozenset(name for name, _, _ in declared)

    def check(data: dict[str, Any], prefix: str, rule: str) -> None:
        for name, spec in forbidden.items():
            if name in data:
                raise _refuse(spec.get("rule", rule), prefix + name, spec["why"])
        for name, required, checker in declared:
            if name in data:
                checker(data[name], prefix + name, rule)
            elif required:
                raise _refuse(rule, prefix + name, "is required")
        if not allowed.issuperset(data):
            unknown = sorted(set(data) - allowed)[0]
            raise _refuse(rule, prefix + unknown, "is not a field of this event")

    return check


_CHECKERS: Final[dict[str, FieldsChecker]] = {
    event_type: compile_fields(fields) for event_type, fields in SCHEMAS.items()
}


def validate(event_type: str, data: dict[str, Any]) -> None:
    """Raise ``DomainRefused`` (rule ``schema`` or the field's own) on the first bad field."""
    _CHECKERS[event_type](data, "", SCHEMA_RULE)


# --- references: every id that must be found in a registry ------------------------------

RefPath = tuple[str, ...]  # field names and "*" for every item of a list


def _ref_paths(fields: dict[str, FieldSpec], prefix: RefPath = ()) -> list[tuple[RefPath, str]]:
    found: list[tuple[RefPath, str]] = []
    for name, spec in fields.items():
        found.extend(_spec_ref_paths(spec, (*prefix, name)))
    return found


def _spec_ref_paths(spec: FieldSpec, path: RefPath) -> list[tuple[RefPath, str]]:
    if spec["type"] == "array":
        return _spec_ref_paths(spec["items"], (*path, "*"))
    if spec["type"] == "object":
        return _ref_paths(spec["properties"], path)
    return [(path, spec["ref"])] if spec.get("ref") else []


_REF_PATHS: Final[dict[str, list[tuple[RefPath, str]]]] = {
    event_type: _ref_paths(fields) for event_type, fields in SCHEMAS.items()
}


def references(event_type: str, data: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Every (field path, registry, id) the data refers to. On data ``validate`` has not
    passed yet, what is not shaped as declared is skipped (``validate`` will refuse it)."""
    for path, registry in _REF_PATHS[event_type]:
        yield from _walk(data, path, "", registry)


def _walk(value: Any, path: RefPath, shown: str, registry: str) -> Iterator[tuple[str, str, str]]:
    if not path:
        if isinstance(value, str):
            yield shown, registry, value
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if not isinstance(value, list):
            return
        for index, item in enumerate(value):
            yield from _walk(item, rest, f"{shown}/{index}", registry)
    elif isinstance(value, dict) and head in value:
        yield from _walk(value[head], rest, f"{shown}/{head}" if shown else head, registry)
