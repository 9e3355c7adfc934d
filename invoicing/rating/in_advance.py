"""Charges paid in advance: the fee of each event, priced with the charge models' own functions.

The fee of an event is price(usage of its period up to and including it) - price(usage before it), in the event's
bucket: the most specific charge filter it matches (or the charge itself) and its pricing group. Events are ordered
by (timestamp, transaction_id). Reads nothing: the caller gives the period's events.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from invoicing.rating.charges import UsageWindow, charge_draft, charge_properties, metric_aggregation
from invoicing.rating.drafts import FeeDraft
from metering.stores.base import SubscriptionWindow, UsageQuery
from metering.usage import (
    ACCUMULATORS,
    NUMERIC_AGGREGATIONS,
    Accumulator,
    UsageEvent,
    parse_number,
    round_units,
    routed_events,
)
from plans.charge_models import ChargeUsage, charge_amount
from plans.models import Charge, ChargeFilter

ZERO = Decimal(0)


def _event_order(event: UsageEvent) -> tuple:
    return event.timestamp, event.transaction_id


@dataclass(frozen=True)
class EventFee:
    """The fee draft of one event, and when the event happened (its invoice's date)."""

    timestamp: datetime
    draft: FeeDraft


@dataclass
class _Bucket:
    accumulator: Accumulator
    event_values: list[Decimal] = field(default_factory=list)


def in_advance_fee_drafts(
    *, window: UsageWindow, charge: Charge, events: Iterable[UsageEvent], billed: Collection[str]
) -> list[EventFee]:
    """A fee for each event of `billed` (transaction ids) that the charge counts.

    events: the subscription's events of the charge's metric from the start of the window (the subscription's start
    for a recurring metric) up to at least the last billed event, in any order. The window is the charges period
    holding the billed events. The charge comes with its metric and filters loaded.
    """
    subscription = window.subscription
    aggregation = metric_aggregation(charge.billable_metric)
    charge_filters: list[ChargeFilter] = list(charge.filters.all())
    query = UsageQuery(
        organization_id=subscription.organization_id,
        code=charge.billable_metric.code,
        aggregation=aggregation,
        windows=[
            SubscriptionWindow(
                external_subscription_id=subscription.external_id,
                from_datetime=window.period.start,
                to_datetime=window.period.end,
                recurring_from=subscription.subscription_at,
            )
        ],
        filters=[charge_filter.values for charge_filter in charge_filters],
        group_by=charge_properties(charge).pricing_group_keys,
    )
    numeric = aggregation.aggregation_type in NUMERIC_AGGREGATIONS
    buckets: dict[tuple, _Bucket] = defaultdict(
        lambda: _Bucket(accumulator=ACCUMULATORS[aggregation.aggregation_type](aggregation, query.windows[0]))
    )
    drafts: list[EventFee] = []
    for (_position, filter_index, group), event in routed_events(query, sorted(events, key=_event_order)):
        bucket = buckets[(filter_index, group)]
        counted_before = bucket.accumulator.events_count
        before = ChargeUsage(
            units=round_units(bucket.accumulator.units(), aggregation),
            events_count=counted_before,
            event_values=bucket.event_values,
        )
        bucket.accumulator.add(event)
        if bucket.accumulator.events_count == counted_before:
            continue  # outside the counting range, or without a value the metric reads
        value = parse_number(event.properties.get(aggregation.field_name)) if numeric else Decimal(1)
        bucket.event_values.append(value)
        if event.transaction_id not in billed:
            continue
        after = ChargeUsage(
            units=round_units(bucket.accumulator.units(), aggregation),
            events_count=bucket.accumulator.events_count,
            event_values=bucket.event_values,
        )
        charge_filter = None if filter_index is None else charge_filters[filter_index]
        properties = charge_properties(charge, charge_filter)
        amount = max(charge_amount(properties, after) - charge_amount(properties, before), ZERO)
        units = ChargeUsage(units=after.units - before.units, events_count=1)
        draft = charge_draft(window, charge, charge_filter, dict(group), units, amount)
        draft = replace(draft, event_transaction_id=event.transaction_id)
        drafts.append(EventFee(timestamp=event.timestamp, draft=draft))
    return drafts
