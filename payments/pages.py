"""Pages for customers (not the Lago API): the payment authentication page."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.errors import NotFound
from billing.money import round_to_minor_unit
from payments.models import Payment
from payments.providers.base import ProviderUnavailable
from payments.services.authentication import payment_authentication_details, payment_for_authentication

MESSAGES = {
    Payment.Status.SUCCEEDED: "This invoice is paid. Thank you.",
    Payment.Status.REFUNDED: "This payment was refunded.",
}
UNAVAILABLE = "The payment service cannot be reached; please try again later."


@require_GET
def payment_authentication(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payment = payment_for_authentication(token=token)
    except NotFound as error:
        raise Http404("No such payment") from error
    context = {
        "invoice": payment.invoice,
        "organization_name": payment.organization.name,
        "amount": round_to_minor_unit(payment.amount, payment.currency),
        "message": MESSAGES.get(payment.status, "This payment needs no confirmation now."),
        "stripe_js_url": settings.STRIPE_JS_URL,
    }
    status = 200
    try:
        details = payment_authentication_details(payment=payment)
    except ProviderUnavailable:
        details, context["message"], status = None, UNAVAILABLE, 503
    if details is not None:
        context["client_secret"] = details.client_secret
        context["stripe_options"] = {
            "publishableKey": details.publishable_key,
            "clientSecret": details.client_secret,
            "paymentMethod": details.payment_method,
        }
    response = render(request, "payments/authentication.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
