"""The webhook types the platform sends, as Lago names them, and what each endpoint may ask for."""

from enum import StrEnum


class WebhookType(StrEnum):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    SUBSCRIPTION_STARTED = "subscription.started"
    SUBSCRIPTION_TERMINATED = "subscription.terminated"
    SUBSCRIPTION_TRIAL_ENDED = "subscription.trial_ended"
    INVOICE_CREATED = "invoice.created"
    INVOICE_DRAFTED = "invoice.drafted"
    INVOICE_GENERATED = "invoice.generated"
    INVOICE_VOIDED = "invoice.voided"
    INVOICE_PAYMENT_STATUS_UPDATED = "invoice.payment_status_updated"
    INVOICE_PAYMENT_FAILURE = "invoice.payment_failure"
    INVOICE_PAYMENT_OVERDUE = "invoice.payment_overdue"
    EVENT_ERROR = "event.error"


WEBHOOK_TYPES = frozenset(WebhookType)


class SignatureAlgorithm(StrEnum):
    # Lago also signs with JWT (RS256 with Lago's private key); receivers here verify the organization's HMAC key only.
    HMAC = "hmac"


SIGNATURE_ALGORITHMS = frozenset(SignatureAlgorithm)
