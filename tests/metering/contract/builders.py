"""Worked examples read as events at second offsets from T0, stored and aggregated through the store under test."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from metering.stores.base import (
    Aggregation,
    EventRecord,
    InsertOutcome,
    PropertyValue,
    SubscriptionWindow,
    UsageQuery,
    UsageResult,
)
from tests.metering.contract.stores import StoreUnderTest

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SUB = "sub_a"
CODE = "api_calls"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def window(
    sub: str = SUB, start: float = 0, end: float = 100, recurring_from: float | None = None
) -> SubscriptionWindow:
    return SubscriptionWindow(
        external_subscription_id=sub,
        from_datetime=at(start),
        to_datetime=at(end),
        recurring_from=at(recurring_from) if recurring_from is not None else None,
    )


@dataclass(frozen=True)
class Ev:
    """An event at `t` seconds after T0; ingested at `ingested` seconds (default: its timestamp)."""

    t: float
    properties: dict[str, PropertyValue] = field(default_factory=dict)
    sub: str = SUB
    code: str = CODE
    tx: str | None = None
    ingested: float | None = None


def ev(t: float, properties: dict[str, PropertyValue] | None = None, **kwargs) -> Ev:
    return Ev(t, properties or {}, **kwargs)


class Metering:
    def __init__(self, under_test: StoreUnderTest, *, organization_id: UUID):
        self.store = under_test.store
        self.store_events = under_test.store_events
        self.organization_id = organization_id
        self._transactions = itertools.count()

    def record(self, spec: Ev, *, organization_id: UUID | None = None) -> EventRecord:
        return EventRecord(
            organization_id=organization_id or self.organization_id,
            transaction_id=spec.tx if spec.tx is not None else f"tx-{next(self._transactions):06d}",
            external_subscription_id=spec.sub,
            code=spec.code,
            timestamp=at(spec.t),
            properties=spec.properties,
            precise_total_amount_cents=None,
            ingested_at=at(spec.ingested if spec.ingested is not None else spec.t),
        )

    def add(self, *specs: Ev, organization_id: UUID | None = None) -> InsertOutcome:
        return self.store_events([self.record(spec, organization_id=organization_id) for spec in specs])

    def query(
        self,
        aggregation: Aggregation,
        windows: Sequence[SubscriptionWindow] = (),
        filters: Sequence[dict[str, Sequence[str]]] = (),
        group_by: Sequence[str] = (),
        code: str = CODE,
    ) -> UsageQuery:
        return UsageQuery(
            organization_id=self.organization_id,
            code=code,
            aggregation=aggregation,
            windows=tuple(windows) or (window(),),
            filters=tuple(filters),
            group_by=tuple(group_by),
        )

    def aggregate(self, aggregation: Aggregation, **kwargs) -> list[UsageResult]:
        return self.store.aggregate(self.query(aggregation, **kwargs))

    def units(self, aggregation: Aggregation, **kwargs) -> tuple[Decimal, int]:
        """(units, events_count) of a query with a single result."""
        [result] = self.aggregate(aggregation, **kwargs)
        return result.units, result.events_count

    def event_values(self, aggregation: Aggregation, **kwargs) -> list[tuple[str, int | None, Decimal]]:
        return self.store.event_values(self.query(aggregation, **kwargs))


def summary(results: Sequence[UsageResult]) -> list[tuple]:
    """Results as (subscription, filter_index, group, units, events_count) rows, for whole-list assertions."""
    return [
        (result.external_subscription_id, result.filter_index, result.group, result.units, result.events_count)
        for result in results
    ]
