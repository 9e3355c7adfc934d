"""The invoice admin's PDF: a "Download PDF" button on the invoice's page, served to the signed-in staff user (scoped
to their organization like every admin row), and a bulk "Regenerate PDFs" action that queues rendering."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from billing.admin_actions import apply_service
from invoicing.models import Invoice
from invoicing.pdf.scheduling import invoice_pdf_regenerate
from invoicing.pdf.views import pdf_response


class InvoicePdfAdminMixin:
    """For the Invoice ModelAdmin: add "pdf" to its (read-only) fields and "regenerate_pdfs" to its actions."""

    def get_urls(self):
        download = path(
            "<path:object_id>/pdf/",
            self.admin_site.admin_view(self.download_pdf),
            name="invoicing_invoice_pdf",
        )
        return [download, *super().get_urls()]

    def download_pdf(self, request, object_id: str):
        invoice = self.get_object(request, object_id)  # from the organization-scoped queryset
        if invoice is None or not self.has_view_permission(request, invoice):
            raise Http404("No such invoice.")
        if not invoice.file:
            self.message_user(request, "This invoice has no PDF yet.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))
        return pdf_response(invoice)

    @admin.display(description="PDF")
    def pdf(self, invoice: Invoice) -> str:
        if not invoice.file:
            return "Not rendered yet" if invoice.status != Invoice.Status.DRAFT else "None for a draft"
        url = reverse("admin:invoicing_invoice_pdf", args=[invoice.pk])
        return format_html('<a class="button" href="{}">Download PDF</a>', url)

    @admin.action(description="Regenerate PDFs", permissions=["change"])
    def regenerate_pdfs(self, request, queryset: QuerySet[Invoice]):
        apply_service(
            self, request, queryset, invoice_pdf_regenerate, keyword="invoice", done="Queued the PDF of", noun="invoice"
        )
