"""Reads of usage, for billing and current usage: the configured event store answers."""

from collections.abc import Sequence
from decimal import Decimal

from metering.stores import get_event_store
from metering.stores.base import UsageQuery, UsageResult


def usage_aggregate(*, query: UsageQuery) -> list[UsageResult]:
    """Units and events_count per (window, filter, group), sorted by subscription, filter (default first), group."""
    return get_event_store().aggregate(query)


def usage_aggregate_many(*, queries: Sequence[UsageQuery]) -> list[list[UsageResult]]:
    """usage_aggregate() of each query, in order, answered together (one flush, side by side on ClickHouse)."""
    return get_event_store().aggregate_many(queries)


def usage_event_values(*, query: UsageQuery) -> list[tuple[str, int | None, Decimal]]:
    """(external_subscription_id, filter_index, value) per counted event, in event order per subscription."""
    return get_event_store().event_values(query)
