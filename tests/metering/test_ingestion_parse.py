"""metering.ingestion: raw event dicts into EventRecords, or Lago error codes by path."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metering.ingestion import datetime_from_unix_seconds, events_parse
from metering.usage import exact_number

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
NOW_SECONDS = int(NOW.timestamp())
ORGANIZATION_ID = uuid.uuid4()


def parse(*raw_events, keyed_by_index=True):
    return events_parse(raw_events, organization_id=ORGANIZATION_ID, now=NOW, keyed_by_index=keyed_by_index)


def event(**overrides):
    return {"transaction_id": "tr_1", "external_subscription_id": "sub_1", "code": "calls", **overrides}


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (None, NOW),
        (NOW_SECONDS, NOW),
        (str(NOW_SECONDS), NOW),
        (NOW_SECONDS + 0.5, NOW + timedelta(milliseconds=500)),
        (f"{NOW_SECONDS}.25", NOW + timedelta(milliseconds=250)),
        (f"{NOW_SECONDS}.", NOW),
        (NOW_SECONDS - 5 * 365 * 86400, NOW - timedelta(days=5 * 365)),
        (NOW_SECONDS + 86400, NOW + timedelta(days=1)),
    ],
)
def test_accepted_timestamps(timestamp, expected):
    parsed = parse(event(timestamp=timestamp))

    assert parsed.errors == {}
    assert parsed.records[0].timestamp == expected


@pytest.mark.parametrize(
    ("timestamp", "code"),
    [
        ("2026-11-21T12:00:00Z", "invalid_format"),
        ("abc", "invalid_format"),
        ("", "invalid_format"),
        (" 1795282420", "invalid_format"),
        ("1e9", "invalid_format"),
        (True, "invalid_format"),
        ([NOW_SECONDS], "invalid_format"),
        ({"seconds": NOW_SECONDS}, "invalid_format"),
        (NOW_SECONDS - 5 * 365 * 86400 - 86401, "value_is_out_of_range"),
        (NOW_SECONDS + 86401, "value_is_out_of_range"),
        (NOW_SECONDS * 1000, "value_is_out_of_range"),  # milliseconds sent as seconds
        (0, "value_is_out_of_range"),
        (-1, "value_is_out_of_range"),
        ("9" * 400, "value_is_out_of_range"),
        (1e300, "value_is_out_of_range"),
    ],
)
def test_refused_timestamps(timestamp, code):
    parsed = parse(event(timestamp=timestamp), keyed_by_index=False)

    assert parsed.errors == {"timestamp": [code]}
    assert parsed.records == []


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"transaction_id": None}, {"transaction_id": ["value_is_mandatory"]}),
        ({"transaction_id": ""}, {"transaction_id": ["value_is_mandatory"]}),
        ({"code": 12}, {"code": ["invalid_type"]}),
        ({"code": "c" * 256}, {"code": ["value_is_too_long"]}),
        ({"external_subscription_id": "s" * 256}, {"external_subscription_id": ["value_is_too_long"]}),
        ({"transaction_id": "t" * 256}, {"transaction_id": ["value_is_too_long"]}),
        ({"transaction_id": "a\x00b"}, {"transaction_id": ["invalid_value"]}),
        ({"properties": {"nested": {"a": 1}}}, {"properties.nested": ["invalid_value"]}),
        ({"properties": {"list": [1, 2]}}, {"properties.list": ["invalid_value"]}),
        ({"properties": {"nul": "a\x00"}}, {"properties.nul": ["invalid_value"]}),
        ({"properties": ["a"]}, {"properties": ["invalid_type"]}),
        ({"properties": "calls=1"}, {"properties": ["invalid_type"]}),
        ({"properties": {f"k{i}": i for i in range(101)}}, {"properties": ["too_many_properties"]}),
        ({"properties": {"k" * 101: 1}}, {"properties": ["invalid_key"]}),
        ({"precise_total_amount_cents": "abc"}, {"precise_total_amount_cents": ["invalid_value"]}),
        ({"precise_total_amount_cents": "NaN"}, {"precise_total_amount_cents": ["invalid_value"]}),
        ({"precise_total_amount_cents": "Infinity"}, {"precise_total_amount_cents": ["invalid_value"]}),
        ({"precise_total_amount_cents": True}, {"precise_total_amount_cents": ["invalid_type"]}),
        ({"precise_total_amount_cents": {"a": 1}}, {"precise_total_amount_cents": ["invalid_type"]}),
        ({"precise_total_amount_cents": "1" * 26}, {"precise_total_amount_cents": ["value_is_out_of_range"]}),
        (
            {"precise_total_amount_cents": "-" + "9" * 25 + ".9999999999999996"},  # rounds to -10**25
            {"precise_total_amount_cents": ["value_is_out_of_range"]},
        ),
        ({"precise_total_amount_cents": "1e100"}, {"precise_total_amount_cents": ["value_is_out_of_range"]}),
    ],
)
def test_refused_fields(overrides, errors):
    assert parse(event(**overrides), keyed_by_index=False).errors == errors


def test_a_missing_event_field_is_mandatory_and_every_error_is_listed():
    parsed = parse({"timestamp": "2026-01-01"}, keyed_by_index=False)

    assert parsed.errors == {
        "transaction_id": ["value_is_mandatory"],
        "external_subscription_id": ["value_is_mandatory"],
        "code": ["value_is_mandatory"],
        "timestamp": ["invalid_format"],
    }


def test_batch_errors_are_keyed_by_index_and_field():
    parsed = parse(event(), event(timestamp="abc"), "not an event", event(code=None, properties={"x": [1]}))

    assert parsed.errors == {
        "1.timestamp": ["invalid_format"],
        "2": ["invalid_type"],
        "3.code": ["value_is_mandatory"],
        "3.properties.x": ["invalid_value"],
    }


def test_explicit_nulls_are_absent_and_unknown_keys_ignored():
    parsed = parse(event(timestamp=None, properties=None, precise_total_amount_cents=None, extra={"a": 1}))

    (record,) = parsed.records
    assert (record.timestamp, record.properties, record.precise_total_amount_cents) == (NOW, {}, None)
    assert (record.organization_id, record.ingested_at, record.diagnostics) == (ORGANIZATION_ID, NOW, ())


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("12.5", Decimal("12.5")),
        (12, Decimal(12)),
        (0.1, Decimal("0.1")),
        ("1.0000000000000005", Decimal("1.000000000000001")),
        ("10000000000000", Decimal(10**13)),
        ("9" * 25 + ".9999999999999994", Decimal("9" * 25 + ".999999999999999")),
        (-(10**25) + 1, Decimal(-(10**25) + 1)),
    ],
)
def test_precise_total_amount_cents_is_an_exact_decimal(amount, expected):
    (record,) = parse(event(precise_total_amount_cents=amount)).records

    assert record.precise_total_amount_cents == expected


def test_flat_properties_of_every_scalar_type_are_kept():
    properties = {"s": "x", "i": 1, "f": 1.5, "b": False, "n": None}

    (record,) = parse(event(properties=properties)).records

    assert record.properties == properties


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),
        ("12.50", Decimal("12.50")),
        ("-.5", Decimal("-0.5")),
        ("+7.", Decimal(7)),
        (True, None),
        ("1e3", None),
        (" 1", None),
        ("", None),
        ("abc", None),
        (None, None),
    ],
)
def test_numeric_property_values(value, expected):
    assert exact_number(value) == expected


@given(st.integers(min_value=0, max_value=4_000_000_000), st.integers(min_value=0, max_value=999_999))
def test_unix_seconds_with_a_fraction_are_exact_to_the_microsecond(seconds, micros):
    moment = datetime_from_unix_seconds(Decimal(f"{seconds}.{micros:06d}"))

    assert moment == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds, microseconds=micros)
