"""Refunding the payment of a voided invoice."""

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from billing.money import to_cents
from invoicing.models import Invoice
from payments.models import Payment
from payments.providers import provider_named
from payments.services.collection import payment_locked


def refund_idempotency_key(*, payment_id: UUID) -> str:
    return f"payment-{payment_id}-refund"


def payment_refund(*, invoice_id: UUID | str) -> Payment | None:
    """Refunds the succeeded payment of a voided invoice in full, once (the provider sees one idempotency key per
    payment). Raises ProviderUnavailable when the provider cannot answer, for the task to retry."""
    payment = Payment.objects.filter(
        invoice_id=invoice_id, invoice__status=Invoice.Status.VOIDED, status=Payment.Status.SUCCEEDED
    ).first()
    if payment is None:
        return None
    provider = provider_named(name=payment.provider, organization_id=payment.organization_id)
    if provider is None:
        return None
    result = provider.refund(
        provider_payment_id=payment.provider_payment_id,
        amount_cents=to_cents(payment.amount, payment.currency),
        idempotency_key=refund_idempotency_key(payment_id=payment.id),
    )
    with transaction.atomic():
        payment = payment_locked(payment_id=payment.id)
        if payment.status == Payment.Status.SUCCEEDED:
            payment.status = Payment.Status.REFUNDED
            payment.provider_refund_id = result.provider_refund_id
            payment.refunded_amount = payment.amount
            payment.refunded_at = timezone.now()
            payment.save()
    return payment
