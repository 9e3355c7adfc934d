"""Fees: the lines of an invoice, each rounded once to the currency's minor unit beside its precise amount.

A charge paid in advance is billed event by event: each of its fees names the event it bills
(`event_transaction_id`), and is on an invoice of its own, or on none when the charge is not invoiceable.

A fee keeps a snapshot of what it bills (item code and name, charge model, filter and group) because a plan update
replaces its charges: the invoice is a document and must not change when the catalog does.
"""

import uuid

from django.db import models
from django.db.models import Q

from billing.models import Organization
from invoicing.models.invoices import AMOUNT, Invoice
from plans.models import Charge, ChargeFilter, Subscription

PRECISE = {"max_digits": 40, "decimal_places": 20, "default": 0}


class Fee(models.Model):
    class FeeType(models.TextChoices):
        SUBSCRIPTION = "subscription"
        CHARGE = "charge"
        COMMITMENT = "commitment"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="fees")
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fees",
        help_text="None for a fee of a charge paid in advance that is not invoiceable",
    )
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="fees")
    fee_type = models.CharField(max_length=16, choices=FeeType.choices)
    charge = models.ForeignKey(Charge, on_delete=models.SET_NULL, null=True, blank=True, related_name="fees")
    charge_filter = models.ForeignKey(
        ChargeFilter, on_delete=models.SET_NULL, null=True, blank=True, related_name="fees"
    )
    true_up_parent = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="true_up_fee",
        help_text="The charge fee whose minimum amount this fee tops up",
    )
    item_code = models.CharField(max_length=255, help_text="Plan code, or the charge's metric code")
    item_name = models.CharField(max_length=255)
    invoice_display_name = models.CharField(max_length=255, blank=True)
    charge_model = models.CharField(max_length=32, blank=True)
    filter_values = models.JSONField(default=dict, blank=True, help_text="The charge filter's {key: [values]}")
    grouped_by = models.JSONField(default=dict, blank=True, help_text="{pricing group key: value}")
    pay_in_advance = models.BooleanField(default=False)
    event_transaction_id = models.CharField(
        max_length=255, null=True, blank=True, help_text="The event a fee of a charge paid in advance bills"
    )
    units = models.DecimalField(max_digits=40, decimal_places=20, default=0)
    events_count = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    precise_amount = models.DecimalField(**PRECISE)
    amount = models.DecimalField(**AMOUNT)
    precise_unit_amount = models.DecimalField(**PRECISE)
    taxes_rate = models.DecimalField(max_digits=9, decimal_places=6, default=0, help_text="Sum of the rates, percent")
    taxes_amount = models.DecimalField(**AMOUNT)
    from_datetime = models.DateTimeField()
    to_datetime = models.DateTimeField()
    amount_details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(precise_amount__gte=0) & Q(taxes_amount__gte=0),
                name="fee_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(to_datetime__gte=models.F("from_datetime")), name="fee_period_ordered"),
            # A retried or duplicated task cannot bill an event twice.
            models.UniqueConstraint(
                fields=["charge", "subscription", "event_transaction_id"],
                condition=Q(event_transaction_id__isnull=False),
                name="bill_charge_event_once",
            ),
        ]
        indexes = [
            models.Index(fields=["subscription", "fee_type", "from_datetime"]),
            models.Index(fields=["organization", "event_transaction_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_name} {self.amount} {self.currency}"

    @property
    def billed_customer(self):
        """The invoice's customer; the subscription's for a fee on no invoice."""
        return self.invoice.customer if self.invoice is not None else self.subscription.customer

    @property
    def total_amount(self):
        return self.amount + self.taxes_amount
