"""Canonical bytes are RFC 8785 (JCS), so that the chain verifies in any language."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.canonical import GENESIS_HASH, canonical_bytes, chain_hash
from ledger.envelope import StoredEvent


@pytest.mark.parametrize(
    ("value", "text"),
    [  # RFC 8785 appendix B and §3.2.2.3
        (333333333.33333329, "333333333.3333333"),
        (1e30, "1e+30"),
        (4.50, "4.5"),
        (2e-3, "0.002"),
        (0.000000000000000000000000001, "1e-27"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (-0.0, "0"),
        (5e-324, "5e-324"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (123.456, "123.456"),
        (9007199254740991, "9007199254740991"),
    ],
)
def test_numbers_are_written_as_ecmascript_writes_them(value: float, text: str) -> None:
    assert canonical_bytes(value).decode() == text


def test_keys_are_sorted_by_utf16_code_units() -> None:
    """RFC 8785 §3.2.3: the example with a key outside the Basic Multilingual Plane."""
    value = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    keys = list(json.loads(canonical_bytes(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_strings_are_utf8_with_minimal_escapes() -> None:
    assert canonical_bytes({"名": '兰山\n"区"\u001f'}) == '{"名":"兰山\\n\\"区\\"\\u001f"}'.encode()


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**53) + 1, 2**53 - 1)
        | st.text()
        | st.floats(allow_nan=False, allow_infinity=False),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
        max_leaves=20,
    )
)
def test_canonical_bytes_parse_back_to_the_same_value(value: object) -> None:
    """Whatever the fast or the slow path wrote is JSON that means the same value."""
    assert json.loads(canonical_bytes(value)) == value


def test_a_known_event_has_a_known_hash() -> None:
    """A fixed vector for outside verifiers (the README quotes it)."""
    event = StoredEvent(
        position=1,
        stream="unit:371300",
        version=1,
        type="unit.registered",
        occurred_at="2019-10-08T09:00:00+08:00",
        recorded_at="2019-10-08T01:00:00.000000Z",
        actor="cli:clerk",
        data={"unit_id": "371300", "kind": "city", "name": "临沂市"},
        idempotency_key=None,
        prev_hash=GENESIS_HASH,
        hash="",
    )
    assert (
        event.canonical()
        == (
            '{"actor":"cli:clerk","data":{"kind":"city","name":"临沂市","unit_id":"371300"},'
            '"idempotency_key":null,"occurred_at":"2019-10-08T09:00:00+08:00","position":1,'
            '"recorded_at":"2019-10-08T01:00:00.000000Z","stream":"unit:371300","type":"unit.registered",'
            '"version":1}'
        ).encode()
    )
    assert chain_hash(GENESIS_HASH, event.canonical()) == KNOWN_HASH


KNOWN_HASH = "742ba32a8769fc254af3210026f1a778ad93fb6c8aa0bd22b06901fb39726962"


@given(
    st.dictionaries(
        st.text(max_size=6),
        st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.text(), st.floats(allow_nan=False, allow_infinity=False)),
        max_size=5,
    ),
    st.text(),
    st.none() | st.text(min_size=1),
)
def test_the_spliced_envelope_equals_canonicalising_it_whole(
    data: dict[str, object], actor: str, key: str | None
) -> None:
    """StoredEvent.canonical() reuses the data's bytes; it must be the same as doing it all at once."""
    event = StoredEvent(
        7,
        "unit:U",
        2,
        "unit.updated",
        "2019-10-08T09:00:00+08:00",
        "2019-10-08T01:00:00.000000Z",
        actor,
        data,
        key,
        GENESIS_HASH,
        "",
    )
    whole = {k: v for k, v in event.to_json().items() if k not in ("prev_hash", "hash")}
    assert event.canonical() == canonical_bytes(whole)
