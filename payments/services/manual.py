"""Manual collection: an invoice paid outside the platform is marked paid and gets a succeeded manual payment."""

from django.db import transaction

from invoicing.models import Invoice
from invoicing.services.invoices import invoice_update
from payments.models import Payment, Provider


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice) -> Invoice:
    """Sets the invoice's payment status to succeeded and records the payment (manual, unless a provider's payment
    exists already); a draft or voided invoice is refused (`payment_status: invoice_not_finalized`)."""
    invoice = invoice_update(invoice=invoice, payment_status=Invoice.PaymentStatus.SUCCEEDED)
    if invoice.total_amount <= 0:
        return invoice
    payment, created = Payment.objects.select_for_update().get_or_create(
        invoice=invoice,
        defaults={
            "organization_id": invoice.organization_id,
            "provider": Provider.MANUAL,
            "amount": invoice.total_amount,
            "currency": invoice.currency,
            "status": Payment.Status.SUCCEEDED,
        },
    )
    if not created and payment.status != Payment.Status.SUCCEEDED:
        payment.status = Payment.Status.SUCCEEDED
        payment.next_retry_at = None
        payment.payment_url = ""
        payment.save()
    return invoice
