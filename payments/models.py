"""Payments: how an organization collects (its Stripe account, its dunning schedule), one Payment per invoice with
its attempts, and the provider events already processed.

An attempt is claimed (its row committed) before the provider is called, and its idempotency key is derived from the
invoice and the attempt number: a task run twice, or two workers at once, can never charge an invoice twice.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from billing.models import Organization
from invoicing.models import Invoice

AMOUNT = {"max_digits": 20, "decimal_places": 6}
DEFAULT_RETRY_DELAYS_DAYS = (1, 3, 7)


class Provider(models.TextChoices):
    STRIPE = "stripe"
    MANUAL = "manual"


class StripeAccount(models.Model):
    """The organization's Stripe credentials: its API keys, and the signing secret of the webhook endpoint that
    Stripe calls (/webhooks/stripe/)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="stripe_account")
    secret_key = models.CharField(max_length=255, help_text="sk_live_… or sk_test_…")
    publishable_key = models.CharField(
        max_length=255, blank=True, help_text="pk_…, for the page where customers authenticate a payment (3-D Secure)"
    )
    webhook_secret = models.CharField(max_length=255, blank=True, help_text="whsec_…, to verify Stripe-Signature")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Stripe account of {self.organization}"


def default_retry_delays() -> list[int]:
    return list(DEFAULT_RETRY_DELAYS_DAYS)


def validate_retry_delays(value) -> None:
    if (
        not isinstance(value, list)
        or not all(isinstance(days, int) and not isinstance(days, bool) and days > 0 for days in value)
        or value != sorted(set(value))
    ):
        raise ValidationError("A list of increasing whole numbers of days, e.g. [1, 3, 7].")


class DunningSchedule(models.Model):
    """When a declined payment is tried again: days after its first decline. Once the last retry is declined too,
    the invoice is overdue. An organization without one retries after 1, 3 and 7 days."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="dunning_schedule")
    retry_delays_days = models.JSONField(
        default=default_retry_delays,
        blank=True,
        validators=[validate_retry_delays],
        help_text="Days after the first decline, increasing, e.g. [1, 3, 7]; [] never retries",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Retries after {self.retry_delays_days} days"


class Payment(models.Model):
    """The collection of one invoice through one provider; each charge of it is a PaymentAttempt."""

    class Status(models.TextChoices):
        PENDING = "pending"  # no attempt answered yet, or the provider could not be reached (a retry is scheduled)
        PROCESSING = "processing"  # the provider settles later and tells through a webhook
        REQUIRES_ACTION = "requires_action"  # the customer must authenticate at payment_url (3-D Secure)
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # declined; next_retry_at tells when it is tried again, if ever
        REFUNDED = "refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="payments")
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="payment")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    provider_customer_id = models.CharField(max_length=255, blank=True)
    provider_payment_id = models.CharField(max_length=255, blank=True, help_text="The latest PaymentIntent's id")
    payment_url = models.URLField(max_length=2048, blank=True, help_text="Where the customer authenticates")
    first_declined_at = models.DateTimeField(null=True, blank=True, help_text="The dunning schedule counts from it")
    next_retry_at = models.DateTimeField(null=True, blank=True)
    provider_refund_id = models.CharField(max_length=255, blank=True)
    refunded_amount = models.DecimalField(**AMOUNT, default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["next_retry_at"]), models.Index(fields=["provider", "provider_payment_id"])]

    def __str__(self) -> str:
        return f"{self.provider} payment of {self.invoice_id}"


class PaymentAttempt(models.Model):
    """One charge of a payment. Unique per (payment, attempt number), i.e. per (invoice, attempt number)."""

    class Status(models.TextChoices):
        PENDING = "pending"  # claimed, the provider is being called
        SUCCEEDED = "succeeded"
        PROCESSING = "processing"
        REQUIRES_ACTION = "requires_action"
        DECLINED = "declined"
        ERROR = "error"  # the provider could not be reached or failed (5xx): not the customer's decline

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="attempts")
    attempt_number = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=255, blank=True)
    error_message = models.TextField(blank=True)
    provider_payment_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["payment", "attempt_number"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "attempt_number"], name="unique_payment_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.attempt_number} ({self.status})"


class ProviderEvent(models.Model):
    """An inbound provider event (webhook) already processed: a replay of its id changes nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="provider_events")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=255)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="unique_provider_event"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
