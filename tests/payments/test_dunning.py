"""Retries and dunning: a declined payment is retried on the organization's schedule, then the invoice is overdue
and invoice.payment_overdue fires, once."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from invoicing.models import Invoice
from payments.models import Payment, PaymentAttempt
from payments.services.collection import payment_collect
from payments.services.dunning import retry_at
from payments.tasks import retry_due_payments
from tests.factories.payments import (
    DECLINED_ON_CHARGE,
    DunningScheduleFactory,
    stripe_customer_with_card,
    stripe_invoice,
)

FIRST = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("declines", "delays", "expected"),
    [
        (1, (1, 3, 7), FIRST + timedelta(days=1)),
        (2, (1, 3, 7), FIRST + timedelta(days=3)),
        (3, (1, 3, 7), FIRST + timedelta(days=7)),
        (4, (1, 3, 7), None),
        (1, (), None),
        (1, (2,), FIRST + timedelta(days=2)),
        (2, (2,), None),
    ],
)
def test_retry_at_counts_from_the_first_decline(declines, delays, expected):
    assert retry_at(first_declined_at=FIRST, declines=declines, delays_days=delays) == expected


def test_retry_at_follows_a_decline():
    with pytest.raises(ValueError):
        retry_at(first_declined_at=FIRST, declines=0, delays_days=(1,))


@pytest.mark.django_db
def test_the_schedule_runs_to_overdue_and_the_webhook_fires_once(organization, stripe_sdk, emitted, monkeypatch):
    DunningScheduleFactory(organization=organization, retry_delays_days=[1, 3])
    invoice = stripe_invoice(
        organization, provider_customer_id=stripe_customer_with_card(stripe_sdk, DECLINED_ON_CHARGE)
    )
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start)
    payment_collect(invoice_id=invoice.id)
    payment = Payment.objects.get(invoice=invoice)
    assert payment.next_retry_at == start + timedelta(days=1)

    for day, expected_retry in [(1, start + timedelta(days=3)), (3, None)]:
        monkeypatch.setattr(timezone, "now", lambda day=day: start + timedelta(days=day, minutes=1))
        assert retry_due_payments() == 1
        payment.refresh_from_db()
        assert payment.next_retry_at == expected_retry
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(days=30))
    assert retry_due_payments() == 0  # given up on: nothing more to retry

    invoice.refresh_from_db()
    attempts = list(payment.attempts.values_list("attempt_number", "status"))
    assert attempts == [(n, PaymentAttempt.Status.DECLINED) for n in (1, 2, 3)]
    assert (invoice.payment_status, invoice.payment_overdue) == (Invoice.PaymentStatus.FAILED, True)
    webhooks = emitted()
    assert [webhook_type for webhook_type, _ in webhooks] == ["invoice.payment_failure"] * 3 + [
        "invoice.payment_overdue"
    ]
    overdue = json.loads(webhooks[-1][1])
    assert (overdue["object_type"], overdue["invoice"]["lago_id"]) == ("invoice", str(invoice.id))
    assert overdue["invoice"]["payment_overdue"] is True


@pytest.mark.django_db
def test_a_retry_not_yet_due_or_of_a_paid_invoice_is_not_run(organization, stripe_sdk):
    invoice = stripe_invoice(
        organization, provider_customer_id=stripe_customer_with_card(stripe_sdk, DECLINED_ON_CHARGE)
    )
    payment_collect(invoice_id=invoice.id)
    assert retry_due_payments() == 0

    Payment.objects.filter(invoice=invoice).update(next_retry_at=timezone.now() - timedelta(minutes=1))
    Invoice.objects.filter(pk=invoice.pk).update(payment_status=Invoice.PaymentStatus.SUCCEEDED)
    assert retry_due_payments() == 0
    assert payment_collect(invoice_id=invoice.id) is None
    assert PaymentAttempt.objects.filter(payment__invoice=invoice).count() == 1


@pytest.mark.django_db
def test_a_stale_attempt_is_sent_again_with_its_key(organization, stripe_sdk):
    invoice = stripe_invoice(organization, provider_customer_id=stripe_customer_with_card(stripe_sdk))
    payment = Payment.objects.create(
        organization=organization, invoice=invoice, provider="stripe", amount=invoice.total_amount, currency="USD"
    )
    attempt = PaymentAttempt.objects.create(
        payment=payment,
        attempt_number=1,
        idempotency_key="lost-worker-key",
        started_at=timezone.now() - timedelta(hours=1),
    )

    assert retry_due_payments() == 1

    attempt.refresh_from_db()
    assert (attempt.status, attempt.idempotency_key) == (PaymentAttempt.Status.SUCCEEDED, "lost-worker-key")
    invoice.refresh_from_db()
    assert invoice.payment_status == Invoice.PaymentStatus.SUCCEEDED
