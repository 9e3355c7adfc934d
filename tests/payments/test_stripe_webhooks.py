"""POST /webhooks/stripe/: signed events settle payments; a wrong secret, a stale timestamp, a tampered body or a
replayed event id change nothing."""

import time

import pytest

from invoicing.models import Invoice
from payments.models import Payment, PaymentAttempt, ProviderEvent
from payments.tasks import collect_invoice
from tests.factories.payments import (
    REQUIRES_3DS,
    WEBHOOK_SECRET,
    StripeAccountFactory,
    stripe_customer_with_card,
    stripe_invoice,
)
from tests.payments.signing import signed, stripe_event

pytestmark = pytest.mark.django_db
URL = "/webhooks/stripe/"


def post(client, body: bytes, signature: str):
    return client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def awaiting(organization, stripe_sdk) -> Invoice:
    """An invoice whose charge waits for the customer's 3-D Secure authentication."""
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk, REQUIRES_3DS))
    collect_invoice(str(invoice.id))
    return invoice


def intent_of(stripe_sdk, invoice: Invoice) -> dict:
    return stripe_sdk.v1.payment_intents.retrieve(Payment.objects.get(invoice=invoice).provider_payment_id).to_dict()


def test_the_customer_authenticates_and_stripe_tells_the_payment_succeeded(client, awaiting, stripe_sdk):
    intent = intent_of(stripe_sdk, awaiting)
    authenticated = stripe_sdk.raw_request(
        "post",
        f"/v1/payment_intents/{intent['id']}/_authenticate",
        client_secret=intent["client_secret"],
        success="true",
    )
    assert stripe_sdk.deserialize(authenticated, api_mode="V1").status == "succeeded"

    response = post(
        client, *signed(stripe_event("payment_intent.succeeded", intent_of(stripe_sdk, awaiting)), WEBHOOK_SECRET)
    )

    assert response.status_code == 200
    awaiting.refresh_from_db()
    payment = awaiting.payment
    assert awaiting.payment_status == Invoice.PaymentStatus.SUCCEEDED
    assert (payment.status, payment.payment_url) == (Payment.Status.SUCCEEDED, "")
    assert payment.attempts.get().status == PaymentAttempt.Status.SUCCEEDED


def test_a_failed_authentication_fails_the_invoice_and_schedules_a_retry(client, awaiting, stripe_sdk, emitted):
    intent = intent_of(stripe_sdk, awaiting) | {
        "status": "requires_payment_method",
        "last_payment_error": {"code": "payment_intent_authentication_failure", "message": "Authentication failed."},
    }

    response = post(client, *signed(stripe_event("payment_intent.payment_failed", intent), WEBHOOK_SECRET))

    assert response.status_code == 200
    awaiting.refresh_from_db()
    attempt = awaiting.payment.attempts.get()
    assert awaiting.payment_status == Invoice.PaymentStatus.FAILED
    assert (attempt.status, attempt.error_code) == (
        PaymentAttempt.Status.DECLINED,
        "payment_intent_authentication_failure",
    )
    assert awaiting.payment.next_retry_at is not None
    assert [webhook_type for webhook_type, _ in emitted()] == ["invoice.payment_failure"]


def _refused(client, body: bytes, signature: str, invoice: Invoice):
    response = post(client, body, signature)
    assert response.status_code == 400
    assert response.json()["error_details"] == {"stripe_signature": ["invalid_signature"]}
    invoice.refresh_from_db()
    assert invoice.payment_status == Invoice.PaymentStatus.PENDING
    assert invoice.payment.status == Payment.Status.REQUIRES_ACTION
    assert not ProviderEvent.objects.exists()


def test_a_wrong_secret_is_refused(client, awaiting, stripe_sdk):
    event = stripe_event("payment_intent.succeeded", intent_of(stripe_sdk, awaiting))
    _refused(client, *signed(event, "whsec_not_the_accounts"), awaiting)


def test_a_stale_timestamp_is_refused(client, awaiting, stripe_sdk):
    event = stripe_event("payment_intent.succeeded", intent_of(stripe_sdk, awaiting))
    _refused(client, *signed(event, WEBHOOK_SECRET, at=int(time.time()) - 301), awaiting)


def test_a_tampered_body_is_refused(client, awaiting, stripe_sdk):
    event = stripe_event("payment_intent.payment_failed", intent_of(stripe_sdk, awaiting))
    body, signature = signed(event, WEBHOOK_SECRET)
    _refused(client, body.replace(b"payment_failed", b"succeeded"), signature, awaiting)


def test_a_missing_signature_is_refused(client, awaiting, stripe_sdk):
    body, _signature = signed(stripe_event("payment_intent.succeeded", intent_of(stripe_sdk, awaiting)), WEBHOOK_SECRET)
    _refused(client, body, "", awaiting)


def test_a_replayed_event_changes_nothing(client, awaiting, stripe_sdk):
    intent = intent_of(stripe_sdk, awaiting)
    failed = stripe_event("payment_intent.payment_failed", intent, event_id="evt_replayed")
    assert post(client, *signed(failed, WEBHOOK_SECRET)).status_code == 200
    awaiting.refresh_from_db()
    payment = awaiting.payment
    payment.attempts.update(status=PaymentAttempt.Status.REQUIRES_ACTION)  # as if still waiting: only the id guards

    assert post(client, *signed(failed, WEBHOOK_SECRET)).status_code == 200

    assert ProviderEvent.objects.filter(event_id="evt_replayed").count() == 1
    assert payment.attempts.get().status == PaymentAttempt.Status.REQUIRES_ACTION


def test_an_event_of_another_organizations_payment_changes_nothing(client, awaiting, stripe_sdk, other_organization):
    StripeAccountFactory(organization=other_organization, webhook_secret="whsec_other")
    event = stripe_event("payment_intent.succeeded", intent_of(stripe_sdk, awaiting))

    assert post(client, *signed(event, "whsec_other")).status_code == 200

    awaiting.refresh_from_db()
    assert awaiting.payment_status == Invoice.PaymentStatus.PENDING
    assert ProviderEvent.objects.get().organization == other_organization


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405
