"""Reads of payments: an organization's dunning schedule, the payments due for a retry, an invoice's payment URL."""

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Q

from billing.errors import NotAllowed
from billing.models import Organization
from invoicing.models import Invoice
from payments.models import DEFAULT_RETRY_DELAYS_DAYS, DunningSchedule, Payment, PaymentAttempt, Provider

# An attempt claimed this long ago and still unanswered lost its worker: it is sent again, with the same key.
STALE_ATTEMPT_AGE = timedelta(minutes=10)


def retry_delays_for(*, organization: Organization) -> tuple[int, ...]:
    schedule = DunningSchedule.objects.filter(organization=organization).first()
    return tuple(schedule.retry_delays_days) if schedule is not None else DEFAULT_RETRY_DELAYS_DAYS


def invoices_to_collect(*, invoice_ids: list[UUID]) -> list[UUID]:
    """Those of the invoices with anything to collect through a provider, in one query (cheaper than a task each)."""
    return list(
        Invoice.objects.filter(
            pk__in=invoice_ids, total_amount__gt=0, customer__payment_provider__in=Provider.values
        ).values_list("id", flat=True)
    )


def invoice_to_refund(*, invoice_id: UUID) -> bool:
    return Payment.objects.filter(invoice_id=invoice_id, status=Payment.Status.SUCCEEDED).exists()


def invoices_to_refund() -> list:
    """Ids of voided invoices whose payment succeeded and is not refunded yet."""
    return list(
        Payment.objects.filter(status=Payment.Status.SUCCEEDED, invoice__status=Invoice.Status.VOIDED)
        .order_by("invoice_id")
        .values_list("invoice_id", flat=True)
    )


def invoices_due_for_collection(*, at: datetime) -> list:
    """Ids of unpaid finalized invoices whose payment is due for a retry at `at` or whose attempt went stale, and of
    those never collected (their collection task was lost)."""
    due = Q(next_retry_at__lte=at) | Q(
        attempts__status=PaymentAttempt.Status.PENDING, attempts__started_at__lte=at - STALE_ATTEMPT_AGE
    )
    retries = (
        Payment.objects.filter(
            due, status__in=[Payment.Status.PENDING, Payment.Status.FAILED], invoice__status=Invoice.Status.FINALIZED
        )
        .exclude(invoice__payment_status=Invoice.PaymentStatus.SUCCEEDED)
        .values_list("invoice_id", flat=True)
        .distinct()
    )
    never_collected = Invoice.objects.filter(
        status=Invoice.Status.FINALIZED,
        payment_status=Invoice.PaymentStatus.PENDING,
        finalized_at__lte=at - STALE_ATTEMPT_AGE,
        total_amount__gt=0,
        customer__payment_provider__in=Provider.values,
        payment__isnull=True,
    ).values_list("id", flat=True)
    return sorted({*retries, *never_collected})


def invoice_payment_url(*, invoice: Invoice) -> Payment:
    """The payment awaiting the customer (3-D Secure) and the URL where they complete it."""
    if invoice.payment_status == Invoice.PaymentStatus.SUCCEEDED:
        raise NotAllowed("invoice_payment_already_succeeded")
    payment = Payment.objects.filter(invoice=invoice, status=Payment.Status.REQUIRES_ACTION).first()
    if payment is None or not payment.payment_url:
        raise NotAllowed("payment_url_not_available")
    return payment
