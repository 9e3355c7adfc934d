import uuid

from django.db import models
from djmoney.models.fields import MoneyField

from billing.models import Organization
from plans.models.metrics import BillableMetric

MONEY = {"max_digits": 20, "decimal_places": 6, "default_currency": "USD"}


class PlanQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Plan(models.Model):
    """A deleted plan that subscriptions once used stays as a row (deleted_at set) so their history keeps it."""

    class Interval(models.TextChoices):
        WEEKLY = "weekly"
        MONTHLY = "monthly"
        QUARTERLY = "quarterly"
        SEMIANNUAL = "semiannual"
        YEARLY = "yearly"

    PERIODS_PER_YEAR = {
        Interval.WEEKLY: 52,
        Interval.MONTHLY: 12,
        Interval.QUARTERLY: 4,
        Interval.SEMIANNUAL: 2,
        Interval.YEARLY: 1,
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=255)
    invoice_display_name = models.CharField(max_length=255, blank=True)
    code = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    interval = models.CharField(max_length=16, choices=Interval.choices)
    amount = MoneyField(**MONEY)
    pay_in_advance = models.BooleanField(default=False)
    trial_period = models.DecimalField(max_digits=8, decimal_places=2, default=0, help_text="Days")
    bill_charges_monthly = models.BooleanField(null=True, blank=True)
    taxes = models.ManyToManyField(
        "taxes.Tax", blank=True, related_name="plans", help_text="Overrides the customer's and organization's taxes."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=models.Q(deleted_at__isnull=True),
                name="unique_live_plan_code",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="plan_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(trial_period__gte=0), name="plan_trial_not_negative"),
            models.CheckConstraint(
                condition=~models.Q(bill_charges_monthly=True) | models.Q(interval__in=["yearly", "semiannual"]),
                name="plan_bill_charges_monthly_interval",
                violation_error_message="Only yearly and semiannual plans can bill their charges monthly.",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def yearly_amount(self):
        return self.amount.amount * self.PERIODS_PER_YEAR[self.interval]


class MinimumCommitment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="minimum_commitment")
    amount = MoneyField(**MONEY)
    invoice_display_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="commitment_not_negative")]

    def __str__(self) -> str:
        return f"{self.amount} for {self.plan}"


class Charge(models.Model):
    class ChargeModel(models.TextChoices):
        STANDARD = "standard"
        GRADUATED = "graduated"
        GRADUATED_PERCENTAGE = "graduated_percentage"
        VOLUME = "volume"
        PACKAGE = "package"
        PERCENTAGE = "percentage"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="charges")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="charges")
    billable_metric = models.ForeignKey(BillableMetric, on_delete=models.PROTECT, related_name="charges")
    charge_model = models.CharField(max_length=32, choices=ChargeModel.choices)
    invoice_display_name = models.CharField(max_length=255, blank=True)
    pay_in_advance = models.BooleanField(default=False)
    invoiceable = models.BooleanField(default=True)
    prorated = models.BooleanField(default=False)
    min_amount = MoneyField(**MONEY)
    properties = models.JSONField(default=dict, help_text="Validated per charge model; amounts are decimal strings.")
    taxes = models.ManyToManyField(
        "taxes.Tax",
        blank=True,
        related_name="charges",
        help_text="Overrides the plan's, customer's and organization's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_amount__gte=0), name="charge_min_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.billable_metric.code} ({self.charge_model})"


class ChargeFilter(models.Model):
    """Own properties for events whose metric-filter values match `values` ({key: [value, ...]})."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    charge = models.ForeignKey(Charge, on_delete=models.CASCADE, related_name="filters")
    invoice_display_name = models.CharField(max_length=255, blank=True)
    properties = models.JSONField(default=dict)
    values = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.invoice_display_name or str(self.values)
