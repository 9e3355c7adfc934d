"""POST /api/v1/events and /events/batch: what is accepted, what is refused (nothing stored), what is answered."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator
from lago_python_client.models.event import BatchEventResponse, EventResponse

from metering.api.serializers import EventSerializer
from metering.models import Event, PendingEvent
from tests.factories.metering import NOW, NOW_SECONDS, event_payload, frozen_now, usage_catalog

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"
BATCH = "/api/v1/events/batch"


@pytest.fixture(autouse=True)
def now(monkeypatch):
    return frozen_now(monkeypatch)


@pytest.fixture
def catalog(organization):
    return usage_catalog(organization)


def post_event(api, event):
    return api.post(EVENTS, {"event": event}, format="json")


def post_batch(api, events):
    return api.post(BATCH, {"events": events}, format="json")


def assert_refused(response, error_details: dict):
    assert response.status_code == 422, response.content
    assert response.json() == {
        "status": 422,
        "error": "Unprocessable Entity",
        "code": "validation_errors",
        "error_details": error_details,
    }
    assert not Event.objects.exists()


def test_an_event_is_stored_and_answered_in_the_clients_shape(api, organization, catalog):
    _metric, subscription = catalog
    payload = event_payload(
        transaction_id="tr_42", timestamp=1795282420, properties={"calls": 3}, precise_total_amount_cents="12.50"
    )

    response = post_event(api, payload)

    assert response.status_code == 200, response.content
    body = response.json()["event"]
    EventResponse.parse_obj(body)
    stored = Event.objects.get()
    assert body == {
        "lago_id": str(stored.id),
        "transaction_id": "tr_42",
        "lago_customer_id": str(subscription.customer_id),
        "lago_subscription_id": str(subscription.id),
        "external_subscription_id": "sub_1",
        "code": "api_calls",
        "timestamp": "2026-11-21T17:33:40.000Z",
        "properties": {"calls": 3},
        "precise_total_amount_cents": "12.5",
        "ingested_at": "2026-11-21T18:00:00Z",
        "created_at": "2026-11-21T18:00:00Z",
        "diagnostics": [],
    }
    assert stored.organization == organization
    assert stored.timestamp == datetime(2026, 11, 21, 17, 33, 40, tzinfo=UTC)
    assert stored.ingested_at == NOW
    assert not PendingEvent.objects.exists()  # the SQL store queues nothing for forwarding
    assert stored.diagnostics == ""


def test_a_batch_is_stored_whole_and_answered_per_event_in_order(api, catalog):
    events = [event_payload(transaction_id=f"tr_{i}", properties={"calls": i}) for i in range(100)]

    response = post_batch(api, events)

    assert response.status_code == 200, response.content
    body = response.json()
    BatchEventResponse.parse_obj(body)
    assert [event["transaction_id"] for event in body["events"]] == [f"tr_{i}" for i in range(100)]
    assert Event.objects.count() == 100
    assert sorted(Event.objects.values_list("properties__calls", flat=True)) == list(range(100))


@pytest.mark.parametrize("amount", ["10000000000000", "1234567890123456789012345.123456789012345"])
def test_an_amount_of_up_to_25_integer_digits_is_stored_exactly(api, catalog, amount):
    response = post_batch(api, [event_payload(transaction_id="tr_big", precise_total_amount_cents=amount)])

    assert response.status_code == 200, response.content
    assert response.json()["events"][0]["precise_total_amount_cents"] == amount
    assert Event.objects.get().precise_total_amount_cents == Decimal(amount)


def test_explicit_nulls_are_absent_as_the_client_sends_them(api, catalog):
    response = post_event(
        api,
        event_payload(transaction_id="tr_nulls", timestamp=None, properties=None, precise_total_amount_cents=None),
    )

    assert response.status_code == 200, response.content
    stored = Event.objects.get()
    assert stored.timestamp == stored.ingested_at == NOW
    assert (stored.properties, stored.precise_total_amount_cents) == ({}, None)
    assert response.json()["event"]["precise_total_amount_cents"] is None


def test_absent_optional_fields_and_unknown_keys(api, catalog):
    response = post_event(api, {"transaction_id": "t", "external_subscription_id": "sub_1", "code": "x", "foo": 1})

    assert response.status_code == 200, response.content
    assert Event.objects.get().code == "x"


@pytest.mark.parametrize(
    ("timestamp", "stored"),
    [
        (1795282420, datetime(2026, 11, 21, 17, 33, 40, tzinfo=UTC)),
        ("1795282420", datetime(2026, 11, 21, 17, 33, 40, tzinfo=UTC)),
        (1795282420.25, datetime(2026, 11, 21, 17, 33, 40, 250000, tzinfo=UTC)),
        ("1795282420.5", datetime(2026, 11, 21, 17, 33, 40, 500000, tzinfo=UTC)),
    ],
)
def test_unix_timestamps_as_int_float_or_string(api, catalog, timestamp, stored):
    response = post_event(api, event_payload(timestamp=timestamp))

    assert response.status_code == 200, response.content
    assert Event.objects.get().timestamp == stored


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("timestamp", "2026-11-21T10:00:00Z", "invalid_format"),
        ("timestamp", "abc", "invalid_format"),
        ("timestamp", NOW_SECONDS - 1827 * 86400, "value_is_out_of_range"),
        ("timestamp", NOW_SECONDS + 86401, "value_is_out_of_range"),
        ("transaction_id", None, "value_is_mandatory"),
        ("code", "c" * 256, "value_is_too_long"),
        ("external_subscription_id", "s" * 256, "value_is_too_long"),
        ("transaction_id", "t" * 256, "value_is_too_long"),
        ("precise_total_amount_cents", "ten", "invalid_value"),
        ("properties", [1, 2], "invalid_type"),
    ],
)
def test_bad_fields_are_refused_in_lagos_shape(api, catalog, field, value, code):
    assert_refused(post_event(api, event_payload(**{field: value})), {field: [code]})


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2]])
def test_nested_property_values_are_refused(api, catalog, value):
    assert_refused(
        post_event(api, event_payload(properties={"calls": 1, "nested": value})),
        {"properties.nested": ["invalid_value"]},
    )


def test_a_missing_transaction_id_is_mandatory(api, catalog):
    payload = event_payload()
    del payload["transaction_id"]

    assert_refused(post_event(api, payload), {"transaction_id": ["value_is_mandatory"]})


@pytest.mark.parametrize("body", [{}, {"event": None}, {"event": "tr_1"}, {"events": [event_payload()]}])
def test_a_body_without_an_event_object_is_refused(api, body):
    assert_refused(api.post(EVENTS, body, format="json"), {"event": ["value_is_mandatory"]})


def test_one_bad_event_refuses_the_whole_batch_with_errors_keyed_by_index(api, catalog):
    events = [
        event_payload(),
        event_payload(timestamp="2026-11-21T10:00:00Z"),
        "not an event",
        event_payload(properties={"tags": ["a"]}),
        event_payload(code="c" * 256, transaction_id=None),
    ]

    assert_refused(
        post_batch(api, events),
        {
            "1.timestamp": ["invalid_format"],
            "2": ["invalid_type"],
            "3.properties.tags": ["invalid_value"],
            "4.transaction_id": ["value_is_mandatory"],
            "4.code": ["value_is_too_long"],
        },
    )


def test_a_batch_of_101_is_refused(api, catalog):
    assert_refused(post_batch(api, [event_payload() for _ in range(101)]), {"events": ["too_many_events"]})


def test_the_batch_limit_is_a_setting(api, catalog, settings):
    settings.EVENTS_BATCH_MAX = 2

    assert_refused(post_batch(api, [event_payload() for _ in range(3)]), {"events": ["too_many_events"]})
    assert post_batch(api, [event_payload() for _ in range(2)]).status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "value_is_mandatory"),
        ({"events": None}, "value_is_mandatory"),
        ({"events": []}, "value_is_mandatory"),
        ({"events": {"0": {}}}, "invalid_type"),
        ({"events": "tr_1"}, "invalid_type"),
    ],
)
def test_events_must_be_a_non_empty_list(api, body, code):
    assert_refused(api.post(BATCH, body, format="json"), {"events": [code]})


def test_a_body_over_one_megabyte_is_refused_with_413(api, catalog):
    events = [event_payload(properties={"blob": "x" * 20_000}) for _ in range(60)]

    response = post_batch(api, events)

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Event.objects.exists()


def test_malformed_json_is_a_400(api):
    response = api.generic("POST", BATCH, b'{"events": [', content_type="application/json")

    assert response.status_code == 400
    assert not Event.objects.exists()


def test_without_a_key_nothing_is_stored(client):
    response = client.post(EVENTS, {"event": event_payload()}, content_type="application/json")

    assert response.status_code == 401
    assert not Event.objects.exists()


def test_the_hand_rendered_event_has_exactly_the_documented_fields(api, catalog):
    response = post_event(api, event_payload())

    assert set(response.json()["event"]) == set(EventSerializer().fields)


def test_the_event_operations_are_documented():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert {"post", "get"} <= set(schema["paths"]["/api/v1/events"])
    assert "post" in schema["paths"]["/api/v1/events/batch"]
    assert "get" in schema["paths"]["/api/v1/events/{transaction_id}"]


def test_integers_beyond_64_bits_are_stored_read_and_answered_exactly(api, organization, catalog):
    """The API's JSON parser is orjson, which reads such an integer as a float: 1e+23 would be summed."""
    big = 123456789012345678901234  # 24 digits: Decimal(38, 12) sums it exactly
    payload = event_payload(transaction_id="tr_big", timestamp=NOW_SECONDS, properties={"calls": big, "n": -(2**70)})

    response = post_event(api, payload)

    assert response.status_code == 200, response.content
    assert response.json()["event"]["properties"] == {"calls": big, "n": -(2**70)}
    assert response.json()["event"]["diagnostics"] == []
    assert Event.objects.get().properties == {"calls": big, "n": -(2**70)}
    answered = api.get(f"{EVENTS}/tr_big")
    assert answered.status_code == 200, answered.content
    assert answered.json()["event"]["properties"] == {"calls": big, "n": -(2**70)}
