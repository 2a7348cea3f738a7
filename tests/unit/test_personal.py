"""Personal fields (SPEC §4): declared once in the schema, sealed deterministically under a
person's key, never echoed in an error."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.catalogue import EVENT_TYPES
from ledger.domain.schema import PERSONAL, SCHEMAS, json_schema
from ledger.labels import LABELS
from ledger.personal import (
    PERSONAL_FIELDS,
    PERSONAL_NAMES,
    check_plain,
    is_sealed,
    new_key,
    open_sealed,
    personal_values,
    replace_values,
    seal,
    strip_personal,
)

ID_NUMBER = "37130219900101123X"


def test_the_personal_fields_come_from_the_one_declaration_in_the_schema() -> None:
    """Every place a declared personal field occurs is found, nested ones too; nothing else."""
    assert PERSONAL_NAMES == set(PERSONAL) == {"id_number", "phone"}
    places = {(f.event_type, f.pointer) for f in PERSONAL_FIELDS}
    assert places == {
        ("person.registered", "id_number"),
        ("person.registered", "phone"),
        ("person.updated", "changes/id_number"),
        ("person.updated", "changes/phone"),
    }
    assert all(f.owner == "person_id" and f.caption for f in PERSONAL_FIELDS)


def test_person_erased_is_in_the_catalogue_with_a_required_reason_and_a_label() -> None:
    assert EVENT_TYPES["person.erased"] == ("person", "person_id")
    assert SCHEMAS["person.erased"]["reason"]["required"] is True
    assert LABELS["event_type"]["person.erased"] == "个人信息删除"


def test_the_openapi_schema_shows_what_a_client_posts() -> None:
    """A client posts the plain value; the schema says it is personal."""
    registered = json_schema("person.registered")["properties"]["id_number"]
    assert registered["type"] == "string"
    assert registered["x-personal"] is True
    assert "pattern" in registered


def test_sealing_is_deterministic_per_key_person_field_and_value() -> None:
    """The same post sealed twice gives the same bytes (an idempotent retry stores the same
    event); another person, field, value or key gives other bytes."""
    key = new_key()
    sealed = seal(key, "P-1", "id_number", ID_NUMBER)
    assert is_sealed(sealed)
    assert ID_NUMBER not in sealed
    assert seal(key, "P-1", "id_number", ID_NUMBER) == sealed
    others = {
        seal(key, "P-2", "id_number", ID_NUMBER),
        seal(key, "P-1", "phone", ID_NUMBER),
        seal(key, "P-1", "id_number", ID_NUMBER[:-1] + "1"),
        seal(new_key(), "P-1", "id_number", ID_NUMBER),
    }
    assert sealed not in others
    assert len(others) == 4
    assert open_sealed(key, "P-1", "id_number", sealed) == ID_NUMBER


def test_a_sealed_value_opens_only_under_its_key_person_and_field() -> None:
    key = new_key()
    sealed = seal(key, "P-1", "id_number", ID_NUMBER)
    for args in ((new_key(), "P-1", "id_number"), (key, "P-2", "id_number"), (key, "P-1", "phone")):
        with pytest.raises(ValueError, match="does not open"):
            open_sealed(*args, sealed)
    with pytest.raises(ValueError, match="not a sealed value"):
        open_sealed(key, "P-1", "id_number", ID_NUMBER)


@pytest.mark.parametrize("value", ["3713021990010112", "37130219900101123Y", "", "   ", 370102, "1" * 80])
def test_a_malformed_personal_value_is_refused_without_repeating_it(value: object) -> None:
    """The refusal reaches logs and problem documents: it names the field, never the value."""
    field = next(f for f in PERSONAL_FIELDS if f.pointer == "id_number")
    error = check_plain(field, value)
    assert error is not None
    assert error.path == "data/id_number"
    assert "身份证号码" in error.message
    if isinstance(value, str) and value.strip():
        assert value not in str(error)


def test_well_formed_values_pass() -> None:
    fields = {f.pointer: f for f in PERSONAL_FIELDS if f.event_type == "person.registered"}
    assert check_plain(fields["id_number"], ID_NUMBER) is None
    assert check_plain(fields["id_number"], "371302900101123") is None
    assert check_plain(fields["phone"], "+86 138-0000-0000") is None


def test_values_are_found_replaced_and_stripped_at_any_depth() -> None:
    data: dict[str, Any] = {"person_id": "P-1", "changes": {"title": "站长", "phone": "13800000000"}}
    found = personal_values("person.updated", data)
    assert [(f.pointer, owner, value) for f, owner, value in found] == [("changes/phone", "P-1", "13800000000")]
    replaced = replace_values(data, {("changes", "phone"): "x"})
    assert replaced == {"person_id": "P-1", "changes": {"title": "站长", "phone": "x"}}
    assert data["changes"]["phone"] == "13800000000"  # the original is untouched
    assert strip_personal(data) == {"person_id": "P-1", "changes": {"title": "站长"}}
    assert personal_values("hazard.reported", {"phone": "1"}) == []
