"""Invoice lifecycle listeners of payments: they only enqueue the work (after the invoice's change committed).

A broker that refuses the task must not fail the request whose change already committed: the hourly dunning tick
finds an invoice whose collection never started and collects it.
"""

from uuid import UUID

import structlog
from kombu.exceptions import OperationalError

from invoicing.hooks import InvoiceEvent, register_invoice_listener
from payments.selectors import invoice_to_refund, invoices_to_collect
from payments.tasks import collect_invoice, refund_invoice

logger = structlog.get_logger(__name__)


def collect_finalized_invoices(invoice_ids: list[UUID]) -> None:
    for invoice_id in invoices_to_collect(invoice_ids=invoice_ids):
        _enqueue(collect_invoice, invoice_id)


def refund_voided_invoices(invoice_ids: list[UUID]) -> None:
    for invoice_id in invoice_ids:
        if invoice_to_refund(invoice_id=invoice_id):
            _enqueue(refund_invoice, invoice_id)


def _enqueue(task, invoice_id: UUID) -> None:
    try:
        task.delay(str(invoice_id))
    except (OperationalError, OSError):
        logger.exception("payments.enqueue_failed", task=task.name, invoice_id=str(invoice_id))


def register_payment_listeners() -> None:
    register_invoice_listener(InvoiceEvent.FINALIZED, collect_finalized_invoices)
    register_invoice_listener(InvoiceEvent.VOIDED, refund_voided_invoices)
