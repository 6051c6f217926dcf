"""The canonical encoding: the fast encoder always equals the documented specification."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.canonical import (
    GENESIS_HASH,
    HEADER_FIELDS,
    NotCanonicalisable,
    canonical_payload,
    canonical_time,
    header_json_from_row,
    record_hash_from_row,
    reference_header_json,
    reference_record_hash,
)

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
maybe_text = st.none() | text
weird = st.none() | text | st.integers() | st.booleans() | st.floats(allow_nan=False) | st.lists(st.integers())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=20,
)


def header_row(values: dict) -> tuple:
    return tuple(values[name] for name in HEADER_FIELDS)


@given(
    st.fixed_dictionaries(
        {name: st.integers(min_value=1) if name in ("seq", "stream_version") else maybe_text for name in HEADER_FIELDS}
    )
)
def test_the_fast_header_encoder_matches_json_dumps_sorted(header: dict) -> None:
    row = header_row(header)
    assert header_json_from_row(row) == json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@given(st.fixed_dictionaries({name: weird for name in HEADER_FIELDS}), text)
def test_any_stored_value_is_hashed_exactly_as_the_specification_says(header: dict, payload: str) -> None:
    # Tampered rows can hold any type; the fast path must never disagree with the specification.
    row = header_row(header)
    try:
        expected = reference_record_hash(header, payload)
    except TypeError:
        with pytest.raises(TypeError):
            record_hash_from_row(row, payload)
        return
    assert record_hash_from_row(row, payload) == expected
    assert header_json_from_row(row) == reference_header_json(row)


@given(st.dictionaries(text, json_values, max_size=6))
def test_a_canonical_payload_survives_a_json_round_trip(payload: dict) -> None:
    # An auditor re-encodes the JSON-lines payload object; that must give back the stored text.
    stored = canonical_payload(payload)
    assert canonical_payload(json.loads(stored)) == stored


def test_canonical_text_is_sorted_compact_and_keeps_unicode() -> None:
    assert canonical_payload({"b": 1, "a": "Côte d’Ivoire", "c": [1.5, None]}) == (
        '{"a":"Côte d’Ivoire","b":1,"c":[1.5,null]}'
    )


def test_common_python_values_get_one_documented_text_form() -> None:
    when = datetime(2027, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert canonical_payload({"due_at": when, "amount": Decimal("12000.50")}) == (
        '{"amount":"12000.50","due_at":"2027-03-01T09:00:00.000000Z"}'
    )


@pytest.mark.parametrize("payload", [{"x": float("nan")}, {"x": {1, 2}}, {"x": object()}, {"x": "\ud800"}])
def test_values_without_a_canonical_form_are_refused(payload: dict) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_payload(payload)


def test_times_are_utc_with_microseconds_and_z() -> None:
    assert canonical_time(datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2027-01-02T03:04:05.000000Z"
    assert canonical_time(datetime(2027, 1, 2, 3, 4, 5, 7, tzinfo=timezone(-timedelta(hours=5)))) == (
        "2027-01-02T08:04:05.000007Z"
    )
    with pytest.raises(ValueError):
        canonical_time(datetime(2027, 1, 2))


def test_genesis_is_sixty_four_zeros() -> None:
    assert GENESIS_HASH == "0" * 64
