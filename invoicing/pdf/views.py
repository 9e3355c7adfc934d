"""Serves an invoice's PDF to whoever holds a valid signed link (see links.py); no session, no API key."""

from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_GET

from billing.errors import NotFound
from invoicing.models import Invoice
from invoicing.pdf.links import LinkExpired, invoice_from_file_token


def pdf_response(invoice: Invoice) -> FileResponse:
    """The stored file, streamed; inline, so that a browser shows it, under the invoice's number. A file gone from the
    storage (a lost volume) is a 404 until the PDF is regenerated."""
    try:
        stored = invoice.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The invoice's file is missing from the storage.") from exc
    response = FileResponse(stored, content_type="application/pdf", filename=f"{invoice.number}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def invoice_file(request, token: str):
    try:
        invoice = invoice_from_file_token(token=token)
    except LinkExpired:
        return HttpResponse("This link has expired: download the invoice again.", status=410, content_type="text/plain")
    except NotFound as exc:
        raise Http404("No such invoice file.") from exc
    return pdf_response(invoice)
