"""Collecting a finalized invoice through Stripe (localstripe): success, decline, 3-D Secure, outage, and never
charging twice."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import Customer
from invoicing.models import Invoice
from payments.models import Payment, PaymentAttempt
from payments.providers.base import ChargeOutcome, ChargeRequest
from payments.providers.stripe import MISSING_PAYMENT_METHOD, StripeProvider
from payments.services.collection import attempt_idempotency_key, payment_collect
from payments.tasks import collect_invoice
from tests.factories.payments import DECLINED_ON_CHARGE, REQUIRES_3DS, stripe_customer_with_card, stripe_invoice

pytestmark = pytest.mark.django_db
Status = Payment.Status
AttemptStatus = PaymentAttempt.Status


def intents_of(stripe_sdk, invoice: Invoice) -> list:
    listed = stripe_sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
    intents = [intent.to_dict() for intent in listed]
    return [intent for intent in intents if intent["metadata"].get("lago_invoice_id") == str(invoice.id)]


def test_a_charge_that_succeeds_pays_the_invoice(organization, stripe_sdk, emitted):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk), amount="12.34")

    assert collect_invoice(str(invoice.id)) == Status.SUCCEEDED

    invoice.refresh_from_db()
    payment = invoice.payment
    [attempt] = payment.attempts.all()
    [intent] = intents_of(stripe_sdk, invoice)
    assert invoice.payment_status == Invoice.PaymentStatus.SUCCEEDED
    assert (payment.amount, payment.currency, payment.provider_payment_id) == (Decimal("12.34"), "USD", intent["id"])
    assert (attempt.attempt_number, attempt.status, attempt.finished_at is not None) == (
        1,
        AttemptStatus.SUCCEEDED,
        True,
    )
    assert attempt.idempotency_key == f"invoice-{invoice.id}-attempt-1"
    assert (intent["amount"], intent["currency"], intent["status"]) == (1234, "usd", "succeeded")
    assert intent["metadata"]["invoice_number"] == invoice.number
    assert [webhook_type for webhook_type, _body in emitted()] == []  # payment_status_updated is the webhooks app's


def test_the_task_run_twice_charges_once(organization, stripe_sdk):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk))

    collect_invoice(str(invoice.id))
    collect_invoice(str(invoice.id))

    assert PaymentAttempt.objects.filter(payment__invoice=invoice).count() == 1
    assert len(intents_of(stripe_sdk, invoice)) == 1


def test_an_attempt_claimed_by_another_worker_is_not_charged_again(organization, stripe_sdk):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk))
    payment = Payment.objects.create(
        organization=organization, invoice=invoice, provider="stripe", amount=invoice.total_amount, currency="USD"
    )
    PaymentAttempt.objects.create(
        payment=payment,
        attempt_number=1,
        idempotency_key=attempt_idempotency_key(invoice_id=invoice.id, attempt_number=1),
        started_at=timezone.now(),
    )

    payment_collect(invoice_id=invoice.id)

    assert intents_of(stripe_sdk, invoice) == []
    assert payment.attempts.get().status == AttemptStatus.PENDING


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_concurrent_tasks_charge_once(organization, stripe_sdk):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk))
    barrier = threading.Barrier(4)

    def collect():
        barrier.wait()
        try:
            payment_collect(invoice_id=invoice.id)
        finally:
            connection.close()

    threads = [threading.Thread(target=collect) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert PaymentAttempt.objects.filter(payment__invoice=invoice).count() == 1
    assert len(intents_of(stripe_sdk, invoice)) == 1
    invoice.refresh_from_db()
    assert invoice.payment_status == Invoice.PaymentStatus.SUCCEEDED


def test_a_declined_card_fails_the_invoice_and_schedules_a_retry(organization, stripe_sdk, emitted):
    invoice = stripe_invoice(
        organization, provider_customer_id=stripe_customer_with_card(stripe_sdk, DECLINED_ON_CHARGE)
    )
    before = timezone.now()

    collect_invoice(str(invoice.id))

    invoice.refresh_from_db()
    payment = invoice.payment
    attempt = payment.attempts.get()
    assert invoice.payment_status == Invoice.PaymentStatus.FAILED and not invoice.payment_overdue
    assert (payment.status, attempt.status, attempt.error_code) == (
        Status.FAILED,
        AttemptStatus.DECLINED,
        "card_declined",
    )
    assert attempt.error_message == "Your card was declined."
    assert before + timedelta(days=1) <= payment.next_retry_at <= timezone.now() + timedelta(days=1)
    [(webhook_type, body)] = emitted()
    assert webhook_type == "invoice.payment_failure"
    assert '"error_code":"card_declined"' in body and f'"lago_invoice_id":"{invoice.id}"' in body


def test_a_card_requiring_3ds_gives_the_invoice_a_payment_url(organization, stripe_sdk):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk, REQUIRES_3DS))

    assert collect_invoice(str(invoice.id)) == Status.REQUIRES_ACTION

    invoice.refresh_from_db()
    payment = invoice.payment
    [intent] = intents_of(stripe_sdk, invoice)
    assert invoice.payment_status == Invoice.PaymentStatus.PENDING
    assert (payment.provider_payment_id, intent["status"]) == (intent["id"], "requires_action")
    assert payment.payment_url.startswith("http://") and str(payment.id) not in payment.payment_url
    assert payment.next_retry_at is None
    assert collect_invoice(str(invoice.id)) == Status.REQUIRES_ACTION  # it waits for the customer: no new charge
    assert len(intents_of(stripe_sdk, invoice)) == 1


def test_a_provider_outage_records_the_error_and_schedules_a_retry(organization, stripe_sdk, settings):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk))
    api_base = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the discard port: nothing listens

    assert collect_invoice(str(invoice.id)) == Status.PENDING

    invoice.refresh_from_db()
    payment = invoice.payment
    attempt = payment.attempts.get()
    assert invoice.payment_status == Invoice.PaymentStatus.PENDING
    assert (attempt.status, attempt.error_code) == (AttemptStatus.ERROR, "APIConnectionError")
    assert "127.0.0.1" in attempt.error_message or attempt.error_message
    assert payment.next_retry_at > timezone.now() + timedelta(minutes=59)

    settings.STRIPE_API_BASE = api_base
    assert collect_invoice(str(invoice.id)) == Status.PENDING  # not due yet
    Payment.objects.filter(pk=payment.pk).update(next_retry_at=timezone.now())
    assert collect_invoice(str(invoice.id)) == Status.SUCCEEDED

    attempt.refresh_from_db()  # sent again as the same attempt, with the same idempotency key
    assert (payment.attempts.count(), attempt.status, attempt.error_code) == (1, AttemptStatus.SUCCEEDED, "")


def test_a_stripe_customer_is_created_for_a_synced_customer(organization, stripe_sdk):
    invoice = stripe_invoice(organization, sync_with_provider=True, name="Grace Hopper", email="grace@example.com")

    collect_invoice(str(invoice.id))

    customer = Customer.objects.get(pk=invoice.customer_id)
    at_stripe = stripe_sdk.v1.customers.retrieve(customer.provider_customer_id)
    assert (at_stripe.name, at_stripe.email, at_stripe.metadata["lago_customer_id"]) == (
        "Grace Hopper",
        "grace@example.com",
        str(customer.id),
    )
    attempt = PaymentAttempt.objects.get(payment__invoice=invoice)
    assert (attempt.status, attempt.error_code) == (AttemptStatus.DECLINED, MISSING_PAYMENT_METHOD)


@pytest.mark.parametrize(
    ("invoice_fields", "customer_fields"),
    [
        ({"amount": "0"}, {}),
        ({}, {"payment_provider": ""}),
    ],
    ids=["zero_amount", "no_provider"],
)
def test_invoices_not_to_charge_through_stripe_are_not_charged(
    organization, stripe_sdk, invoice_fields, customer_fields
):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk), **invoice_fields)
    Customer.objects.filter(pk=invoice.customer_id).update(**customer_fields)

    collect_invoice(str(invoice.id))

    assert intents_of(stripe_sdk, invoice) == []
    assert not PaymentAttempt.objects.filter(payment__invoice=invoice, payment__provider="stripe").exists()


def test_the_provider_answers_a_charge_request(stripe_account, stripe_sdk):
    result = StripeProvider(stripe_account).charge(
        request=ChargeRequest(
            amount_cents=500,
            currency="EUR",
            provider_customer_id=stripe_customer_with_card(stripe_sdk),
            idempotency_key="provider-test",
        )
    )
    assert result.outcome == ChargeOutcome.SUCCEEDED
    assert stripe_sdk.v1.payment_intents.retrieve(result.provider_payment_id).currency == "eur"


def test_a_manual_invoice_waits_to_be_marked_paid(organization, stripe_sdk, emitted):
    invoice = stripe_invoice(organization)
    Customer.objects.filter(pk=invoice.customer_id).update(payment_provider="manual")

    assert collect_invoice(str(invoice.id)) == Status.PROCESSING

    invoice.refresh_from_db()
    payment = invoice.payment
    assert (payment.provider, payment.next_retry_at, invoice.payment_status) == ("manual", None, "pending")
    assert payment.attempts.get().status == AttemptStatus.PROCESSING
    assert intents_of(stripe_sdk, invoice) == [] and emitted() == []
