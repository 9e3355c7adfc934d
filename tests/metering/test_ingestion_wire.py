"""The batch body decoded straight into WireEvents (metering.api.parsers.EventBatchParser) against the plain JSON
parser and ingestion's plain loop, which stay the reference: every body gives the same records and the same errors."""

import io
import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.api.parsers import LimitedJSONParser
from metering.api.parsers import EventBatchParser
from metering.ingestion import MAX_ID_LENGTH, MAX_PROPERTIES, MAX_PROPERTY_KEY_LENGTH, WireEvent, events_parse

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
NOW_SECONDS = int(NOW.timestamp())
ORGANIZATION_ID = uuid.uuid4()


def decoded(parser_class, body: bytes):
    return parser_class().parse(io.BytesIO(body))


def outcome(data) -> tuple[list[tuple], dict]:
    """The records (without their random lago_id) and errors of a decoded batch body."""
    parsed = events_parse(data["events"], organization_id=ORGANIZATION_ID, now=NOW)
    records = [
        (
            record.transaction_id,
            record.external_subscription_id,
            record.code,
            record.timestamp,
            [(key, type(value), value) for key, value in record.properties.items()],
            record.precise_total_amount_cents,
            record.ingested_at,
        )
        for record in parsed.records
    ]
    return records, parsed.errors


def assert_same_outcome(body: bytes) -> None:
    plain = decoded(LimitedJSONParser, body)
    wire = decoded(EventBatchParser, body)
    if not (isinstance(plain, dict) and isinstance(plain.get("events"), list)):
        assert wire == plain  # not a batch of events: the plain parse, which the view refuses
        return
    assert outcome(wire) == outcome(plain)


def event(**fields):
    return {"transaction_id": "tr_1", "external_subscription_id": "sub_1", "code": "calls", **fields}


def body_of(*events) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def test_a_clean_batch_is_decoded_into_wire_events():
    body = body_of(event(timestamp=NOW_SECONDS, properties={"value": 3, "region": "eu"}), event(transaction_id="tr_2"))
    events = decoded(EventBatchParser, body)["events"]
    assert [type(item) for item in events] == [WireEvent, WireEvent]
    records, errors = outcome({"events": events})
    assert errors == {}
    assert [record[0] for record in records] == ["tr_1", "tr_2"]
    assert records[0][4] == [("value", int, 3), ("region", str, "eu")]
    assert records[1][3] == NOW  # no timestamp: the time of receipt


@pytest.mark.parametrize(
    "body",
    [
        body_of(event(transaction_id="")),
        body_of(event(transaction_id="x" * (MAX_ID_LENGTH + 1))),
        body_of(event(transaction_id="x" * MAX_ID_LENGTH)),
        body_of(event(code=None)),
        body_of(event(external_subscription_id=12)),
        body_of({"code": "calls"}),
        body_of(event(transaction_id="a\x00b")),
        body_of(event(properties={"region": "eu\x00"})),
        body_of(event(properties={"a\x00": 1})),
        body_of(event(properties={"nested": {"a": 1}})),
        body_of(event(properties={"list": [1]})),
        body_of(event(properties={f"k{index}": index for index in range(MAX_PROPERTIES)})),
        body_of(event(properties={f"k{index}": index for index in range(MAX_PROPERTIES + 1)})),
        body_of(event(properties={"k" * MAX_PROPERTY_KEY_LENGTH: 1})),
        body_of(event(properties={"k" * (MAX_PROPERTY_KEY_LENGTH + 1): 1})),
        body_of(event(properties={"\U0001f600" * MAX_PROPERTY_KEY_LENGTH: 1})),
        body_of(event(properties=[1, 2])),
        body_of(event(properties=None, timestamp=None, precise_total_amount_cents=None)),
        body_of(event(properties={"flag": True, "none": None, "float": 1.5, "zero": -0.0})),
        body_of(event(timestamp=True)),
        body_of(event(timestamp="2026-11-21T12:00:00Z")),
        body_of(event(timestamp=str(NOW_SECONDS))),
        body_of(event(timestamp=NOW_SECONDS + 0.25)),
        body_of(event(timestamp=0)),
        body_of(event(timestamp=NOW_SECONDS + 10 * 86400)),
        body_of(event(timestamp=[NOW_SECONDS])),
        body_of(event(precise_total_amount_cents="12.5")),
        body_of(event(precise_total_amount_cents=12.345)),
        body_of(event(precise_total_amount_cents="abc")),
        body_of(event(precise_total_amount_cents="NaN")),
        body_of(event(precise_total_amount_cents=10**30)),
        body_of(event(precise_total_amount_cents=True)),
        body_of(event(unknown_field={"a": 1})),
        body_of(event(), None, "text", event(transaction_id="")),
        body_of(),
        b'{"events": [{"transaction_id": "a", "external_subscription_id": "s", "code": "c", '
        b'"properties": {"value": 100000000000000000000000000001}}]}',
        b'{"events": [{"transaction_id": "a", "transaction_id": "b", "external_subscription_id": "s", "code": "c"}]}',
        b'{"events": [{"transaction_id": "a\\\\u0000", "external_subscription_id": "s", "code": "c"}]}',
        b'{"events": {"transaction_id": "a"}}',
        b'{"other": []}',
        b"[]",
        b"null",
    ],
)
def test_the_wire_decoding_gives_what_the_plain_parse_gives(body):
    assert_same_outcome(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"events": [{"transaction_id": "\\ud800", "external_subscription_id": "s", "code": "c"}]}',
        b'{"events": [{"transaction_id": "a", "external_subscription_id": "s", "code": "c", "properties": {"v": 1e400}}]}',
        b'{"events": [{"transaction_id": "a", "external_subscription_id": "s", "code": "c", "properties": {"v": NaN}}]}',
        b'{"events": [{"transaction_id": "\xff", "external_subscription_id": "s", "code": "c"}]}',
        b'{"events": [',
    ],
)
def test_a_body_the_plain_parser_refuses_is_still_refused(body):
    with pytest.raises(Exception) as plain:
        decoded(LimitedJSONParser, body)
    with pytest.raises(type(plain.value)):
        decoded(EventBatchParser, body)


_ids = st.one_of(
    st.text(min_size=0, max_size=4),
    st.text(min_size=MAX_ID_LENGTH - 1, max_size=MAX_ID_LENGTH + 1, alphabet="ab"),
    st.integers(),
    st.none(),
)
_flat = st.one_of(
    st.text(max_size=4),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
_values = st.one_of(_flat, st.lists(_flat, max_size=2), st.dictionaries(st.text(max_size=2), _flat, max_size=2))
_numbers = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=NOW_SECONDS - 10**9, max_value=NOW_SECONDS + 10**6),
    st.floats(min_value=NOW_SECONDS - 10**8, max_value=NOW_SECONDS + 10**5),
    st.integers().map(str),
    st.sampled_from(["", "1.5", "-0", "1e3", "2026-11-21", "NaN"]),
)
_events = st.fixed_dictionaries(
    {},
    optional={
        "transaction_id": _ids,
        "external_subscription_id": _ids,
        "code": _ids,
        "timestamp": _numbers,
        "properties": st.one_of(st.none(), st.dictionaries(st.text(max_size=3), _values, max_size=4), _flat),
        "precise_total_amount_cents": _numbers,
        "extra": _flat,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_events, _flat), min_size=1, max_size=4))
def test_any_batch_gives_the_same_records_and_errors_both_ways(events):
    assert_same_outcome(json.dumps({"events": events}).encode())
