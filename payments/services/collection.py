"""Collecting an invoice: claim an attempt, charge through the provider, record what it answered.

The attempt is claimed in its own committed transaction before the provider is called, under the invoice's row
lock and the (payment, attempt number) unique constraint, so a duplicated or concurrent task finds it claimed and
charges nothing. Its idempotency key (invoice and attempt number) makes the provider itself refuse a second charge
when an attempt is sent again: after the provider could not answer, or after its worker died.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.money import to_cents
from customers.services import customer_upsert
from invoicing.models import Invoice
from invoicing.services.invoices import invoice_mark_overdue, invoice_update
from payments.models import Payment, PaymentAttempt
from payments.notifications import invoice_payment_failure_emit, invoice_payment_overdue_emit
from payments.providers import provider_for
from payments.providers.base import ChargeOutcome, ChargeRequest, ChargeResult, PaymentProvider, ProviderUnavailable
from payments.selectors import STALE_ATTEMPT_AGE, retry_delays_for
from payments.services.authentication import payment_authentication_url
from payments.services.dunning import retry_at

logger = structlog.get_logger(__name__)
Status = Payment.Status
AttemptStatus = PaymentAttempt.Status

ATTEMPT_STATUS = {
    ChargeOutcome.SUCCEEDED: AttemptStatus.SUCCEEDED,
    ChargeOutcome.PROCESSING: AttemptStatus.PROCESSING,
    ChargeOutcome.REQUIRES_ACTION: AttemptStatus.REQUIRES_ACTION,
    ChargeOutcome.DECLINED: AttemptStatus.DECLINED,
}
# A payment in these states waits for the customer or the provider, or is done: no new charge.
SETTLED_OR_WAITING = (Status.SUCCEEDED, Status.PROCESSING, Status.REQUIRES_ACTION, Status.REFUNDED)
# The attempts an answer may still settle (a webhook settles one that waited for the customer or the provider).
OPEN_ATTEMPT = (AttemptStatus.PENDING, AttemptStatus.PROCESSING, AttemptStatus.REQUIRES_ACTION)


@dataclass(frozen=True)
class Claim:
    payment: Payment
    attempt: PaymentAttempt


def attempt_idempotency_key(*, invoice_id: UUID, attempt_number: int) -> str:
    return f"invoice-{invoice_id}-attempt-{attempt_number}"


def _collectable(invoice: Invoice) -> bool:
    return (
        invoice.status == Invoice.Status.FINALIZED
        and invoice.payment_status != Invoice.PaymentStatus.SUCCEEDED
        and invoice.total_amount > 0
    )


def payment_collect(*, invoice_id: UUID | str, now: datetime | None = None) -> Payment | None:
    """Charges an unpaid finalized invoice if a charge is due (the first one, a scheduled retry, or an attempt the
    provider could not answer); otherwise changes nothing. Never raises for a provider's outage."""
    now = now or timezone.now()
    invoice = Invoice.objects.select_related("organization", "customer").filter(pk=invoice_id).first()
    if invoice is None or not _collectable(invoice):
        return None
    provider = provider_for(customer=invoice.customer)
    if provider is None:
        return None
    claim = _attempt_claim(invoice=invoice, provider=provider, now=now)
    if claim is None:
        return Payment.objects.filter(invoice=invoice).first()
    try:
        result = _charge(provider=provider, claim=claim, invoice=invoice)
    except ProviderUnavailable as error:
        logger.warning("payment.provider_unavailable", invoice_id=str(invoice.id), code=error.code)
        return attempt_unanswered(attempt=claim.attempt, error=error, now=now)
    return attempt_record(attempt=claim.attempt, result=result, now=now)


def _attempt_claim(*, invoice: Invoice, provider: PaymentProvider, now: datetime) -> Claim | None:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not _collectable(invoice):
            return None
        payment, _created = Payment.objects.get_or_create(
            invoice=invoice,
            defaults={
                "organization_id": invoice.organization_id,
                "provider": provider.name,
                "amount": invoice.total_amount,
                "currency": invoice.currency,
            },
        )
        if payment.status in SETTLED_OR_WAITING:
            return None
        last = payment.attempts.order_by("-attempt_number").first()
        due = payment.next_retry_at is not None and payment.next_retry_at <= now
        if last is not None and last.status == AttemptStatus.PENDING:
            if last.started_at > now - STALE_ATTEMPT_AGE:
                return None  # another worker is calling the provider right now
        elif last is not None and not due:
            return None
        payment.next_retry_at = None
        payment.save(update_fields=["next_retry_at", "updated_at"])
        if last is not None and last.status in (AttemptStatus.PENDING, AttemptStatus.ERROR):
            # The provider may have charged before its answer was lost: the same key makes it answer that charge.
            last.status, last.started_at, last.finished_at = AttemptStatus.PENDING, now, None
            last.save(update_fields=["status", "started_at", "finished_at"])
            return Claim(payment, last)
        number = (last.attempt_number if last is not None else 0) + 1
        try:
            with transaction.atomic():
                attempt = PaymentAttempt.objects.create(
                    payment=payment,
                    attempt_number=number,
                    idempotency_key=attempt_idempotency_key(invoice_id=invoice.id, attempt_number=number),
                    started_at=now,
                )
        except IntegrityError:
            return None  # claimed concurrently
        return Claim(payment, attempt)


