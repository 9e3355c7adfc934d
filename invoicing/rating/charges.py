"""Usage charges: one grouped usage query per (metric, aggregation, filters, groups) for a whole batch of
subscriptions, then each charge priced per filter and group with the charge models' pure functions."""

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from uuid import UUID

from invoicing.rating.drafts import FeeDraft
from metering.stores.base import Aggregation, SubscriptionWindow, UsageQuery, UsageResult
from metering.usage_selectors import usage_aggregate_many_started, usage_event_values
from plans.charge_models import ChargeProperties, ChargeUsage, charge_amount, parse_charge_properties
from plans.models import BillableMetric, Charge, ChargeFilter, Subscription
from plans.periods import Period

QueryKey = tuple


@dataclass(frozen=True)
class UsageWindow:
    """The usage of `subscription` billed (or estimated) over `period`."""

    subscription: Subscription
    period: Period


def charge_fee_drafts(windows: Sequence[UsageWindow], *, paid_in_advance: bool = False) -> dict[UUID, list[FeeDraft]]:
    """Charge fees per subscription id. Plans must come with their charges, metrics and filters prefetched.

    Charges paid in advance are billed event by event (see rating.in_advance), so a period's invoice leaves them
    out; `paid_in_advance` adds them, for the current usage, which shows the whole period's usage.
    """
    return charge_fee_drafts_started(windows, paid_in_advance=paid_in_advance)()


def charge_fee_drafts_started(
    windows: Sequence[UsageWindow], *, paid_in_advance: bool = False
) -> Callable[[], dict[UUID, list[FeeDraft]]]:
    """charge_fee_drafts() with its usage queries started: the returned callable waits for them and prices, so that
    the caller may read the main database while the event store works."""
    reader = _UsageReader()
    for window in windows:
        for charge in _charges(window.subscription, paid_in_advance=paid_in_advance):
            reader.want(window, charge)
    reader.start()

    def priced() -> dict[UUID, list[FeeDraft]]:
        reader.finish()
        drafts: dict[UUID, list[FeeDraft]] = defaultdict(list)
        for window in windows:
            for charge in _charges(window.subscription, paid_in_advance=paid_in_advance):
                drafts[window.subscription.id].extend(_price_charge(window, charge, reader))
        return drafts

    return priced


def _charges(subscription: Subscription, *, paid_in_advance: bool) -> list[Charge]:
    return [
        charge
        for charge in subscription.plan.charges.all()
        if (charge.invoiceable and not charge.pay_in_advance) or (paid_in_advance and charge.pay_in_advance)
    ]


@lru_cache(maxsize=4096)
def _parsed(charge_model: str, properties_json: str) -> ChargeProperties:
    return parse_charge_properties(charge_model, json.loads(properties_json))


def charge_properties(charge: Charge, charge_filter: ChargeFilter | None = None) -> ChargeProperties:
    """The typed properties pricing a charge (or one of its filters). Stored properties were validated on the way in;
    parsing is cached per distinct JSON, so a batch of subscriptions on one plan parses each charge once."""
    properties = charge_filter.properties if charge_filter is not None else charge.properties
    return _parsed(charge.charge_model, json.dumps(properties, sort_keys=True))


def metric_aggregation(metric: BillableMetric) -> Aggregation:
    return Aggregation(
        aggregation_type=metric.aggregation_type,
        field_name=metric.field_name,
        recurring=metric.recurring,
        rounding_function=metric.rounding_function,
        rounding_precision=metric.rounding_precision,
    )


def _query_key(charge: Charge) -> QueryKey:
    metric = charge.billable_metric
    filters = tuple(
        tuple((key, tuple(values)) for key, values in sorted(charge_filter.values.items()))
        for charge_filter in charge.filters.all()
    )
    group_by = charge_properties(charge).pricing_group_keys
    return (metric.code, metric_aggregation(metric), filters, group_by)


