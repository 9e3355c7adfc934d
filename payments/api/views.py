from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework.response import Response

from billing.api.schema import enveloped, errors
from billing.api.views import OrganizationAPIView
from billing.errors import ValidationFailed
from invoicing.selectors.invoices import invoice_get
from payments.api.serializers import InvoicePaymentDetailsSerializer
from payments.selectors import invoice_payment_url
from payments.services.stripe_events import stripe_event_receive


class InvoicePaymentUrlView(OrganizationAPIView):
    resource_name = "invoice"

    @extend_schema(
        request=OpenApiRequest(OpenApiTypes.OBJECT),
        responses={200: enveloped("invoice_payment_details", InvoicePaymentDetailsSerializer), **errors(404, 405)},
        operation_id="invoices_payment_url",
        summary="The URL where the customer completes an invoice's payment (3-D Secure)",
        description=(
            "405 `invoice_payment_already_succeeded` for a paid invoice, `payment_url_not_available` when no "
            "payment waits for the customer."
        ),
        tags=["invoices"],
    )
    def post(self, request, lago_id: str):
        invoice = invoice_get(organization=self.organization, lago_id=lago_id, detailed=False)
        payment = invoice_payment_url(invoice=invoice)
        return Response({"invoice_payment_details": InvoicePaymentDetailsSerializer(payment).data})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """Stripe's calls (not the Lago API): 400 for an event whose signature does not verify, 200 otherwise."""
    try:
        stripe_event_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except ValidationFailed as refused:
        return JsonResponse({"status": 400, "error": "Bad Request", "error_details": refused.details}, status=400)
    return JsonResponse({"received": True})
