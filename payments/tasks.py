"""Celery entry points of payments: thin wrappers that take ids and call the services."""

from celery import shared_task
from django.utils import timezone

from payments.providers.base import ProviderUnavailable
from payments.selectors import invoices_due_for_collection, invoices_to_refund
from payments.services.collection import payment_collect
from payments.services.refunds import payment_refund


@shared_task(name="payments.collect_invoice", acks_late=True)
def collect_invoice(invoice_id: str) -> str | None:
    """Charges the invoice if a charge is due; run twice or concurrently, it charges once."""
    payment = payment_collect(invoice_id=invoice_id)
    return payment.status if payment is not None else None


@shared_task(name="payments.retry_due_payments")
def retry_due_payments() -> int:
    """The dunning tick: one collection task per invoice whose retry is due (or whose collection never started),
    and one refund task per voided invoice still paid. Returns the collection tasks queued."""
    invoice_ids = invoices_due_for_collection(at=timezone.now())
    for invoice_id in invoice_ids:
        collect_invoice.delay(str(invoice_id))
    for invoice_id in invoices_to_refund():
        refund_invoice.delay(str(invoice_id))
    return len(invoice_ids)


@shared_task(
    name="payments.refund_invoice",
    acks_late=True,
    autoretry_for=(ProviderUnavailable,),
    retry_backoff=60,
    max_retries=8,
)
def refund_invoice(invoice_id: str) -> str | None:
    payment = payment_refund(invoice_id=invoice_id)
    return payment.status if payment is not None else None