class _UsageReader:
    """Collects the windows each query needs, runs every query once, and answers per (window, charge)."""

    def __init__(self) -> None:
        # Per query, batches of windows keyed by external id: results come back keyed by external id, so two
        # windows of one external id (a plan change) go to two batches.
        self.windows: dict[QueryKey, list[dict[str, SubscriptionWindow]]] = defaultdict(list)
        self.per_event: set[QueryKey] = set()
        self.organization_id: UUID | None = None
        self.keys: dict[UUID, QueryKey] = {}
        self.parsed: dict[tuple, ChargeProperties] = {}
        self.results: dict[tuple[QueryKey, str, object], list[UsageResult]] = defaultdict(list)
        self.values: dict[tuple[QueryKey, str, object, int | None], list[Decimal]] = defaultdict(list)
        self.planned: list[tuple[QueryKey, dict[str, SubscriptionWindow], UsageQuery]] = []
        self.answers: Callable[[], list[list[UsageResult]]] = list

    def properties(self, charge: Charge, charge_filter: ChargeFilter | None = None) -> ChargeProperties:
        memo_key = (charge.pk, charge_filter.pk if charge_filter else None)
        if memo_key not in self.parsed:
            self.parsed[memo_key] = charge_properties(charge, charge_filter)
        return self.parsed[memo_key]

    def prices_per_event(self, charge: Charge) -> bool:
        """Whether any of the charge's properties (its own or a filter's) price event by event."""
        candidates = [self.properties(charge)] + [self.properties(charge, item) for item in charge.filters.all()]
        return any(getattr(properties, "prices_per_event", False) for properties in candidates)

    def key(self, charge: Charge) -> QueryKey:
        if charge.pk not in self.keys:
            self.keys[charge.pk] = _query_key(charge)
        return self.keys[charge.pk]

    def want(self, window: UsageWindow, charge: Charge) -> None:
        key = self.key(charge)
        subscription = window.subscription
        self.organization_id = subscription.organization_id
        wanted = SubscriptionWindow(
            external_subscription_id=subscription.external_id,
            from_datetime=window.period.start,
            to_datetime=window.period.end,
            recurring_from=subscription.subscription_at,
        )
        batches = self.windows[key]
        external_id = wanted.external_subscription_id
        batch = next((batch for batch in batches if batch.get(external_id, wanted) == wanted), None)
        if batch is None:
            batch = {}
            batches.append(batch)
        batch[external_id] = wanted
        if self.prices_per_event(charge):
            self.per_event.add(key)

    def start(self) -> None:
        self.planned = [
            (key, batch, self._query(key, batch)) for key, batches in self.windows.items() for batch in batches
        ]
        self.answers = usage_aggregate_many_started(queries=[query for _key, _batch, query in self.planned])

    def finish(self) -> None:
        for (key, batch, query), results in zip(self.planned, self.answers(), strict=True):
            for result in results:
                window_key = _window_key(batch[result.external_subscription_id])
                self.results[(key, result.external_subscription_id, window_key)].append(result)
            if key in self.per_event:
                for external_id, filter_index, value in usage_event_values(query=query):
                    window_key = _window_key(batch[external_id])
                    self.values[(key, external_id, window_key, filter_index)].append(value)

    def _query(self, key: QueryKey, batch: dict[str, SubscriptionWindow]) -> UsageQuery:
        code, aggregation, filters, group_by = key
        return UsageQuery(
            organization_id=self.organization_id,
            code=code,
            aggregation=aggregation,
            windows=list(batch.values()),
            filters=[{name: list(values) for name, values in item} for item in filters],
            group_by=group_by,
        )

    def results_for(self, window: UsageWindow, charge: Charge) -> list[UsageResult]:
        subscription = window.subscription
        return self.results.get((self.key(charge), subscription.external_id, _period_key(window.period)), [])

    def values_for(self, window: UsageWindow, charge: Charge, filter_index: int | None) -> tuple[Decimal, ...]:
        key = (self.key(charge), window.subscription.external_id, _period_key(window.period), filter_index)
        return tuple(self.values.get(key, ()))


def _window_key(window: SubscriptionWindow) -> tuple:
    return (window.from_datetime, window.to_datetime)


def _period_key(period: Period) -> tuple:
    return (period.start, period.end)


def _price_charge(window: UsageWindow, charge: Charge, reader: _UsageReader) -> list[FeeDraft]:
    filters: list[ChargeFilter] = list(charge.filters.all())
    results = reader.results_for(window, charge)
    by_bucket = {(result.filter_index, result.group): result for result in results}
    buckets = [(None, ())] + [(index, ()) for index in range(len(filters))]
    buckets += [bucket for bucket in by_bucket if bucket[1] and bucket not in buckets]
    ungrouped = reader.properties(charge).pricing_group_keys
    drafts = []
    for filter_index, group in buckets:
        if ungrouped and not group and (filter_index, group) not in by_bucket:
            continue  # grouped charges bill the groups that had usage, not an empty ungrouped line
        result = by_bucket.get((filter_index, group))
        charge_filter = None if filter_index is None else filters[filter_index]
        properties = reader.properties(charge, charge_filter)
        usage = ChargeUsage(
            units=result.units if result else Decimal(0),
            events_count=result.events_count if result else 0,
            event_values=reader.values_for(window, charge, filter_index) if not group else (),
        )
        drafts.append(charge_draft(window, charge, charge_filter, dict(group), usage, charge_amount(properties, usage)))
    return drafts


def charge_draft(
    window: UsageWindow,
    charge: Charge,
    charge_filter: ChargeFilter | None,
    grouped_by: dict,
    usage: ChargeUsage,
    amount: Decimal,
) -> FeeDraft:
    subscription = window.subscription
    metric = charge.billable_metric
    return FeeDraft(
        fee_type="charge",
        subscription=subscription,
        currency=subscription.plan.amount_currency,
        item_code=metric.code,
        item_name=metric.name,
        invoice_display_name=(charge_filter.invoice_display_name if charge_filter else "")
        or charge.invoice_display_name,
        precise_amount=amount,
        units=usage.units,
        events_count=usage.events_count,
        from_datetime=window.period.start,
        to_datetime=window.period.end,
        charge=charge,
        charge_filter=charge_filter,
        charge_model=charge.charge_model,
        filter_values=charge_filter.values if charge_filter else {},
        grouped_by=grouped_by,
        pay_in_advance=charge.pay_in_advance,
    )
