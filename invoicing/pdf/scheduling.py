"""Queueing PDF rendering: after finalization (an invoice lifecycle listener), on a download of an invoice that has no
PDF yet, and from the admin's "Regenerate PDFs". Rendering itself runs in the `invoicing.render_invoice_pdf` task.

Queueing runs after the change committed, so a broker that cannot take the message must not fail the request that
made the change: the error is logged, and the PDF is queued again by the next download or from the admin.
"""

from uuid import UUID

import structlog
from django.db import transaction
from kombu.exceptions import OperationalError

from billing.errors import NotAllowed
from invoicing.hooks import InvoiceEvent, register_invoice_listener
from invoicing.models import Invoice
from invoicing.tasks import render_invoice_pdf, render_invoice_pdfs

logger = structlog.get_logger(__name__)
PDFS_PER_TASK = 20


def _send(invoice_id: UUID, *, regenerate: bool = False) -> None:
    try:
        render_invoice_pdf.delay(str(invoice_id), regenerate=regenerate)
    except (OperationalError, OSError) as error:
        logger.error("invoice_pdf.not_queued", invoice_id=str(invoice_id), error=repr(error))


def _enqueue(invoice_id: UUID, *, regenerate: bool = False) -> None:
    transaction.on_commit(lambda: _send(invoice_id, regenerate=regenerate))


def _refuse_draft(invoice: Invoice) -> None:
    if invoice.status == Invoice.Status.DRAFT:
        raise NotAllowed("is_draft", "a draft invoice has no PDF")


def invoice_pdf_request(*, invoice: Invoice) -> Invoice:
    """Lago's download: an invoice without its PDF gets it rendered; the caller answers with the invoice as it is."""
    _refuse_draft(invoice)
    if not invoice.file:
        _enqueue(invoice.pk)
    return invoice


def invoice_pdf_regenerate(*, invoice: Invoice) -> Invoice:
    """Renders the PDF again (after a template or an address change); the new file replaces the old one."""
    _refuse_draft(invoice)
    _enqueue(invoice.pk, regenerate=True)
    return invoice


def render_after_finalization(invoice_ids: list[UUID]) -> None:
    """The FINALIZED listener (it already runs after commit): one task per few invoices, so that a billing batch
    enqueues a handful of messages, not one per invoice, and both workers still share the rendering."""
    for start in range(0, len(invoice_ids), PDFS_PER_TASK):
        chunk = [str(invoice_id) for invoice_id in invoice_ids[start : start + PDFS_PER_TASK]]
        try:
            render_invoice_pdfs.delay(chunk)
        except (OperationalError, OSError) as error:
            logger.error("invoice_pdf.not_queued", invoices=len(chunk), error=repr(error))


def register_pdf_listener() -> None:
    register_invoice_listener(InvoiceEvent.FINALIZED, render_after_finalization)
