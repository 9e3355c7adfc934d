"""Invoices: the document a billing moment produces, and the (subscription, moment) claims that make billing idempotent.

Amounts are Decimal major units already rounded to the currency's minor unit (fees are rounded once each; totals are
sums of rounded lines), with the currency stored once per invoice rather than beside every amount.
"""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from billing.models import Organization
from customers.models import Customer
from plans.models import Subscription

AMOUNT = {"max_digits": 20, "decimal_places": 6, "default": 0}
HALF_MILLIONTH = Decimal("0.0000005")


class Invoice(models.Model):
    class InvoiceType(models.TextChoices):
        SUBSCRIPTION = "subscription"
        ONE_OFF = "one_off"

    class Status(models.TextChoices):
        DRAFT = "draft"
        FINALIZED = "finalized"
        VOIDED = "voided"

    class PaymentStatus(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    sequential_id = models.PositiveBigIntegerField(help_text="The organization's invoice counter value")
    number = models.CharField(max_length=64)
    invoice_type = models.CharField(max_length=16, choices=InvoiceType.choices, default=InvoiceType.SUBSCRIPTION)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    payment_overdue = models.BooleanField(default=False)
    currency = models.CharField(max_length=3)
    issuing_date = models.DateField()
    payment_due_date = models.DateField()
    net_payment_term = models.PositiveIntegerField(default=0)
    finalize_at = models.DateTimeField(
        null=True, blank=True, help_text="When a draft held by the grace period finalizes on its own"
    )
    fees_amount = models.DecimalField(**AMOUNT)
    coupons_amount = models.DecimalField(**AMOUNT)
    sub_total_excluding_taxes_amount = models.DecimalField(**AMOUNT)
    taxes_amount = models.DecimalField(**AMOUNT)
    sub_total_including_taxes_amount = models.DecimalField(**AMOUNT)
    total_amount = models.DecimalField(**AMOUNT)
    metadata = models.JSONField(default=list, blank=True, help_text="[{id, key, value}]")
    finalized_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(
        upload_to="invoices", max_length=255, blank=True, help_text="The rendered PDF, in the default storage"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issuing_date", "-sequential_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="unique_invoice_number"),
            models.UniqueConstraint(fields=["organization", "sequential_id"], name="unique_invoice_sequential_id"),
            models.CheckConstraint(
                condition=Q(fees_amount__gte=0) & Q(taxes_amount__gte=0) & Q(total_amount__gte=0),
                name="invoice_amounts_not_negative",
            ),
            models.CheckConstraint(
                # Within half a millionth rather than equal: SQLite compares its decimals as floats.
                condition=Q(
                    total_amount__gte=F("sub_total_excluding_taxes_amount") + F("taxes_amount") - HALF_MILLIONTH,
                    total_amount__lte=F("sub_total_excluding_taxes_amount") + F("taxes_amount") + HALF_MILLIONTH,
                ),
                name="invoice_total_is_subtotal_plus_taxes",
            ),
            models.CheckConstraint(
                condition=Q(payment_due_date__gte=F("issuing_date")), name="invoice_due_after_issue"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "issuing_date"]),
            models.Index(fields=["status", "finalize_at"]),
        ]

    def __str__(self) -> str:
        return self.number


BILLING_MOMENT = ~Q(reason="in_advance_charge")


class InvoiceSubscription(models.Model):
    """One subscription billed at one moment. Its unique constraints are what make billing idempotent: a retried,
    duplicated or concurrent task cannot bill the same moment, plan period or usage window of a subscription twice.

    An event billed in advance (`in_advance_charge`) is no billing moment: many share its instant and usage window,
    and its fee's own constraint keeps it from being billed twice."""

    class Reason(models.TextChoices):
        STARTING = "subscription_starting"
        PERIODIC = "subscription_periodic"
        TERMINATING = "subscription_terminating"
        IN_ADVANCE_CHARGE = "in_advance_charge"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="invoice_subscriptions")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="invoice_subscriptions")
    reason = models.CharField(max_length=32, choices=Reason.choices)
    billed_at = models.DateTimeField(help_text="The billing moment: a period boundary, a trial end or a termination")
    from_datetime = models.DateTimeField(null=True, blank=True, help_text="Start of the plan period billed")
    to_datetime = models.DateTimeField(null=True, blank=True)
    charges_from_datetime = models.DateTimeField(null=True, blank=True)
    charges_to_datetime = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["billed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "billed_at"], condition=BILLING_MOMENT, name="bill_subscription_moment_once"
            ),
            models.UniqueConstraint(
                fields=["subscription", "from_datetime"],
                condition=Q(from_datetime__isnull=False) & BILLING_MOMENT,
                name="bill_subscription_plan_period_once",
            ),
            models.UniqueConstraint(
                fields=["subscription", "charges_from_datetime"],
                condition=Q(charges_from_datetime__isnull=False) & BILLING_MOMENT,
                name="bill_subscription_usage_window_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} at {self.billed_at:%Y-%m-%d %H:%M}"
