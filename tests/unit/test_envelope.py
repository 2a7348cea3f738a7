"""The envelope: what a client may send, and what is refused before anything is decided."""

from __future__ import annotations

import pytest

from ledger.envelope import parse_proposed
from ledger.errors import InvalidEnvelope

GOOD = {
    "type": "hazard.reported",
    "occurred_at": "2019-10-08T09:00:00+08:00",
    "data": {"hazard_id": "HZ-2019-0001", "unit_id": "91371300MA3C000001"},
}


def _errors(raw: object) -> dict[str, str]:
    with pytest.raises(InvalidEnvelope) as caught:
        parse_proposed(raw, "test")
    return {e.path: e.message for e in caught.value.errors}


def test_the_stream_is_derived_from_the_entity_id() -> None:
    event = parse_proposed(GOOD, "clerk")
    assert (event.stream, event.entity_id, event.actor) == ("hazard:HZ-2019-0001", "HZ-2019-0001", "clerk")


@pytest.mark.parametrize(
    ("event_type", "data", "stream"),
    [
        ("exam.taken", {"person_id": "P1"}, "person:P1"),
        ("evaluation.scored", {"unit_id": "371302"}, "unit:371302"),
        ("illegal_site.found", {"site_id": "S1"}, "illegal_site:S1"),
        ("report.submitted", {"report_id": "R1"}, "report:R1"),
    ],
)
def test_events_about_another_entity_go_to_its_stream(event_type: str, data: dict[str, str], stream: str) -> None:
    raw = {"type": event_type, "occurred_at": "2019-10-08T09:00:00Z", "data": data}
    assert parse_proposed(raw, "t").stream == stream


def test_a_stream_that_contradicts_the_entity_is_refused() -> None:
    assert "stream" in _errors({**GOOD, "stream": "hazard:HZ-OTHER"})
    assert parse_proposed({**GOOD, "stream": "hazard:HZ-2019-0001"}, "t").stream == "hazard:HZ-2019-0001"


@pytest.mark.parametrize(
    "stamp",
    [
        "2019-10-08T09:00:00",
        "2019-10-08",
        "2019-10-08 09:00",
        "yesterday",
        1570496400,
        "2019-13-40T09:00:00Z",
    ],
)
def test_timestamps_without_an_offset_or_malformed_are_refused(stamp: object) -> None:
    assert "occurred_at" in _errors({**GOOD, "occurred_at": stamp})


def test_the_offset_is_kept_and_the_text_normalised() -> None:
    assert parse_proposed({**GOOD, "occurred_at": "2019-10-08t09:00:00.500+08:00"}, "t").occurred_at == (
        "2019-10-08T09:00:00.500000+08:00"
    )
    assert parse_proposed({**GOOD, "occurred_at": "2019-10-08T01:00:00Z"}, "t").occurred_at == (
        "2019-10-08T01:00:00+00:00"
    )


@pytest.mark.parametrize("raw", [[], "x", None, 3])
def test_an_event_must_be_an_object(raw: object) -> None:
    assert "" in _errors(raw)


def test_every_bad_field_is_named_at_once() -> None:
    errors = _errors({"type": "hazard.exploded", "occurred_at": "soon", "data": [], "surprise": 1})
    assert set(errors) == {"type", "occurred_at", "data", "surprise"}


def test_the_entity_id_is_required() -> None:
    assert "data/hazard_id" in _errors({**GOOD, "data": {"unit_id": "U"}})
    assert "data/hazard_id" in _errors({**GOOD, "data": {"hazard_id": "  "}})


@pytest.mark.parametrize("value", [2**53, -(2**60)])
def test_integers_beyond_the_safe_range_are_refused(value: int) -> None:
    data = {**GOOD["data"], "deaths": value}  # type: ignore[dict-item]
    assert "data/deaths" in _errors({**GOOD, "data": data})


def test_expected_version_and_idempotency_key_are_checked() -> None:
    assert "expected_version" in _errors({**GOOD, "expected_version": -1})
    assert "expected_version" in _errors({**GOOD, "expected_version": True})
    assert "idempotency_key" in _errors({**GOOD, "idempotency_key": ""})
    event = parse_proposed({**GOOD, "expected_version": 0}, "t", idempotency_key="from-header")
    assert (event.expected_version, event.idempotency_key) == (0, "from-header")


def test_server_fields_sent_back_are_ignored() -> None:
    event = parse_proposed({**GOOD, "position": 99, "hash": "x", "actor": "forged"}, "real")
    assert event.actor == "real"
