"""The declared fields: every catalogue type, errors that name the field, JSON Schema for OpenAPI."""

from __future__ import annotations

import pytest

from ledger.catalogue import EVENT_TYPES
from ledger.domain import RULES, SCHEMAS, json_schema, validate
from ledger.errors import DomainRefused


def test_every_catalogue_type_has_a_schema_and_a_rule() -> None:
    assert set(SCHEMAS) == set(EVENT_TYPES)
    assert set(RULES) == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_the_entity_id_field_is_a_required_id(event_type: str) -> None:
    _, id_field = EVENT_TYPES[event_type]
    spec = SCHEMAS[event_type][id_field]
    assert spec["type"] == "id"
    assert spec["required"] is True


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_json_schema_is_a_closed_object(event_type: str) -> None:
    schema = json_schema(event_type)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])


def refusal(event_type: str, data: dict[str, object]) -> DomainRefused:
    with pytest.raises(DomainRefused) as caught:
        validate(event_type, data)
    return caught.value


def test_a_missing_required_field_is_named() -> None:
    error = refusal("hazard.assigned", {"hazard_id": "H1", "responsible": "P1"})
    assert (error.rule, error.field) == ("schema", "deadline")
    assert "deadline" in error.message


def test_the_first_bad_field_in_declaration_order_is_named() -> None:
    error = refusal("unit.registered", {"unit_id": "U", "kind": "planet", "name": ""})
    assert error.field == "kind"


def test_an_unknown_field_is_refused() -> None:
    error = refusal("unit.closed", {"unit_id": "U", "reason": "shut_down", "id_number": "3713…"})
    assert (error.rule, error.field) == ("schema", "id_number")


@pytest.mark.parametrize("text", ["2019-10-20", "2019-10-20T08:00:00", "soon", 20191020])
def test_timestamps_inside_data_need_an_offset(text: object) -> None:
    error = refusal("hazard.assigned", {"hazard_id": "H1", "responsible": "P1", "deadline": text})
    assert error.field == "deadline"


def test_blank_text_is_refused() -> None:
    assert refusal("person.departed", {"person_id": "P", "reason": "  "}).field == "reason"


def test_a_closure_names_what_happened() -> None:
    """关闭取缔 is not 注销: a closure's reason is one of the codes, each with its own label."""
    error = refusal("unit.closed", {"unit_id": "U", "reason": "关闭取缔"})
    assert (error.rule, error.field) == ("schema", "reason")


def test_unit_changes_name_known_attributes_only() -> None:
    validate("unit.updated", {"unit_id": "U", "changes": {"risk_level": "red", "above_scale": False}})
    assert refusal("unit.updated", {"unit_id": "U", "changes": {}}).field == "changes"
    assert refusal("unit.updated", {"unit_id": "U", "changes": {"colour": "red"}}).field == "changes/colour"
    assert refusal("unit.updated", {"unit_id": "U", "changes": {"risk_level": "pink"}}).field == "changes/risk_level"


def test_enums_of_spec_5_are_declared() -> None:
    assert "territorial" in SCHEMAS["assignment.made"]["role"]["enum"]
    assert "covert" in SCHEMAS["inspection.conducted"]["kind"]["enum"]
    assert "veto" in SCHEMAS["sanction.imposed"]["kind"]["enum"]
    assert SCHEMAS["accident.reported"]["stage"]["enum"] == ["initial", "written", "detailed"]
    assert SCHEMAS["evaluation.scored"]["scope"]["enum"] == ["county", "township", "department"]
    assert "enterprise" in SCHEMAS["unit.registered"]["kind"]["enum"]
