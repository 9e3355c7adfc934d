"""What could not be billed: a subscription's billing moment, or the fee of one event paid in advance, whose amounts
no invoice can hold (usage far outside its metric's scale) or whose arithmetic fails.

Such a failure stops nothing else: the rest of the run is billed. It stays open, in front of the finance team, until
the moment or the fee is billed (by the next run once the usage or the price is corrected, or by "Retry billing").
"""

import uuid

from django.db import models
from django.db.models import Q

from billing.models import Organization
from plans.models import Charge, Subscription


class BillingFailure(models.Model):
    class Kind(models.TextChoices):
        MOMENT = "moment", "billing moment"
        EVENT_FEE = "event_fee", "fee paid in advance"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="billing_failures")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="billing_failures")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(help_text="The billing moment, or the event's timestamp")
    charge = models.ForeignKey(
        Charge, on_delete=models.CASCADE, null=True, blank=True, related_name="billing_failures",
        help_text="The charge paid in advance (fees paid in advance only)",
    )  # fmt: skip
    code = models.CharField(max_length=255, blank=True, help_text="The event's metric code (fees paid in advance)")
    event_transaction_id = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When it was billed")

    class Meta:
        ordering = ["-last_failed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "at"], condition=Q(kind="moment"), name="one_failure_per_billing_moment"
            ),
            models.UniqueConstraint(
                fields=["subscription", "charge", "event_transaction_id"],
                condition=Q(kind="event_fee"),
                name="one_failure_per_event_fee",
            ),
            models.CheckConstraint(
                condition=Q(kind="moment", charge__isnull=True, event_transaction_id="")
                | Q(kind="event_fee", charge__isnull=False) & ~Q(event_transaction_id=""),
                name="billing_failure_names_what_failed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "kind", "event_transaction_id"],
                condition=Q(resolved_at__isnull=True),
                name="open_billing_failures",
            )
        ]

    def __str__(self) -> str:
        what = f"event {self.event_transaction_id}" if self.kind == self.Kind.EVENT_FEE else "billing moment"
        return f"{self.subscription.external_id}: {what} at {self.at:%Y-%m-%d %H:%M}"
