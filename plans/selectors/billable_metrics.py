"""Reads of billable metrics, always scoped by organization."""

import uuid
from collections.abc import Iterable

from django.db.models import QuerySet

from billing.errors import NotFound
from billing.models import Organization
from plans.models import BillableMetric, ChargeFilter


def billable_metric_list(*, organization: Organization) -> QuerySet[BillableMetric]:
    return (
        BillableMetric.objects.filter(organization=organization)
        .prefetch_related("filters")
        .order_by("-created_at", "-id")
    )


def billable_metric_get(*, organization: Organization, code: str) -> BillableMetric:
    metric = billable_metric_list(organization=organization).filter(code=code).first()
    if metric is None:
        raise NotFound("billable_metric")
    return metric


def billable_metrics_by_id(*, organization: Organization, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, BillableMetric]:
    """The organization's metrics among `ids`; another organization's id is simply absent."""
    metrics = billable_metric_list(organization=organization).filter(id__in=set(ids))
    return {metric.id: metric for metric in metrics}


def billable_metric_filter_values_in_use(*, billable_metric: BillableMetric) -> dict[str, set[str]]:
    """{key: values} that charge filters of any plan select on this metric."""
    in_use: dict[str, set[str]] = {}
    for values in ChargeFilter.objects.filter(charge__billable_metric=billable_metric).values_list("values", flat=True):
        for key, selected in values.items():
            in_use.setdefault(key, set()).update(selected)
    return in_use
