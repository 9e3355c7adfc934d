from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework.response import Response

from billing.api.schema import PAGINATION_PARAMETERS, enveloped, errors, listed
from billing.api.views import OrganizationAPIView
from invoicing.api.fields import given_query_params
from invoicing.api.invoices.serializers import (
    InvoiceListItemSerializer,
    InvoiceListQuerySerializer,
    InvoiceSerializer,
    InvoiceUpdateInputSerializer,
)
from invoicing.models import Invoice
from invoicing.pdf.scheduling import invoice_pdf_request
from invoicing.selectors.invoices import invoice_get, invoice_list
from invoicing.services.invoices import invoice_finalize, invoice_refresh, invoice_update, invoice_void

TAGS = ["invoices"]
INVOICE_ENVELOPE = enveloped("invoice", InvoiceSerializer)
# The actions take no parameters; Lago's clients send no body, or an empty one.
NO_BODY = OpenApiRequest(OpenApiTypes.OBJECT)


class InvoiceAPIView(OrganizationAPIView):
    resource_name = "invoice"

    def invoice(self, lago_id: str, *, detailed: bool = False) -> Invoice:
        return invoice_get(organization=self.organization, lago_id=lago_id, detailed=detailed)

    def invoice_response(self, invoice: Invoice) -> Response:
        # Re-read with its relations: a refresh or finalization replaces the fees the response lists.
        return Response({"invoice": InvoiceSerializer(self.invoice(str(invoice.pk), detailed=True)).data})


class InvoiceListView(OrganizationAPIView):
    @extend_schema(
        parameters=[*PAGINATION_PARAMETERS, InvoiceListQuerySerializer],
        responses={200: listed("invoices", InvoiceSerializer), **errors(422)},
        operation_id="invoices_list",
        summary="List invoices, latest issuing date first",
        description="Each invoice with its customer, metadata and applied taxes; get one invoice for its fees.",
        tags=TAGS,
    )
    def get(self, request):
        filters = self.validated(InvoiceListQuerySerializer, given_query_params(request.query_params))
        invoices = invoice_list(organization=self.organization, filters=filters)
        return self.page_response(invoices, "invoices", InvoiceListItemSerializer)


class InvoiceDetailView(InvoiceAPIView):
    @extend_schema(
        responses={200: INVOICE_ENVELOPE, **errors(404)},
        operation_id="invoices_retrieve",
        summary="Get an invoice by lago_id, with its fees and billing periods",
        tags=TAGS,
    )
    def get(self, request, lago_id: str):
        return Response({"invoice": InvoiceSerializer(self.invoice(lago_id, detailed=True)).data})

    @extend_schema(
        request=enveloped("invoice", InvoiceUpdateInputSerializer, name="InvoiceUpdateRequestEnvelope"),
        responses={200: INVOICE_ENVELOPE, **errors(400, 404, 413, 422)},
        operation_id="invoices_update",
        summary="Set an invoice's payment status or metadata",
        description=(
            "The payment status of a finalized invoice only (`payment_status: invoice_not_finalized` otherwise). "
            "A metadata item with an unknown id is `metadata: metadata_not_found`; nothing changes on an error."
        ),
        tags=TAGS,
    )
    def put(self, request, lago_id: str):
        arguments = self.validated(InvoiceUpdateInputSerializer, self.root_payload("invoice"))
        return self.invoice_response(invoice_update(invoice=self.invoice(lago_id), **arguments))


class InvoiceRefreshView(InvoiceAPIView):
    @extend_schema(
        request=NO_BODY,
        responses={200: INVOICE_ENVELOPE, **errors(404)},
        operation_id="invoices_refresh",
        summary="Re-rate a draft invoice with the usage known now",
        description="A finalized or voided invoice is returned unchanged.",
        tags=TAGS,
    )
    def put(self, request, lago_id: str):
        return self.invoice_response(invoice_refresh(invoice=self.invoice(lago_id)))


class InvoiceFinalizeView(InvoiceAPIView):
    @extend_schema(
        request=NO_BODY,
        responses={200: INVOICE_ENVELOPE, **errors(404, 405)},
        operation_id="invoices_finalize",
        summary="Refresh a draft one last time and finalize it",
        description="Finalizing a finalized invoice changes nothing; a voided one answers 405 `invoice_not_draft`.",
        tags=TAGS,
    )
    def put(self, request, lago_id: str):
        return self.invoice_response(invoice_finalize(invoice=self.invoice(lago_id)))


class InvoiceVoidView(InvoiceAPIView):
    @extend_schema(
        request=NO_BODY,
        responses={200: INVOICE_ENVELOPE, **errors(404, 405)},
        operation_id="invoices_void",
        summary="Void a finalized invoice (a paid one is refunded)",
        description=(
            "A draft answers 405 `not_voidable`; voiding a voided invoice changes nothing. A paid invoice is refunded "
            "through its payment provider. The billed period stays billed: it is not invoiced again."
        ),
        tags=TAGS,
    )
    def post(self, request, lago_id: str):
        return self.invoice_response(invoice_void(invoice=self.invoice(lago_id)))


class InvoiceDownloadView(InvoiceAPIView):
    @extend_schema(
        request=NO_BODY,
        responses={200: INVOICE_ENVELOPE, **errors(404, 405)},
        operation_id="invoices_download",
        summary="Get the invoice's PDF link, or have the PDF rendered",
        description=(
            "With the PDF rendered, the invoice's `file_url` is a signed link that expires. Without it, rendering is "
            "queued and `file_url` is null: ask again later, or wait for the `invoice.generated` webhook. A draft "
            "answers 405 `is_draft`."
        ),
        tags=TAGS,
    )
    def post(self, request, lago_id: str):
        return self.invoice_response(invoice_pdf_request(invoice=self.invoice(lago_id)))
