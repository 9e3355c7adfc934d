"""Stripe through its SDK (a StripeClient per organization account; the API base comes from settings, so tests point
it at localstripe)."""

import stripe
from django.conf import settings

from customers.models import Customer
from payments.models import StripeAccount
from payments.providers.base import ChargeOutcome, ChargeRequest, ChargeResult, ProviderUnavailable, RefundResult

MISSING_PAYMENT_METHOD = "missing_payment_method"
MISSING_PROVIDER_CUSTOMER = "missing_provider_customer"
AUTHENTICATION_REQUIRED = "authentication_required"


def stripe_client(*, secret_key: str) -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        secret_key,
        base_addresses=base,
        # Retries belong to the payment's schedule (same idempotency key), not to a blocked worker.
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _message(error: stripe.StripeError) -> str:
    return (error.json_body or {}).get("error", {}).get("message") or str(error)


def _declined(error: stripe.StripeError) -> ChargeResult:
    intent = (error.json_body or {}).get("error", {}).get("payment_intent") or {}
    intent_id = intent.get("id", "") if isinstance(intent, dict) else ""
    if error.code == AUTHENTICATION_REQUIRED and intent_id:
        # Stripe refuses an off-session charge that needs 3-D Secure: the customer confirms it on our page.
        return ChargeResult(outcome=ChargeOutcome.REQUIRES_ACTION, provider_payment_id=intent_id)
    return ChargeResult(
        outcome=ChargeOutcome.DECLINED,
        provider_payment_id=intent_id,
        error_code=error.code or type(error).__name__,
        error_message=_message(error),
    )


def _unavailable(error: stripe.StripeError) -> ProviderUnavailable:
    return ProviderUnavailable(error.code or type(error).__name__, _message(error))


def _is_outage(error: stripe.StripeError) -> bool:
    """The provider did not decide: unreachable, its own failure, throttling or our credentials."""
    return (
        isinstance(error, stripe.APIConnectionError | stripe.RateLimitError | stripe.AuthenticationError)
        or error.http_status is None
        or error.http_status >= 500
    )


def payment_url_of(next_action: dict | None) -> str:
    """The page where the customer completes a PaymentIntent's next action, when Stripe redirects to one; for one
    that Stripe.js handles, "" (the platform's own authentication page serves it)."""
    url = ((next_action or {}).get("redirect_to_url") or {}).get("url")
    return url if isinstance(url, str) else ""


class StripeProvider:
    name = "stripe"

    def __init__(self, account: StripeAccount):
        self.client = stripe_client(secret_key=account.secret_key)

    def customer_id(self, *, customer: Customer) -> str:
        if customer.provider_customer_id or not customer.sync_with_provider:
            return customer.provider_customer_id
        address = {
            "line1": customer.address_line1,
            "line2": customer.address_line2,
            "city": customer.city,
            "state": customer.state,
            "postal_code": customer.zipcode,
            "country": customer.country,
        }
        params = {
            "name": customer.name or customer.external_id,
            "metadata": {"lago_customer_id": str(customer.id), "customer_id": customer.external_id},
            **({"email": customer.email.split(",")[0].strip()} if customer.email else {}),
            **({"phone": customer.phone} if customer.phone else {}),
            **({"address": {key: value for key, value in address.items() if value}} if customer.country else {}),
        }
        try:
            created = self.client.v1.customers.create(params, {"idempotency_key": f"customer-{customer.id}"})
        except stripe.StripeError as error:
            raise _unavailable(error) from error
        return created.id

    def charge(self, *, request: ChargeRequest) -> ChargeResult:
        if not request.provider_customer_id:
            return ChargeResult(
                outcome=ChargeOutcome.DECLINED,
                error_code=MISSING_PROVIDER_CUSTOMER,
                error_message="The customer has no Stripe customer id and is not synced with Stripe.",
            )
        try:
            payment_method = self._default_payment_method(request.provider_customer_id)
            if not payment_method:
                return ChargeResult(
                    outcome=ChargeOutcome.DECLINED,
                    error_code=MISSING_PAYMENT_METHOD,
                    error_message="The customer has no payment method at Stripe.",
                )
            intent = self.client.v1.payment_intents.create(
                {
                    "amount": request.amount_cents,
                    "currency": request.currency.lower(),
                    "customer": request.provider_customer_id,
                    "payment_method": payment_method,
                    "confirm": True,
                    "off_session": True,
                    "metadata": request.metadata,
                },
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as error:
            return _declined(error)
        except stripe.StripeError as error:
            if _is_outage(error):
                raise _unavailable(error) from error
            return _declined(error)
        return self._result(intent)

    def _default_payment_method(self, provider_customer_id: str) -> str:
        customer = self.client.v1.customers.retrieve(provider_customer_id).to_dict()
        default = (customer.get("invoice_settings") or {}).get("default_payment_method") or customer.get(
            "default_source"
        )
        if default:
            return default if isinstance(default, str) else default["id"]
        cards = self.client.v1.payment_methods.list({"customer": provider_customer_id, "type": "card", "limit": 1})
        return cards.data[0].id if cards.data else ""

    @staticmethod
    def _result(payment_intent: stripe.PaymentIntent) -> ChargeResult:
        intent = payment_intent.to_dict()
        if intent["status"] == "succeeded":
            return ChargeResult(outcome=ChargeOutcome.SUCCEEDED, provider_payment_id=intent["id"])
        if intent["status"] == "requires_action":
            return ChargeResult(
                outcome=ChargeOutcome.REQUIRES_ACTION,
                provider_payment_id=intent["id"],
                payment_url=payment_url_of(intent.get("next_action")),
            )
        if intent["status"] in ("processing", "requires_capture"):
            return ChargeResult(outcome=ChargeOutcome.PROCESSING, provider_payment_id=intent["id"])
        error = intent.get("last_payment_error") or {}
        return ChargeResult(
            outcome=ChargeOutcome.DECLINED,
            provider_payment_id=intent["id"],
            error_code=error.get("code") or intent["status"],
            error_message=error.get("message") or "",
        )

    def authentication_details(self, *, provider_payment_id: str) -> tuple[str, str]:
        """The PaymentIntent's client secret and payment method, for Stripe.js in the customer's browser."""
        try:
            intent = self.client.v1.payment_intents.retrieve(provider_payment_id).to_dict()
        except stripe.StripeError as error:
            raise _unavailable(error) from error
        return intent["client_secret"], intent.get("payment_method") or ""

    def refund(self, *, provider_payment_id: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        try:
            refund = self.client.v1.refunds.create(
                {"payment_intent": provider_payment_id, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise _unavailable(error) from error
        return RefundResult(provider_refund_id=refund.id, amount_cents=refund.amount)
