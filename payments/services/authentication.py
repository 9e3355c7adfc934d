"""The platform's page where a customer authenticates a payment (3-D Secure) when Stripe gives no page of its own:
addressed by a signed, expiring token, so that its URL can be sent to the customer and cannot be forged."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from billing.errors import NotFound
from invoicing.models import Invoice
from payments.models import Payment
from payments.providers.stripe import StripeProvider

SALT = "payments.authentication"
TOKEN_MAX_AGE = timedelta(days=30)


def payment_authentication_url(*, payment: Payment) -> str:
    token = signing.dumps(str(payment.id), salt=SALT, compress=True)
    return settings.PUBLIC_URL.rstrip("/") + reverse("payment-authentication", args=[token])


def payment_for_authentication(*, token: str) -> Payment:
    try:
        payment_id = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as error:  # also an expired one
        raise NotFound("payment") from error
    payment = (
        Payment.objects.select_related("invoice__customer", "organization__stripe_account")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise NotFound("payment")
    return payment


@dataclass(frozen=True)
class AuthenticationDetails:
    """What Stripe.js needs in the customer's browser to confirm the payment."""

    publishable_key: str
    client_secret: str
    payment_method: str


def payment_authentication_details(*, payment: Payment) -> AuthenticationDetails | None:
    """None unless the payment of a finalized invoice waits for the customer (a voided invoice is not to be paid);
    raises ProviderUnavailable when Stripe cannot answer."""
    if payment.status != Payment.Status.REQUIRES_ACTION or payment.invoice.status != Invoice.Status.FINALIZED:
        return None
    account = payment.organization.stripe_account
    client_secret, payment_method = StripeProvider(account).authentication_details(
        provider_payment_id=payment.provider_payment_id
    )
    return AuthenticationDetails(account.publishable_key, client_secret, payment_method)
