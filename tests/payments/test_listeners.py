"""Finalizing an invoice queues its collection and voiding a paid one its refund; a lost task is caught up by the
dunning tick."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from customers.models import Customer
from invoicing.models import Invoice
from payments.models import Payment
from payments.tasks import collect_invoice, retry_due_payments
from tests.factories.invoicing import billed_draft_invoice
from tests.factories.payments import stripe_customer_with_card, stripe_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_of_stripe_customer(organization, stripe_sdk) -> Invoice:
    draft = billed_draft_invoice(organization)
    Customer.objects.filter(pk=draft.customer_id).update(
        payment_provider="stripe", provider_customer_id=stripe_customer_with_card(stripe_sdk)
    )
    return draft


def test_finalizing_through_the_api_collects_the_invoice(
    api, draft_of_stripe_customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.put(f"/api/v1/invoices/{draft_of_stripe_customer.id}/finalize")

    assert response.status_code == 200
    draft_of_stripe_customer.refresh_from_db()
    assert draft_of_stripe_customer.payment_status == Invoice.PaymentStatus.SUCCEEDED
    assert draft_of_stripe_customer.payment.status == Payment.Status.SUCCEEDED


def test_a_broker_that_refuses_the_task_fails_no_request_and_the_tick_collects_later(
    api, draft_of_stripe_customer, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args):
        raise OperationalError("broker down")

    with monkeypatch.context() as broker_down:
        broker_down.setattr(collect_invoice, "delay", refuse)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.put(f"/api/v1/invoices/{draft_of_stripe_customer.id}/finalize")
    assert response.status_code == 200
    assert not Payment.objects.filter(invoice=draft_of_stripe_customer).exists()

    assert retry_due_payments() == 0  # the listener's task may still be on its way
    Invoice.objects.filter(pk=draft_of_stripe_customer.pk).update(finalized_at=timezone.now() - timedelta(hours=1))
    assert retry_due_payments() == 1

    draft_of_stripe_customer.refresh_from_db()
    assert draft_of_stripe_customer.payment_status == Invoice.PaymentStatus.SUCCEEDED


def test_the_tick_refunds_a_voided_invoice_whose_refund_was_lost(organization, stripe_sdk):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk))
    collect_invoice(str(invoice.id))
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.VOIDED)

    retry_due_payments()

    assert Payment.objects.get(invoice=invoice).status == Payment.Status.REFUNDED
