"""The data fields of every catalogue type (SPEC §5), declared as data.

``SCHEMAS[type][field]`` is a plain dict — ``type``, ``required``, and where they apply
``enum``, ``ref`` (which registry an id must be found in), ``items``, ``properties``,
``minimum``, ``pattern``, ``nullable`` and ``rule`` (the refusal slug for errors inside the
field, when it is not the generic ``schema``). ``validate.py`` compiles it into checkers and
``json_schema`` turns it into JSON Schema for the OpenAPI document, so the two never drift.

Field types: ``id`` (a non-empty string of at most 200 characters), ``text`` (a non-blank
string of at most 10,000), ``timestamp`` (RFC 3339 with an offset, 1949-10-01 to
2100-12-31), ``integer`` and ``number`` (always with both bounds), ``boolean``,
``enum``, ``array``, ``object``, ``basis_ref`` (a log position or an entity id) and
``forbidden`` (a field that must not be posted, e.g. an accident's derived ``grade``) and
``sealed`` (a personal field, SPEC §4: posted in the clear, stored encrypted under its
person's key — ``personal()`` declares one, ``ledger.personal`` seals it before the append).
"""

from __future__ import annotations

from typing import Any, Final

from ledger.domain import enums
from ledger.envelope import MAX_KEY_LENGTH

__all__ = [
    "MAX_AMOUNT",
    "MAX_COUNT",
    "MAX_ID_LENGTH",
    "MAX_ITEMS",
    "MAX_TEXT_LENGTH",
    "PERIOD_PATTERN",
    "POLICY_RULES",
    "SCHEMAS",
    "FieldSpec",
    "json_schema",
    "personal",
]

FieldSpec = dict[str, Any]

# The stated limits of every value a client posts: far beyond any real figure, and well
# inside what every consumer computes with (no overflow in dates, money or counts).
MAX_ID_LENGTH: Final = MAX_KEY_LENGTH  # the envelope's bound on every id and key
MAX_TEXT_LENGTH: Final = 10_000
#: the largest count (people, days, minutes, ranks): a million
MAX_COUNT: Final = 1_000_000
#: the largest amount (money in CNY, scores): 一万亿 (10^12)
MAX_AMOUNT: Final = 1e12
#: the longest list in an event
MAX_ITEMS: Final = 1000

#: 2019, 2019-10, 2019Q4, 2019H2, or a half month 2019-10-H1 / 2019-10-H2
PERIOD_PATTERN: Final = r"^\d{4}(Q[1-4]|H[12]|-(0[1-9]|1[0-2])(-H[12])?)?$"


def req(spec: FieldSpec) -> FieldSpec:
    return {**spec, "required": True}


def opt(spec: FieldSpec) -> FieldSpec:
    return {**spec, "required": False}


def ident(ref: str | None = None) -> FieldSpec:
    return {"type": "id", "ref": ref} if ref else {"type": "id"}


TEXT: Final[FieldSpec] = {"type": "text"}
TIMESTAMP: Final[FieldSpec] = {"type": "timestamp"}
BOOLEAN: Final[FieldSpec] = {"type": "boolean"}
PERIOD: Final[FieldSpec] = {"type": "text", "pattern": PERIOD_PATTERN}


def personal(plain: FieldSpec, caption: str, owner: str = "person_id") -> FieldSpec:
    """A personal field: posted as ``plain`` (checked before sealing), stored sealed under the
    key of the person the data field ``owner`` names; ``caption`` is its Chinese name."""
    return {"type": "sealed", "personal": {"plain": plain, "caption": caption, "owner": owner}}


#: the personal fields of a person (SPEC §4): the one declaration of what is personal
PERSONAL: Final[dict[str, FieldSpec]] = {
    # 居民身份证号码: 18 characters (17 digits and a check digit or X), or the old 15 digits
    "id_number": personal({"type": "text", "pattern": r"^([0-9]{17}[0-9Xx]|[0-9]{15})$"}, "身份证号码"),
    "phone": personal({"type": "text", "pattern": r"^\+?[0-9][0-9 -]{2,30}$"}, "联系电话"),
}