def payment_locked(*, payment_id: UUID) -> Payment:
    """The payment under its invoice's row lock, then its own: always in this order, as the claim takes them, so
    two workers never wait on each other."""
    invoice_id = Payment.objects.values_list("invoice_id", flat=True).get(pk=payment_id)
    Invoice.objects.select_for_update().values_list("pk", flat=True).get(pk=invoice_id)
    return (
        Payment.objects.select_for_update()
        .select_related("invoice__organization", "invoice__customer")
        .get(pk=payment_id)
    )


def _invoice_payment_status(invoice: Invoice, payment_status: str) -> Invoice:
    # A voided invoice keeps its status: its payment is refunded instead.
    if invoice.status != Invoice.Status.FINALIZED:
        return invoice
    return invoice_update(invoice=invoice, payment_status=payment_status)


def _charge(*, provider: PaymentProvider, claim: Claim, invoice: Invoice) -> ChargeResult:
    customer_id = claim.payment.provider_customer_id or _provider_customer_id(provider, invoice)
    if customer_id != claim.payment.provider_customer_id:
        Payment.objects.filter(pk=claim.payment.pk).update(provider_customer_id=customer_id)
        claim.payment.provider_customer_id = customer_id
    return provider.charge(
        request=ChargeRequest(
            amount_cents=to_cents(invoice.total_amount, invoice.currency),
            currency=invoice.currency,
            provider_customer_id=customer_id,
            idempotency_key=claim.attempt.idempotency_key,
            metadata={
                "lago_invoice_id": str(invoice.id),
                "lago_organization_id": str(invoice.organization_id),
                "invoice_number": invoice.number,
            },
        )
    )


def _provider_customer_id(provider: PaymentProvider, invoice: Invoice) -> str:
    """Links the customer to the provider, creating it there when its billing configuration asks to sync."""
    customer = invoice.customer
    customer_id = provider.customer_id(customer=customer)
    if customer_id and customer_id != customer.provider_customer_id:
        customer_upsert(
            organization=invoice.organization, external_id=customer.external_id, provider_customer_id=customer_id
        )
    return customer_id


@transaction.atomic
def attempt_record(*, attempt: PaymentAttempt, result: ChargeResult, now: datetime | None = None) -> Payment:
    """Records the provider's answer to an attempt, once: an attempt already settled is left as it is."""
    now = now or timezone.now()
    payment = payment_locked(payment_id=attempt.payment_id)
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status not in OPEN_ATTEMPT:
        return payment
    attempt.status = ATTEMPT_STATUS[result.outcome]
    attempt.error_code, attempt.error_message = result.error_code, result.error_message
    attempt.provider_payment_id = result.provider_payment_id
    attempt.finished_at = now
    attempt.save()
    payment.provider_payment_id = result.provider_payment_id or payment.provider_payment_id
    if result.outcome == ChargeOutcome.DECLINED:
        payment_declined(payment=payment, attempt=attempt, now=now)
    else:
        payment_advanced(payment=payment, status=Status(result.outcome.value), payment_url=result.payment_url)
    return payment


def payment_advanced(*, payment: Payment, status: str, payment_url: str = "") -> None:
    """A payment succeeded, waits for the provider or for the customer; called under the payment's row lock."""
    payment.status = status
    payment.payment_url = ""
    if status == Status.REQUIRES_ACTION:
        payment.payment_url = payment_url or payment_authentication_url(payment=payment)
    payment.next_retry_at = None
    payment.save()
    if status == Status.SUCCEEDED:
        _invoice_payment_status(payment.invoice, Invoice.PaymentStatus.SUCCEEDED)


def payment_declined(*, payment: Payment, attempt: PaymentAttempt, now: datetime) -> None:
    """Marks the invoice failed and schedules the next retry of the dunning schedule, or, after the last one, marks
    the invoice overdue; called under the payment's row lock, once per declined attempt."""
    payment.status = Status.FAILED
    payment.payment_url = ""
    payment.first_declined_at = payment.first_declined_at or now
    declines = payment.attempts.filter(status=AttemptStatus.DECLINED).count()
    delays = retry_delays_for(organization=payment.invoice.organization)
    payment.next_retry_at = retry_at(first_declined_at=payment.first_declined_at, declines=declines, delays_days=delays)
    payment.save()
    invoice = _invoice_payment_status(payment.invoice, Invoice.PaymentStatus.FAILED)
    invoice_payment_failure_emit(payment=payment, attempt=attempt)
    if payment.next_retry_at is None and invoice.status == Invoice.Status.FINALIZED and not invoice.payment_overdue:
        invoice_payment_overdue_emit(invoice=invoice_mark_overdue(invoice=invoice))


@transaction.atomic
def attempt_unanswered(*, attempt: PaymentAttempt, error: ProviderUnavailable, now: datetime) -> Payment:
    """The provider could not answer: the invoice stays unpaid, the error is recorded and the same attempt is sent
    again later (it is not the customer's decline, so the dunning schedule does not advance)."""
    payment = payment_locked(payment_id=attempt.payment_id)
    PaymentAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.PENDING).update(
        status=AttemptStatus.ERROR, error_code=error.code, error_message=error.message, finished_at=now
    )
    payment.next_retry_at = now + timedelta(minutes=settings.PAYMENTS_OUTAGE_RETRY_MINUTES)
    payment.save(update_fields=["next_retry_at", "updated_at"])
    return payment
