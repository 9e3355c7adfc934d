"""Voiding a paid invoice refunds its Stripe payment, once."""

import pytest

from invoicing.models import Invoice
from invoicing.services.invoices import invoice_void
from payments.models import Payment
from payments.tasks import collect_invoice, refund_invoice
from tests.factories.payments import stripe_customer_with_card, stripe_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(organization, stripe_sdk) -> Invoice:
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk), amount="25.00")
    collect_invoice(str(invoice.id))
    return invoice


def test_voiding_a_paid_invoice_through_the_api_refunds_it(api, paid, stripe_sdk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/invoices/{paid.id}/void")

    assert response.status_code == 200 and response.json()["invoice"]["status"] == "voided"
    payment = Payment.objects.get(invoice=paid)
    assert (payment.status, payment.refunded_amount, payment.refunded_at is not None) == ("refunded", 25, True)
    refund = stripe_sdk.v1.refunds.retrieve(payment.provider_refund_id)
    assert (refund.amount, refund.payment_intent, refund.status) == (2500, payment.provider_payment_id, "succeeded")


def test_the_refund_task_run_again_refunds_nothing_more(paid, stripe_sdk):
    invoice_void(invoice=paid)
    refund_invoice(str(paid.id))
    first = Payment.objects.get(invoice=paid).provider_refund_id

    assert refund_invoice(str(paid.id)) is None

    assert Payment.objects.get(invoice=paid).provider_refund_id == first


def test_an_unpaid_voided_invoice_is_not_refunded(organization, stripe_sdk):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk))
    invoice_void(invoice=invoice)

    assert refund_invoice(str(invoice.id)) is None
    assert not Payment.objects.filter(invoice=invoice).exists()
