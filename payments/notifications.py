"""The outbound webhooks payments emits (through the platform's webhook_emit): a declined charge and an overdue
invoice. Called inside the transaction that records the change, so a rolled-back change notifies nobody."""

from billing.webhooks import webhook_emit
from billing.webhooks.types import WebhookType
from invoicing.api.invoices.serializers import InvoiceSerializer
from invoicing.models import Invoice
from invoicing.selectors.invoices import invoice_get
from payments.models import Payment, PaymentAttempt


def invoice_payment_failure_emit(*, payment: Payment, attempt: PaymentAttempt) -> None:
    invoice = payment.invoice
    webhook_emit(
        organization=invoice.organization,
        webhook_type=WebhookType.INVOICE_PAYMENT_FAILURE,
        object_type="payment_provider_invoice_payment_error",
        payload={
            "lago_invoice_id": str(invoice.id),
            "lago_customer_id": str(invoice.customer_id),
            "external_customer_id": invoice.customer.external_id,
            "provider_customer_id": payment.provider_customer_id,
            "payment_provider": payment.provider,
            "provider_error": {"error_code": attempt.error_code, "message": attempt.error_message},
        },
    )


def invoice_payment_overdue_emit(*, invoice: Invoice) -> None:
    detailed = invoice_get(organization=invoice.organization, lago_id=str(invoice.id), detailed=True)
    webhook_emit(
        organization=invoice.organization,
        webhook_type=WebhookType.INVOICE_PAYMENT_OVERDUE,
        object_type="invoice",
        payload=InvoiceSerializer(detailed).data,
    )
