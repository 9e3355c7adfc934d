"""The official lago-python-client manages webhook endpoints unchanged against a live server."""

import pytest
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError
from lago_python_client.models.webhook_endpoint import WebhookEndpoint

from tests.factories.billing import OrganizationFactory, issue_key

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client(live_server) -> Client:
    return Client(api_key=issue_key(OrganizationFactory(name="Client Co")), api_url=live_server.url + "/")


def test_webhook_endpoints_through_the_official_client(client):
    created = client.webhook_endpoints.create(
        WebhookEndpoint(webhook_url="https://example.com/lago", signature_algo="hmac", event_types=["invoice.created"])
    )
    assert (created.webhook_url, created.signature_algo, created.event_types) == (
        "https://example.com/lago",
        "hmac",
        ["invoice.created"],
    )

    assert client.webhook_endpoints.find(created.lago_id).lago_id == created.lago_id
    listed = client.webhook_endpoints.find_all()
    assert [endpoint.lago_id for endpoint in listed["webhook_endpoints"]] == [created.lago_id]

    updated = client.webhook_endpoints.update(
        WebhookEndpoint(webhook_url="https://example.com/other", name="main"), created.lago_id
    )
    assert (updated.webhook_url, updated.name, updated.event_types) == (
        "https://example.com/other",
        "main",
        ["invoice.created"],
    )

    with pytest.raises(LagoApiError) as refused:
        client.webhook_endpoints.create(WebhookEndpoint(webhook_url="https://example.com/jwt", signature_algo="jwt"))
    assert refused.value.response["error_details"] == {"signature_algo": ["value_is_invalid"]}

    assert client.webhook_endpoints.destroy(created.lago_id).lago_id == created.lago_id
    with pytest.raises(LagoApiError) as missing:
        client.webhook_endpoints.find(created.lago_id)
    assert missing.value.response["code"] == "webhook_endpoint_not_found"