def enum(values: tuple[str, ...]) -> FieldSpec:
    return {"type": "enum", "enum": list(values)}


def integer(minimum: int | None = 0, maximum: int = MAX_COUNT) -> FieldSpec:
    """An integer from ``minimum`` (None: −``maximum``) to ``maximum``."""
    return {"type": "integer", "minimum": -maximum if minimum is None else minimum, "maximum": maximum}


def number(minimum: float | None = 0, maximum: float = MAX_AMOUNT) -> FieldSpec:
    """A number from ``minimum`` (None: −``maximum``) to ``maximum``."""
    return {"type": "number", "minimum": -maximum if minimum is None else minimum, "maximum": maximum}


def array(items: FieldSpec, min_items: int = 0, unique: bool = False) -> FieldSpec:
    return {"type": "array", "items": items, "min_items": min_items, "max_items": MAX_ITEMS, "unique": unique}


def obj(properties: dict[str, FieldSpec], min_properties: int = 0, **extra: Any) -> FieldSpec:
    return {"type": "object", "properties": properties, "min_properties": min_properties, **extra}


def _all_optional(fields: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
    return {name: opt(spec) for name, spec in fields.items()}


# --- §6: the keys a policy's ``rules`` may carry, with their value types -------------------

_POSITIVE = integer(1)
_MINUTES = obj(_all_optional({"initial": _POSITIVE, "written": _POSITIVE, "detailed": _POSITIVE}))
POLICY_RULES: Final[dict[str, FieldSpec]] = _all_optional(
    {
        "accident_report_minutes": _MINUTES,
        "hazard_progress_days": _POSITIVE,
        "monthly_report_day": integer(1, 31),
        "monthly_report_kinds": array(enum(enums.UNIT_KINDS), unique=True),
        "covering_visit_days": _POSITIVE,
        "principal_inspection_days": _POSITIVE,
        "illegal_sites_dismissal": obj(_all_optional({"township": _POSITIVE, "county": _POSITIVE})),
        "ranking": obj(
            _all_optional(
                {
                    "county_warning": integer(0),
                    "county_statement": integer(0),
                    "township_interview": integer(0),
                }
            )
        ),
        "elevate_general_accidents": BOOLEAN,
        "major_hazard_requires_suspension": BOOLEAN,
        "veto_grades": array(enum(("general", "larger", "major", "especially_major")), unique=True),
        "repeat_penalties": obj(_all_optional({"in_180_days": _POSITIVE, "in_365_days": _POSITIVE})),
        "investigation_report_days": _POSITIVE,
        "escalation_minutes": _POSITIVE,
        "exam_failure_removal": BOOLEAN,
        "cycle_580": obj(
            _all_optional({"collect_day": integer(1, 31), "consult_day": integer(1, 31), "listing_day": integer(1, 31)})
        ),
        "fatal_accident_sanctions": obj(
            {
                "within_days": req(_POSITIVE),
                "kinds": opt(array(enum(enums.UNIT_SANCTION_KINDS), min_items=1, unique=True)),
            }
        ),
    }
)

# --- registry ---------------------------------------------------------------------------

_UNIT_ATTRIBUTES: Final[dict[str, FieldSpec]] = {
    "name": TEXT,
    "kind": enum(enums.UNIT_KINDS),
    "parent_id": ident("unit"),
    "industry": enum(enums.INDUSTRIES),
    "above_scale": BOOLEAN,
    "risk_level": enum(enums.RISK_LEVELS),
    "address": TEXT,
}

_REGISTRY: Final[dict[str, dict[str, FieldSpec]]] = {
    "unit.registered": {
        "unit_id": req(ident()),
        "kind": req(enum(enums.UNIT_KINDS)),
        "name": req(TEXT),
        "parent_id": opt(ident("unit")),
        "industry": opt(enum(enums.INDUSTRIES)),
        "above_scale": opt(BOOLEAN),
        "risk_level": opt(enum(enums.RISK_LEVELS)),
        "address": opt(TEXT),
    },
    "unit.updated": {
        "unit_id": req(ident()),
        "changes": req(obj(_all_optional(_UNIT_ATTRIBUTES), min_properties=1)),
        "reason": opt(TEXT),
        # when the change takes effect in valid time (default: the event's occurred_at)
        "valid_from": opt(TIMESTAMP),
    },
    "unit.closed": {
        "unit_id": req(ident()),
        "reason": req(enum(enums.UNIT_CLOSURE_REASONS)),
        "note": opt(TEXT),
    },
    "person.registered": {
        "person_id": req(ident()),
        "name": req(TEXT),
        "title": req(TEXT),
        "unit_id": req(ident("unit")),
        **_all_optional(PERSONAL),
    },
    "person.updated": {
        "person_id": req(ident()),
        "changes": req(
            obj(
                _all_optional({"name": TEXT, "title": TEXT, "unit_id": ident("unit"), **PERSONAL}),
                min_properties=1,
            )
        ),
        "reason": opt(TEXT),
        "valid_from": opt(TIMESTAMP),
    },
    "person.departed": {"person_id": req(ident()), "reason": opt(TEXT)},
    # destroys the key of the person's personal fields (SPEC §4); admins only, with a reason
    "person.erased": {"person_id": req(ident()), "reason": req(TEXT)},
}

# --- duty ---------------------------------------------------------------------------------

_DUTY: Final[dict[str, dict[str, FieldSpec]]] = {
    "assignment.made": {
        "assignment_id": req(ident()),
        "role": req(enum(enums.ROLES)),
        "holder": req(ident("holder")),
        "target": req(ident("unit")),
        "valid_from": req(TIMESTAMP),
        "valid_to": opt(TIMESTAMP),
        "basis": opt(TEXT),
        # the industry an industry supervisor (行业监管责任人) answers for
        "industry": opt(enum(enums.INDUSTRIES)),
        # the assignment this post ends at its valid_from (a hand-over of the same role)
        "supersedes": opt(ident("assignment")),
        "note": opt(TEXT),
    },
    "assignment.ended": {
        "assignment_id": req(ident()),
        "valid_to": req(TIMESTAMP),
        "reason": opt(TEXT),
    },
    "assignment.corrected": {
        "assignment_id": req(ident()),
        "valid_from": opt(TIMESTAMP),
        # null re-opens the assignment (no end)
        "valid_to": opt({**TIMESTAMP, "nullable": True}),
        "holder": opt(ident("holder")),
        "reason": req(TEXT),
    },
}

# --- hazards and inspections -----------------------------------------------------------

_HAZARDS: Final[dict[str, dict[str, FieldSpec]]] = {
    "hazard.reported": {
        "hazard_id": req(ident()),
        "unit_id": req(ident("unit")),
        "severity": req(enum(enums.HAZARD_SEVERITIES)),
        "description": req(TEXT),
        "source": req(enum(enums.HAZARD_SOURCES)),
        "inspection_id": opt(ident("inspection")),
        "found_by": opt(ident("holder")),
        "category": opt(TEXT),
        "location": opt(TEXT),
    },
    "hazard.assigned": {
        "hazard_id": req(ident()),
        "responsible": req(ident("holder")),
        "deadline": req(TIMESTAMP),
        "assigned_by": opt(ident("holder")),
        "basis": opt(TEXT),
    },
    "hazard.deadline_extended": {
        "hazard_id": req(ident()),
        "deadline": req(TIMESTAMP),
        "approved_by": req(ident("holder")),
        "reason": req(TEXT),
    },
    "hazard.supervision_listed": {
        "hazard_id": req(ident()),
        "level": req(enum(enums.SUPERVISION_LEVELS)),
        "supervisor": req(ident("holder")),
        "basis": opt(TEXT),
    },
    "hazard.progress_reported": {
        "hazard_id": req(ident()),
        "note": req(TEXT),
        "by": opt(ident("holder")),
    },
    "hazard.rectified": {
        "hazard_id": req(ident()),
        "by": req(ident("holder")),
        "measures": req(TEXT),
        "cost_cny": opt(number()),
        # 立查立改 (枣庄 2021 通知 五): rectified on the spot, with no hand-over before it
        "on_the_spot": opt(BOOLEAN),
    },
    "hazard.verified": {
        "hazard_id": req(ident()),
        "verifier": req(ident("holder")),
        "passed": req(BOOLEAN),
        "note": req(TEXT),
    },
    "hazard.closed": {"hazard_id": req(ident()), "by": opt(ident("holder")), "note": opt(TEXT)},
    "inspection.conducted": {
        "inspection_id": req(ident()),
        "unit_id": req(ident("unit")),
        "kind": req(enum(enums.INSPECTION_KINDS)),
        "inspectors": req(array(ident("holder"), min_items=1, unique=True)),
        "result": req(TEXT),
        "hazard_ids": opt(array(ident("hazard"), unique=True)),
        # the person who led it (an enterprise principal's monthly inspection, 十个一次)
        "led_by": opt(ident("person")),
    },
}

# --- accidents ----------------------------------------------------------------------------

_ACCIDENTS: Final[dict[str, dict[str, FieldSpec]]] = {
    "accident.occurred": {
        "accident_id": req(ident()),
        "unit_id": req(ident("unit")),
        "deaths": req(integer(0)),
        "serious_injuries": req(integer(0)),
        "direct_loss_cny": req(number(0)),
        "description": req(TEXT),
        "illegal_operation": opt(BOOLEAN),
        # 敏感事件 (枣庄 2021 通知 十六): its stricter reporting deadlines bind it whatever its grade
        "sensitive": opt(BOOLEAN),
        "location": opt(TEXT),
        "grade": {
            "type": "forbidden",
            "required": False,
            "rule": "accident.grade",
            "why": "the grade is derived from deaths, serious injuries and direct loss "
            "(条例 第3条) and is never posted",
        },
    },
    "accident.reported": {
        "accident_id": req(ident()),
        "stage": req(enum(enums.ACCIDENT_REPORT_STAGES)),
        "to_unit": req(ident("unit")),
        "by": req(ident("holder")),
    },
    "accident.corrected": {
        "accident_id": req(ident()),
        "deaths": opt(integer(0)),
        "serious_injuries": opt(integer(0)),
        "direct_loss_cny": opt(number(0)),
        "reason": req(TEXT),
        "grade": {
            "type": "forbidden",
            "required": False,
            "rule": "accident.grade",
            "why": "the grade is derived again from the corrected figures (条例 第3条) and is never posted",
        },
    },
    "accident.investigation_opened": {
        "accident_id": req(ident()),
        "level": req(enum(enums.INVESTIGATION_LEVELS)),
        "elevated": opt(BOOLEAN),
        "led_by": opt(ident("unit")),
    },
    "accident.investigation_extended": {
        "accident_id": req(ident()),
        "days": req(integer(1, 60)),
        "approved_by": req(ident("holder")),
        "reason": opt(TEXT),
    },
    "accident.investigation_concluded": {
        "accident_id": req(ident()),
        "findings": req(TEXT),
        "responsible": req(
            array(
                obj(
                    {
                        "holder": req(ident("holder")),
                        "responsibility": req(enum(enums.RESPONSIBILITIES)),
                        "note": opt(TEXT),
                    }
                )
            )
        ),
    },
}

# --- enforcement, appraisal, reports, policy --------------------------------------------

_ENFORCEMENT: Final[dict[str, dict[str, FieldSpec]]] = {
    "sanction.imposed": {
        "sanction_id": req(ident()),
        "target": req(ident("holder")),
        "kind": req(enum(enums.SANCTION_KINDS)),
        "basis_refs": req(array({"type": "basis_ref"}, min_items=1, unique=True)),
        "issued_by": req(ident("holder")),
        "amount_cny": opt(number(0)),
        "until": opt(TIMESTAMP),
        "note": opt(TEXT),
    },
    "sanction.lifted": {"sanction_id": req(ident()), "reason": req(TEXT)},
    "illegal_site.found": {
        "site_id": req(ident()),
        "unit_id": req(ident("unit")),
        "description": req(TEXT),
        "stopped": req(BOOLEAN),
        "address": opt(TEXT),
    },
    "illegal_site.stopped": {
        "site_id": req(ident()),
        "by": req(ident("holder")),
        "measures": req(TEXT),
    },
    "visit.made": {
        "visit_id": req(ident()),
        "holder": req(ident("holder")),
        "target": req(ident("unit")),
        "purpose": req(enum(enums.VISIT_PURPOSES)),
        "participants": opt(array(ident("person"), unique=True)),
        "note": opt(TEXT),
    },
    "exam.taken": {
        "person_id": req(ident()),
        "subject": req(TEXT),
        "score": req(number(0)),
        "passed": req(BOOLEAN),
    },
    "evaluation.scored": {
        "unit_id": req(ident()),
        "period": req(PERIOD),
        "score": req(number(None)),
        "scope": req(enum(enums.EVALUATION_SCOPES)),
        "rank": opt(integer(1)),
    },
    "report.submitted": {
        "report_id": req(ident()),
        "kind": req(enum(enums.REPORT_KINDS)),
        "unit_id": req(ident("unit")),
        "period": req(PERIOD),
        "title": opt(TEXT),
    },
    "policy.adopted": {
        "policy_id": req(ident()),
        "jurisdiction": req(ident("unit")),
        "rules": req(obj(POLICY_RULES, rule="policy.rules")),
        "basis": req(TEXT),
        "valid_from": req(TIMESTAMP),
        "valid_to": opt(TIMESTAMP),
        "name": opt(TEXT),
    },
}

SCHEMAS: Final[dict[str, dict[str, FieldSpec]]] = {
    **_REGISTRY,
    **_DUTY,
    **_HAZARDS,
    **_ACCIDENTS,
    **_ENFORCEMENT,
}


# --- JSON Schema, for the OpenAPI document ----------------------------------------------

_JSON_TYPES: Final[dict[str, dict[str, Any]]] = {
    "id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
    "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_LENGTH},
    "timestamp": {"type": "string", "format": "date-time"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "enum": {"type": "string"},
    "basis_ref": {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": 2**53 - 1},
            {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
        ]
    },
}


def _field_json_schema(spec: FieldSpec) -> dict[str, Any]:
    kind = spec["type"]
    if kind == "sealed":  # what a client posts: the plain value (the ledger seals it)
        return {**_field_json_schema(spec["personal"]["plain"]), "x-personal": True}
    if kind == "array":
        out: dict[str, Any] = {"type": "array", "items": _field_json_schema(spec["items"])}
        if spec.get("min_items"):
            out["minItems"] = spec["min_items"]
        if spec.get("max_items"):
            out["maxItems"] = spec["max_items"]
        if spec.get("unique"):
            out["uniqueItems"] = True
        return out
    if kind == "object":
        return _object_json_schema(spec["properties"], spec.get("min_properties", 0))
    out = dict(_JSON_TYPES[kind])
    for key, json_key in (("enum", "enum"), ("minimum", "minimum"), ("maximum", "maximum")):
        if key in spec:
            out[json_key] = spec[key]
    if "pattern" in spec:
        out["pattern"] = spec["pattern"]
    if "ref" in spec:
        out["x-ref"] = spec["ref"]
    if spec.get("nullable"):
        return {"oneOf": [out, {"type": "null"}]}
    return out


def _object_json_schema(fields: dict[str, FieldSpec], min_properties: int = 0) -> dict[str, Any]:
    allowed = {n: s for n, s in fields.items() if s["type"] != "forbidden"}
    out: dict[str, Any] = {
        "type": "object",
        "properties": {n: _field_json_schema(s) for n, s in allowed.items()},
        "additionalProperties": False,
    }
    required = [n for n, s in allowed.items() if s.get("required")]
    if required:
        out["required"] = required
    if min_properties:
        out["minProperties"] = min_properties
    return out


def json_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of ``data`` for ``event_type`` (``x-ref`` names the registry of an id)."""
    return _object_json_schema(SCHEMAS[event_type])
