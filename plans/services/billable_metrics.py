"""Writes of billable metrics: create, update (filters replaced as a set), delete unless a charge uses the metric."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from billing.errors import NotAllowed, ValidationFailed
from billing.models import Organization
from plans.models import BillableMetric, BillableMetricFilter
from plans.selectors.billable_metrics import billable_metric_filter_values_in_use

Aggregation = BillableMetric.AggregationType

UPDATABLE_FIELDS = (
    "name",
    "code",
    "description",
    "aggregation_type",
    "field_name",
    "recurring",
    "weighted_interval",
    "rounding_function",
    "rounding_precision",
)


@dataclass(frozen=True)
class MetricFilterSpec:
    """Events carrying `key` with one of `values` can be priced apart by charge filters."""

    key: str
    values: tuple[str, ...]


def billable_metric_rules_check(
    *, aggregation_type: str, field_name: str, recurring: bool, weighted_interval: str
) -> None:
    """Rules tying fields to the aggregation type (check constraints enforce them too); ValidationFailed if broken."""
    errors = {}
    if aggregation_type in BillableMetric.NEEDS_FIELD_NAME and not field_name:
        errors["field_name"] = ["value_is_mandatory"]
    if recurring and aggregation_type in BillableMetric.RECURRING_REFUSED:
        errors["recurring"] = ["not_compatible_with_aggregation_type"]
    if weighted_interval and aggregation_type != Aggregation.WEIGHTED_SUM:
        errors["weighted_interval"] = ["not_compatible_with_aggregation_type"]
    if errors:
        raise ValidationFailed(errors)


def _filters_check(filters: Sequence[MetricFilterSpec]) -> None:
    errors = {}
    seen = set()
    for index, metric_filter in enumerate(filters):
        if metric_filter.key in seen:
            errors[f"filters.{index}.key"] = ["value_already_exist"]
        seen.add(metric_filter.key)
    if errors:
        raise ValidationFailed(errors)


def _save_with_unique_code(metric: BillableMetric) -> None:
    try:
        with transaction.atomic():
            metric.save()
    except IntegrityError:
        raise ValidationFailed.single("code", "value_already_exist") from None


def _filters_replace(*, billable_metric: BillableMetric, filters: Sequence[MetricFilterSpec]) -> None:
    billable_metric.filters.all().delete()
    BillableMetricFilter.objects.bulk_create(
        BillableMetricFilter(billable_metric=billable_metric, key=item.key, values=list(dict.fromkeys(item.values)))
        for item in filters
    )


@transaction.atomic
def billable_metric_create(
    *,
    organization: Organization,
    name: str,
    code: str,
    aggregation_type: str,
    description: str = "",
    field_name: str = "",
    recurring: bool = False,
    weighted_interval: str = "",
    rounding_function: str = "",
    rounding_precision: int | None = None,
    filters: Sequence[MetricFilterSpec] = (),
) -> BillableMetric:
    if aggregation_type == Aggregation.WEIGHTED_SUM and not weighted_interval:
        weighted_interval = BillableMetric.WeightedInterval.SECONDS
    billable_metric_rules_check(
        aggregation_type=aggregation_type,
        field_name=field_name,
        recurring=recurring,
        weighted_interval=weighted_interval,
    )
    _filters_check(filters)
    metric = BillableMetric(
        organization=organization,
        name=name,
        code=code,
        description=description,
        aggregation_type=aggregation_type,
        field_name=field_name,
        recurring=recurring,
        weighted_interval=weighted_interval,
        rounding_function=rounding_function,
        rounding_precision=rounding_precision,
    )
    _save_with_unique_code(metric)
    _filters_replace(billable_metric=metric, filters=filters)
    return metric


@transaction.atomic
def billable_metric_update(*, billable_metric: BillableMetric, data: dict) -> BillableMetric:
    """Changes the fields present in `data` (keys of UPDATABLE_FIELDS, and "filters" to replace the set)."""
    metric = BillableMetric.objects.select_for_update().get(pk=billable_metric.pk)
    for field in UPDATABLE_FIELDS:
        if field in data:
            setattr(metric, field, data[field])
    if metric.aggregation_type == Aggregation.WEIGHTED_SUM and not metric.weighted_interval:
        metric.weighted_interval = BillableMetric.WeightedInterval.SECONDS
    billable_metric_rules_check(
        aggregation_type=metric.aggregation_type,
        field_name=metric.field_name,
        recurring=metric.recurring,
        weighted_interval=metric.weighted_interval,
    )
    if "filters" in data:
        _filters_check(data["filters"])
        _refuse_dropping_filter_values_in_use(metric, data["filters"])
    _save_with_unique_code(metric)
    if "filters" in data:
        _filters_replace(billable_metric=metric, filters=data["filters"])
    return metric


def _refuse_dropping_filter_values_in_use(metric: BillableMetric, filters: Sequence[MetricFilterSpec]) -> None:
    """Charge filters select on the metric's filter values: removing one they use would leave them matching nothing."""
    kept = {item.key: set(item.values) for item in filters}
    for key, values in billable_metric_filter_values_in_use(billable_metric=metric).items():
        if not values <= kept.get(key, set()):
            raise ValidationFailed.single("filters", "values_used_by_charge_filters")


@transaction.atomic
def billable_metric_delete(*, billable_metric: BillableMetric) -> None:
    """Deletes the metric and its filters; refused while any charge (of any plan, deleted ones too) prices it."""
    if billable_metric.charges.exists():
        raise NotAllowed("billable_metric_in_use")
    try:
        billable_metric.delete()
    except ProtectedError:
        raise NotAllowed("billable_metric_in_use") from None
