import uuid

from django.db import models

from billing.models import Organization


class BillableMetric(models.Model):
    class AggregationType(models.TextChoices):
        COUNT = "count_agg"
        SUM = "sum_agg"
        MAX = "max_agg"
        UNIQUE_COUNT = "unique_count_agg"
        LATEST = "latest_agg"
        WEIGHTED_SUM = "weighted_sum_agg"

    class RoundingFunction(models.TextChoices):
        ROUND = "round"
        FLOOR = "floor"
        CEIL = "ceil"

    class WeightedInterval(models.TextChoices):
        SECONDS = "seconds"

    # Aggregations that read a property of the event, and those that may carry their level across periods.
    NEEDS_FIELD_NAME = {
        AggregationType.SUM,
        AggregationType.MAX,
        AggregationType.UNIQUE_COUNT,
        AggregationType.LATEST,
        AggregationType.WEIGHTED_SUM,
    }
    RECURRING_REFUSED = {AggregationType.COUNT, AggregationType.MAX, AggregationType.LATEST}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="billable_metrics")
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    aggregation_type = models.CharField(max_length=32, choices=AggregationType.choices)
    field_name = models.CharField(max_length=255, blank=True)
    recurring = models.BooleanField(default=False)
    weighted_interval = models.CharField(max_length=16, choices=WeightedInterval.choices, blank=True)
    rounding_function = models.CharField(max_length=8, choices=RoundingFunction.choices, blank=True)
    rounding_precision = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="unique_billable_metric_code"),
            models.CheckConstraint(
                condition=~models.Q(recurring=True, aggregation_type__in=["count_agg", "max_agg", "latest_agg"]),
                name="billable_metric_recurring_allowed",
            ),
            models.CheckConstraint(
                condition=models.Q(aggregation_type="count_agg") | ~models.Q(field_name=""),
                name="billable_metric_field_name_required",
                violation_error_message="Every aggregation but count needs a field name.",
            ),
            models.CheckConstraint(
                condition=models.Q(weighted_interval="") | models.Q(aggregation_type="weighted_sum_agg"),
                name="billable_metric_weighted_interval_allowed",
                violation_error_message="Only a weighted sum has a weighted interval.",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class BillableMetricFilter(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    billable_metric = models.ForeignKey(BillableMetric, on_delete=models.CASCADE, related_name="filters")
    key = models.CharField(max_length=255)
    values = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["billable_metric", "key"], name="unique_billable_metric_filter_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} in {self.values}"
