"""Rendering an invoice's PDF and storing it through Django's storage API. Runs in a Celery task, never in a request."""

from uuid import UUID

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from invoicing.hooks import InvoiceEvent, invoices_changed
from invoicing.models import Invoice
from invoicing.pdf.rendering import invoice_pdf_bytes
from invoicing.pdf.selectors import invoice_document, invoice_for_document


def invoice_file_name(invoice: Invoice) -> str:
    return f"{invoice.organization_id}/{invoice.id}.pdf"


def invoice_pdf_generate(*, invoice_id: UUID | str, regenerate: bool = False) -> Invoice | None:
    """Renders and stores the invoice's PDF, then fires GENERATED. An invoice that has one keeps it unless
    `regenerate`; a draft gets none (its fees may still change). None when the invoice is gone or a draft.

    Rendering happens outside the transaction; the row lock then decides between concurrent runs (a finalization
    and a download), so an invoice never ends up pointing at one file while another is left behind."""
    invoice = invoice_for_document(invoice_id=invoice_id)
    if invoice is None or invoice.status == Invoice.Status.DRAFT:
        return None
    if invoice.file and not regenerate:
        return invoice
    pdf = invoice_pdf_bytes(document=invoice_document(invoice=invoice))
    with transaction.atomic():
        stored = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if stored.file and not regenerate:
            return stored
        previous = stored.file.name
        stored.file.save(invoice_file_name(stored), ContentFile(pdf), save=False)
        stored.updated_at = timezone.now()
        stored.save(update_fields=["file", "updated_at"])
        if previous and previous != stored.file.name:
            storage = stored.file.storage
            transaction.on_commit(lambda: storage.delete(previous))
        invoices_changed(InvoiceEvent.GENERATED, [stored.pk])
    return stored
