import uuid

from django.db import models

from billing.models import Organization
from customers.models import Customer
from plans.models.plans import Plan


class Subscription(models.Model):
    """A customer on a plan. A plan change makes a new row with the same external_id and `previous_subscription`."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACTIVE = "active"
        TERMINATED = "terminated"
        CANCELED = "canceled"

    class BillingTime(models.TextChoices):
        CALENDAR = "calendar"
        ANNIVERSARY = "anniversary"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="subscriptions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    previous_subscription = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_subscriptions"
    )
    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    billing_time = models.CharField(max_length=16, choices=BillingTime.choices, default=BillingTime.CALENDAR)
    subscription_at = models.DateTimeField(help_text="When the customer subscribed (anchor of anniversary billing)")
    started_at = models.DateTimeField(null=True, blank=True)
    ending_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    trial_ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=models.Q(status="active"),
                name="one_active_subscription_per_external_id",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=models.Q(status="pending"),
                name="one_pending_subscription_per_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(ending_at__isnull=True) | models.Q(ending_at__gt=models.F("subscription_at")),
                name="subscription_ends_after_it_starts",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "external_id", "status"]),
            models.Index(fields=["status", "subscription_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.plan.code}, {self.status})"
