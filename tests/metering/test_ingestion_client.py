"""The official lago-python-client, unchanged, sends events to a live server: create and batch_create."""

import pytest
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError
from lago_python_client.models.event import BatchEvent, Event

from metering.models import Event as StoredEvent
from tests.factories.billing import OrganizationFactory, issue_key
from tests.factories.metering import NOW_SECONDS, frozen_now, usage_catalog

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organization():
    return OrganizationFactory(name="Client Co")


@pytest.fixture
def client(live_server, organization, monkeypatch) -> Client:
    frozen_now(monkeypatch)
    usage_catalog(organization)
    return Client(api_key=issue_key(organization), api_url=live_server.url + "/")


def test_create_sends_an_event_and_parses_the_answer(client, organization):
    created = client.events.create(
        Event(
            transaction_id="tr_1",
            external_subscription_id="sub_1",
            code="api_calls",
            timestamp=NOW_SECONDS - 60,
            properties={"calls": 12, "region": "eu"},
        )
    )

    assert (created.transaction_id, created.code, created.timestamp) == (
        "tr_1",
        "api_calls",
        "2026-11-21T17:59:00.000Z",
    )
    stored = StoredEvent.objects.get()
    assert created.lago_id == str(stored.id)
    assert (stored.organization_id, stored.properties, stored.diagnostics) == (
        organization.id,
        {"calls": 12, "region": "eu"},
        "",
    )
    assert client.events.find("tr_1").lago_id == created.lago_id


def test_batch_create_stores_every_event(client, organization):
    client.events.batch_create(
        BatchEvent(
            events=[
                Event(
                    transaction_id=f"tr_{index}",
                    external_subscription_id="sub_1",
                    code="api_calls",
                    properties={"calls": index},
                )
                for index in range(10)
            ]
        )
    )

    stored = StoredEvent.objects.filter(organization=organization)
    assert sorted(stored.values_list("transaction_id", flat=True)) == sorted(f"tr_{index}" for index in range(10))


def test_a_repeat_reaches_the_client_as_a_lago_api_error(client):
    event = Event(
        transaction_id="tr_1", external_subscription_id="sub_1", code="api_calls", precise_total_amount_cents="1.5"
    )
    client.events.create(event)

    with pytest.raises(LagoApiError) as refused:
        client.events.batch_create(BatchEvent(events=[event]))

    assert refused.value.status_code == 422
    assert refused.value.response["error_details"] == {"0.transaction_id": ["value_already_exist"]}
    assert StoredEvent.objects.count() == 1
