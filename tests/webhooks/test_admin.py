"""The admin: endpoints changed through the services and scoped to a staff member's organization, the read-only
delivery log with its attempts, and the "Resend" action."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from billing.services import organization_member_set
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint
from billing.webhooks.services import webhook_emit, webhook_endpoint_create
from tests.webhooks.receiver import Reply

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/billing/webhookendpoint/"
DELIVERIES = "/admin/billing/webhookdelivery/"


@pytest.fixture
def superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.fixture
def staff_of_acme(client, organization):
    user = get_user_model().objects.create_user("ops", "ops@example.com", "pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="billing",
            codename__in=[
                "view_webhookendpoint",
                "add_webhookendpoint",
                "view_webhookdelivery",
                "change_webhookdelivery",
            ],
        )
    )
    organization_member_set(user=user, organization=organization)
    client.force_login(user)
    return client


def delivered(organization, committed) -> WebhookDelivery:
    with committed():
        webhook_emit(organization=organization, webhook_type="customer.created", object_type="customer", payload={})
    return WebhookDelivery.objects.get(organization=organization)


def test_adding_an_endpoint_goes_through_the_services_rules(superuser_client, organization):
    form = {"organization": organization.pk, "webhook_url": "ftp://example.com/x", "signature_algo": "hmac"}
    refused = superuser_client.post(f"{ENDPOINTS}add/", form)
    assert refused.status_code == 200 and "url_is_invalid" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()

    form.update(webhook_url="https://example.com/x", event_types=["invoice.created", "event.error"])
    assert superuser_client.post(f"{ENDPOINTS}add/", form).status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.organization, endpoint.event_types) == (organization, ["event.error", "invoice.created"])


def test_a_staff_member_sees_only_the_organizations_webhooks(
    staff_of_acme, organization, other_organization, receiver, committed
):
    webhook_endpoint_create(organization=organization, webhook_url=receiver.url + "/acme")
    webhook_endpoint_create(organization=other_organization, webhook_url=receiver.url + "/globex")
    own = delivered(organization, committed)
    other = delivered(other_organization, committed)

    endpoints = staff_of_acme.get(ENDPOINTS).content.decode()
    assert "/acme" in endpoints and "/globex" not in endpoints
    deliveries = staff_of_acme.get(DELIVERIES).content.decode()
    assert str(own.pk) in deliveries and str(other.pk) not in deliveries
    assert staff_of_acme.get(f"{DELIVERIES}{other.pk}/change/").status_code in (302, 404)


def test_the_delivery_log_shows_attempts_and_resend_makes_a_new_one(
    superuser_client, organization, endpoint, receiver, committed
):
    receiver.answer(Reply(status=500))
    delivery = delivered(organization, committed)
    page = superuser_client.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert "HTTP 500" in page and 'name="_save"' not in page  # read-only

    with committed():
        response = superuser_client.post(DELIVERIES, {"action": "resend", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("succeeded", 2, 200)
    assert [attempt.response_code for attempt in delivery.attempt_log.all()] == [500, 200]
