"""Invoice webhooks (invoice.drafted, .created, .voided, .payment_status_updated, .generated): the invoice lifecycle
hooks enqueue a task that renders the invoice as the invoices API does and sends it through the platform's webhooks.

Registered by InvoicingConfig.ready(). Payments sends invoice.payment_failure and invoice.payment_overdue itself.
"""

from collections.abc import Callable
from uuid import UUID

from celery import shared_task

from billing.webhooks import webhook_emit, webhook_wanted
from billing.webhooks.types import WebhookType
from invoicing.api.invoices.serializers import InvoiceSerializer
from invoicing.hooks import InvoiceEvent, register_invoice_listener
from invoicing.models import Invoice
from invoicing.selectors.invoices import invoice_get

WEBHOOK_TYPE_OF_INVOICE_EVENT = {
    InvoiceEvent.DRAFTED: WebhookType.INVOICE_DRAFTED,
    InvoiceEvent.FINALIZED: WebhookType.INVOICE_CREATED,
    InvoiceEvent.VOIDED: WebhookType.INVOICE_VOIDED,
    InvoiceEvent.PAYMENT_STATUS_UPDATED: WebhookType.INVOICE_PAYMENT_STATUS_UPDATED,
    InvoiceEvent.GENERATED: WebhookType.INVOICE_GENERATED,
}


@shared_task(name="invoicing.emit_invoice_webhook", ignore_result=True)
def emit_invoice_webhook(invoice_id: str, webhook_type: str) -> None:
    invoice_webhook_emit(invoice_id=UUID(invoice_id), webhook_type=WebhookType(webhook_type))


def invoice_webhook_emit(*, invoice_id: UUID, webhook_type: WebhookType) -> None:
    """Sends the invoice as it is now; nothing when it is gone or its organization has no endpoint for the type."""
    invoice = Invoice.objects.select_related("organization").filter(pk=invoice_id).first()
    if invoice is None or not webhook_wanted(organization_id=invoice.organization_id, webhook_type=webhook_type):
        return
    invoice = invoice_get(organization=invoice.organization, lago_id=str(invoice_id), detailed=True)
    webhook_emit(
        organization=invoice.organization,
        webhook_type=webhook_type,
        object_type="invoice",
        payload=InvoiceSerializer(invoice).data,
    )


def _enqueuer(webhook_type: WebhookType) -> Callable[[list[UUID]], None]:
    def enqueue(invoice_ids: list[UUID]) -> None:
        # A task per invoice state change would mostly find nobody to tell: only queue them for organizations whose
        # endpoints want this type, found with one query for the whole batch.
        rows = Invoice.objects.filter(pk__in=invoice_ids).values_list("id", "organization_id")
        wanted: dict[UUID, bool] = {}
        for invoice_id, organization_id in rows:
            if organization_id not in wanted:
                wanted[organization_id] = webhook_wanted(organization_id=organization_id, webhook_type=webhook_type)
            if wanted[organization_id]:
                emit_invoice_webhook.delay(str(invoice_id), webhook_type.value)

    return enqueue


# Built once, so that registering twice finds the same listeners and adds nothing.
_LISTENERS = {event: _enqueuer(webhook_type) for event, webhook_type in WEBHOOK_TYPE_OF_INVOICE_EVENT.items()}


def register_invoice_webhooks() -> None:
    for event, listener in _LISTENERS.items():
        register_invoice_listener(event, listener)
