"""A transaction_id is stored once per (organization, subscription): repeats are refused, never counted twice."""

import pytest

from billing.errors import ValidationFailed
from metering.models import Event
from metering.services import events_ingest
from tests.factories.billing import OrganizationFactory
from tests.factories.metering import event_payload, frozen_now

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"
BATCH = "/api/v1/events/batch"
ALREADY = ["value_already_exist"]


@pytest.fixture(autouse=True)
def now(monkeypatch):
    return frozen_now(monkeypatch)


def details(response) -> dict:
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_errors"
    return response.json()["error_details"]


def test_a_repeated_single_event_is_refused_and_stored_once(api):
    event = event_payload(transaction_id="tr_1", properties={"calls": 1})
    assert api.post(EVENTS, {"event": event}, format="json").status_code == 200

    repeat = api.post(EVENTS, {"event": {**event, "properties": {"calls": 99}}}, format="json")

    assert details(repeat) == {"transaction_id": ALREADY}
    assert list(Event.objects.values_list("properties__calls", flat=True)) == [1]


def test_the_same_transaction_id_for_another_subscription_is_another_event(api):
    for subscription in ("sub_1", "sub_2"):
        event = event_payload(transaction_id="tr_1", external_subscription_id=subscription)
        assert api.post(EVENTS, {"event": event}, format="json").status_code == 200

    assert Event.objects.count() == 2


def test_a_batch_repeating_a_stored_event_stores_nothing(api):
    api.post(EVENTS, {"event": event_payload(transaction_id="tr_old")}, format="json")
    batch = [event_payload(transaction_id="tr_new"), event_payload(transaction_id="tr_old")]

    response = api.post(BATCH, {"events": batch}, format="json")

    assert details(response) == {"1.transaction_id": ALREADY}
    assert list(Event.objects.values_list("transaction_id", flat=True)) == ["tr_old"]


def test_a_transaction_id_repeated_inside_a_batch_refuses_it(api):
    batch = [
        event_payload(transaction_id="tr_a"),
        event_payload(transaction_id="tr_b"),
        event_payload(transaction_id="tr_a"),
        event_payload(transaction_id="tr_a", external_subscription_id="sub_other"),
    ]

    response = api.post(BATCH, {"events": batch}, format="json")

    assert details(response) == {"2.transaction_id": ALREADY}
    assert not Event.objects.exists()


def test_repeats_in_the_batch_and_in_the_store_are_all_named(api):
    api.post(EVENTS, {"event": event_payload(transaction_id="tr_old")}, format="json")
    batch = [
        event_payload(transaction_id="tr_old"),
        event_payload(transaction_id="tr_x"),
        event_payload(transaction_id="tr_x"),
    ]

    response = api.post(BATCH, {"events": batch}, format="json")

    assert details(response) == {"0.transaction_id": ALREADY, "2.transaction_id": ALREADY}
    assert Event.objects.count() == 1


def test_another_organizations_transaction_ids_are_independent(api, other_api, other_organization):
    event = event_payload(transaction_id="tr_1")
    assert api.post(EVENTS, {"event": event}, format="json").status_code == 200

    assert other_api.post(EVENTS, {"event": event}, format="json").status_code == 200
    assert Event.objects.filter(organization=other_organization).count() == 1
    assert Event.objects.count() == 2


def test_the_service_refuses_repeats_without_http(organization):
    raw = [event_payload(transaction_id="tr_1")]
    events_ingest(organization=organization, raw_events=raw)

    with pytest.raises(ValidationFailed) as refused:
        events_ingest(organization=organization, raw_events=raw)

    assert refused.value.details == {"0.transaction_id": ALREADY}
    assert events_ingest(organization=OrganizationFactory(name="Initech"), raw_events=raw).events
