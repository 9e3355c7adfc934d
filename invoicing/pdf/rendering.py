"""The invoice document laid out by its Django template, then printed to PDF by WeasyPrint."""

from django.template.loader import render_to_string

from invoicing.pdf.selectors import InvoiceDocument

TEMPLATE = "invoicing/invoice_pdf.html"


def invoice_html(*, document: InvoiceDocument) -> str:
    return render_to_string(TEMPLATE, {"document": document})


def invoice_pdf_bytes(*, document: InvoiceDocument) -> bytes:
    # Imported here: WeasyPrint loads pango and fontconfig when imported, which only the Celery worker needs, never a
    # web process (apps.ready imports the modules that enqueue rendering).
    from weasyprint import HTML

    return HTML(string=invoice_html(document=document)).write_pdf()
