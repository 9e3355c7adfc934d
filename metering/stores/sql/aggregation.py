"""Usage aggregation over the Event table, identical on SQLite and PostgreSQL.

One query reads the events of up to a few hundred subscriptions' windows (windows sharing the same range share one
`external_subscription_id IN (...)` condition), so a billing run costs a handful of queries, not one per window.
Rows stream (`iterator()`) in timestamp order through metering.usage's accumulators, which settle tie order and do
the exact Decimal arithmetic. Without filters or groups, the database computes counts itself, and on PostgreSQL
sums and maxima too, in numeric (values parsed, range-checked and rounded to 12 decimals exactly as
metering.usage.parse_number does).
"""

import operator
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from functools import reduce

from django.db import connection
from django.db.models import Count, DecimalField, Max, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from metering.models import Event
from metering.stores.base import SubscriptionWindow, UsageQuery, UsageResult
from metering.usage import (
    VALUE_DECIMALS,
    VALUE_LIMIT,
    ResultKey,
    UsageEvent,
    aggregate_events,
    assemble_results,
    event_values_from,
    in_event_order,
    scan_start,
    windows_by_subscription,
)

# SQLite refuses statements with more than 999 host parameters; a subscription costs at most 3.
_PARAMETERS_PER_QUERY = 900
_ROWS_PER_FETCH = 2000
_IN_DATABASE = {
    "postgresql": frozenset({"count_agg", "sum_agg", "max_agg"}),
    "sqlite": frozenset({"count_agg"}),
}
# Aggregations whose result does not depend on the order events are fed in.
_ORDER_FREE = frozenset({"count_agg", "sum_agg", "max_agg"})

# properties[field] as numeric(·, 12) when metering.usage.parse_number would take it, else NULL. The nested CASE
# fixes the evaluation order, so the casts only ever see numeric text.
_POSTGRES_VALUE = f"""
CASE WHEN jsonb_typeof(properties -> %s) = 'number'
       OR (jsonb_typeof(properties -> %s) = 'string' AND properties ->> %s ~ %s)
THEN CASE WHEN abs(round((properties ->> %s)::numeric, {VALUE_DECIMALS})) < {VALUE_LIMIT:f}
     THEN round((properties ->> %s)::numeric, {VALUE_DECIMALS}) END
END
"""
# The same pattern as metering.usage.NUMERIC_STRING, anchored for PostgreSQL's `~`.
_POSTGRES_NUMERIC_STRING = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"


class SqlUsageAggregation:
    def aggregate(self, query: UsageQuery) -> list[UsageResult]:
        if _computed_in_database(query):
            return assemble_results(query, _database_measures(query))
        ordered = query.aggregation.aggregation_type not in _ORDER_FREE
        return aggregate_events(query, _events(query, ordered=ordered))

    def aggregate_many(self, queries: Sequence[UsageQuery]) -> list[list[UsageResult]]:
        return [self.aggregate(query) for query in queries]

    def aggregate_many_started(self, queries: Sequence[UsageQuery]) -> Callable[[], list[list[UsageResult]]]:
        answers = self.aggregate_many(queries)  # the main database answers on the caller's connection, now
        return lambda: answers

    def event_values(self, query: UsageQuery) -> list[tuple[str, int | None, Decimal]]:
        return event_values_from(query, _events(query, ordered=True))


def _computed_in_database(query: UsageQuery) -> bool:
    """Counts are exact in both databases, sums and maxima only in PostgreSQL's numeric (SQLite's SUM is a float);
    one window per subscription lets the database group by subscription."""
    in_database = _IN_DATABASE.get(connection.vendor, frozenset())
    return (
        query.aggregation.aggregation_type in in_database
        and not query.filters
        and not query.group_by
        and len({window.external_subscription_id for window in query.windows}) == len(query.windows)
    )


def _events(query: UsageQuery, *, ordered: bool) -> Iterator[UsageEvent]:
    """The events the query's windows need; `ordered`: in event order per subscription."""
    for condition in _window_conditions(query):
        rows = (
            _query_events(query)
            .filter(condition)
            .order_by(*(("timestamp", "ingested_at") if ordered else ()))
            .values_list("external_subscription_id", "timestamp", "ingested_at", "transaction_id", "properties")
        )
        events = (UsageEvent(*row) for row in rows.iterator(chunk_size=_ROWS_PER_FETCH))
        yield from in_event_order(events) if ordered else events


def _database_measures(query: UsageQuery) -> dict[ResultKey, tuple[Decimal, int]]:
    aggregation = query.aggregation
    if aggregation.aggregation_type == "count_agg":
        measures = {"events_count": Count("id")}
    else:
        field = aggregation.field_name
        value = RawSQL(
            _POSTGRES_VALUE,
            (field, field, field, _POSTGRES_NUMERIC_STRING, field, field),
            output_field=DecimalField(),
        )
        total = Sum(value) if aggregation.aggregation_type == "sum_agg" else Max(value)
        measures = {"events_count": Count(value), "units": total}
    position = {window.external_subscription_id: index for index, window in enumerate(query.windows)}
    measured: dict[ResultKey, tuple[Decimal, int]] = {}
    for condition in _window_conditions(query):
        rows = _query_events(query).filter(condition).order_by().values("external_subscription_id").annotate(**measures)
        for row in rows:
            units = row.get("units", row["events_count"])
            measured[position[row["external_subscription_id"]], None, ()] = (
                Decimal(units if units is not None else 0),
                row["events_count"],
            )
    return measured


def _query_events(query: UsageQuery) -> QuerySet[Event]:
    return Event.objects.filter(organization_id=query.organization_id, code=query.code)


def _window_conditions(query: UsageQuery) -> Iterator[Q]:
    """One condition per query to run, each covering whole subscriptions: every event a subscription's windows need
    lies in its envelope [earliest scan start, latest end); metering.usage routes each event to its windows."""
    by_range: dict[tuple[datetime, datetime], list[str]] = {}
    for subscription, windows in windows_by_subscription(query).items():
        by_range.setdefault(_envelope(query, [window for _position, window in windows]), []).append(subscription)
    conditions: list[Q] = []
    parameters = 0
    for (start, end), subscriptions in by_range.items():
        for chunk in _chunks(subscriptions, _PARAMETERS_PER_QUERY - 2):
            if parameters + len(chunk) + 2 > _PARAMETERS_PER_QUERY:
                yield reduce(operator.or_, conditions)
                conditions, parameters = [], 0
            conditions.append(Q(external_subscription_id__in=chunk, timestamp__gte=start, timestamp__lt=end))
            parameters += len(chunk) + 2
    if conditions:
        yield reduce(operator.or_, conditions)


def _envelope(query: UsageQuery, windows: Sequence[SubscriptionWindow]) -> tuple[datetime, datetime]:
    return (
        min(scan_start(window, query.aggregation) for window in windows),
        max(window.to_datetime for window in windows),
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
