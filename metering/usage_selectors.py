"""Reads of usage, for billing and current usage: the configured event store answers."""

from collections.abc import Callable, Sequence
from decimal import Decimal

from metering.stores import get_event_store
from metering.stores.base import UsageQuery, UsageResult


def usage_aggregate(*, query: UsageQuery) -> list[UsageResult]:
    """Units and events_count per (window, filter, group), sorted by subscription, filter (default first), group."""
    return get_event_store().aggregate(query)


def usage_aggregate_many_started(*, queries: Sequence[UsageQuery]) -> Callable[[], list[list[UsageResult]]]:
    """usage_aggregate() of each query, started together (one flush, side by side on ClickHouse): the returned
    callable waits for the answers, in order, so that the caller can read the main database meanwhile."""
    return get_event_store().aggregate_many_started(queries)


def usage_event_values(*, query: UsageQuery) -> list[tuple[str, int | None, Decimal]]:
    """(external_subscription_id, filter_index, value) per counted event, in event order per subscription."""
    return get_event_store().event_values(query)
