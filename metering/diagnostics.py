"""Why a stored event may never be counted: found at the door and reported per event, instead of silently billed 0.

An event is stored whatever its diagnostics say (the metric or subscription may be created after it, and Lago's
clients cannot resend refused usage), but the response, the event list and the admin show them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from uuid import UUID

from metering.plain_rows import PlainQuery, plain_rows_together
from metering.stores.base import EventRecord, PropertyValue
from metering.usage import counted_number, exact_number
from plans.models import BillableMetric, Subscription


class Diagnostic(StrEnum):
    BILLABLE_METRIC_NOT_FOUND = "billable_metric_not_found"
    SUBSCRIPTION_NOT_FOUND = "subscription_not_found"
    SUBSCRIPTION_NOT_ACTIVE_AT_TIMESTAMP = "subscription_not_active_at_timestamp"
    PROPERTY_MISSING = "property_missing"
    PROPERTY_NOT_NUMERIC = "property_not_numeric"
    VALUE_OUT_OF_RANGE = "value_out_of_range"


# Aggregations that read a number from properties[field_name]; unique_count reads any value.
_NUMERIC_AGGREGATIONS = frozenset({"sum_agg", "max_agg", "latest_agg", "weighted_sum_agg"})
_VALUE_AGGREGATIONS = _NUMERIC_AGGREGATIONS | {"unique_count_agg"}
# Stores aggregate in Decimal(38, 12): 26 integer digits.


@dataclass(frozen=True)
class MetricField:
    aggregation_type: str
    field_name: str


@dataclass(frozen=True)
class SubscriptionSpan:
    """One subscription row of an external_id; pending and canceled rows never cover a timestamp."""

    subscription_id: UUID
    customer_id: UUID
    status: str
    started_at: datetime | None
    terminated_at: datetime | None

    def covers(self, timestamp: datetime) -> bool:
        if self.status not in (Subscription.Status.ACTIVE, Subscription.Status.TERMINATED) or self.started_at is None:
            return False
        # An active row stays open: an event a little ahead of now still belongs to it.
        return self.started_at <= timestamp and (self.terminated_at is None or timestamp < self.terminated_at)


class SubscriptionSpans:
    """The subscription rows of some external_ids of one organization, loaded in one query."""

    def __init__(self, spans: dict[str, list[SubscriptionSpan]]):
        self._spans = spans
        self._covering: dict[tuple[str, datetime], SubscriptionSpan | None] = {}  # a batch's events share timestamps

    @classmethod
    def load(cls, *, organization_id: UUID, external_ids: Iterable[str]) -> "SubscriptionSpans":
        [rows] = plain_rows_together(_spans_query(organization_id, external_ids))
        return cls.of_rows(rows)

    @classmethod
    def of_rows(cls, rows: Iterable[tuple]) -> "SubscriptionSpans":
        spans: dict[str, list[SubscriptionSpan]] = {}
        for external_id, *fields in rows:
            spans.setdefault(external_id, []).append(SubscriptionSpan(*fields))
        return cls(spans)

    def known(self, external_id: str) -> bool:
        return external_id in self._spans

    def covering(self, external_id: str, timestamp: datetime) -> SubscriptionSpan | None:
        key = (external_id, timestamp)
        try:
            return self._covering[key]
        except KeyError:
            pass
        found = self._covering[key] = next(
            (span for span in self._spans.get(external_id, ()) if span.covers(timestamp)), None
        )
        return found


def diagnosis_reads(
    *, organization_id: UUID, external_ids: Iterable[str], codes: Iterable[str]
) -> tuple[SubscriptionSpans, dict[str, MetricField]]:
    """A batch's subscriptions and metrics, read together (one round trip on PostgreSQL)."""
    span_rows, metric_rows = plain_rows_together(
        _spans_query(organization_id, external_ids), _metrics_query(organization_id, codes)
    )
    return SubscriptionSpans.of_rows(span_rows), _metric_fields_of(metric_rows)


def _spans_query(organization_id: UUID, external_ids: Iterable[str]) -> PlainQuery:
    return PlainQuery(
        Subscription,
        ("external_id", "id", "customer", "status", "started_at", "terminated_at"),
        organization_id=organization_id,
        among=("external_id", external_ids),
        order_by="started_at",
    )


def _metrics_query(organization_id: UUID, codes: Iterable[str]) -> PlainQuery:
    return PlainQuery(
        BillableMetric,
        ("code", "aggregation_type", "field_name"),
        organization_id=organization_id,
        among=("code", codes),
    )


def _metric_fields_of(rows: Iterable[tuple]) -> dict[str, MetricField]:
    return {
        code: MetricField(aggregation_type=aggregation_type, field_name=field_name)
        for code, aggregation_type, field_name in rows
    }


def event_diagnosis(
    record: EventRecord, *, metrics: dict[str, MetricField], subscriptions: SubscriptionSpans
) -> tuple[tuple[str, ...], SubscriptionSpan | None]:
    """The sorted diagnostic codes of one event, and the subscription row covering its timestamp."""
    found: list[Diagnostic] = []
    metric = metrics.get(record.code)
    if metric is None:
        found.append(Diagnostic.BILLABLE_METRIC_NOT_FOUND)
    elif metric.aggregation_type in _VALUE_AGGREGATIONS:
        problem = _property_diagnostic(record.properties.get(metric.field_name), metric.aggregation_type)
        if problem is not None:
            found.append(problem)
    span = subscriptions.covering(record.external_subscription_id, record.timestamp)
    if span is None:
        known = subscriptions.known(record.external_subscription_id)
        found.append(Diagnostic.SUBSCRIPTION_NOT_ACTIVE_AT_TIMESTAMP if known else Diagnostic.SUBSCRIPTION_NOT_FOUND)
    if not found:
        return (), span
    return tuple(sorted(code.value for code in found)), span


# Keyed by type too (typed): True, 1 and 1.0 are equal keys with different diagnostics. A batch's events mostly repeat
# a few values, and the Decimal work was half of an event's diagnosis.
@lru_cache(maxsize=4096, typed=True)
def _property_diagnostic(value: PropertyValue, aggregation_type: str) -> Diagnostic | None:
    if value is None:
        return Diagnostic.PROPERTY_MISSING
    if aggregation_type not in _NUMERIC_AGGREGATIONS:
        return None
    # The stores' own rules, so that a clean event is exactly one the aggregations count.
    number = exact_number(value)
    if number is None:
        return Diagnostic.PROPERTY_NOT_NUMERIC
    if counted_number(number) is None:
        return Diagnostic.VALUE_OUT_OF_RANGE
    return None
