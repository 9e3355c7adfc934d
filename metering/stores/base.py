"""The event store interface: what every store (SQL, ClickHouse) answers, and the frozen data crossing it.

Ingestion hands a store `EventRecord`s; billing and current usage ask it `UsageQuery`s. No module outside
metering/stores touches event storage.
"""

from __future__ import annotations  # EventStore.list would shadow `list` in the annotations after it

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from billing.errors import ServiceUnavailable
from billing.ids import time_ordered_uuid

PropertyValue = str | int | float | bool | None


@dataclass(slots=True)
class EventRecord:
    """One validated event, ready to store. timestamp and ingested_at are aware UTC datetimes.

    Not frozen: ingestion builds thousands per second and sets `diagnostics` once the batch's subscriptions and
    metrics are read (a frozen dataclass costs five times as much to build, and dataclasses.replace more again).
    Nothing changes a record once it is handed to a store.
    """

    organization_id: UUID
    transaction_id: str
    external_subscription_id: str
    code: str
    timestamp: datetime
    properties: dict[str, PropertyValue]
    precise_total_amount_cents: Decimal | None
    ingested_at: datetime
    diagnostics: tuple[str, ...] = ()
    # Chosen before storing, so that the response can name it; time-ordered, so that inserts append to the key.
    lago_id: UUID = field(default_factory=time_ordered_uuid)


@dataclass(frozen=True)
class InsertOutcome:
    """Either every event was stored, or none was and `duplicates` names the indexes already known (or repeated)."""

    stored: int
    duplicates: tuple[int, ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.duplicates


@dataclass(frozen=True)
class EventListFilters:
    external_subscription_id: str | None = None
    transaction_id: str | None = None
    code: str | None = None
    timestamp_from: datetime | None = None
    timestamp_to: datetime | None = None
    diagnostic: str | None = None  # only events carrying this diagnostic code
    with_diagnostics: bool | None = None  # True: only events with any diagnostic; False: only clean ones


@dataclass(frozen=True)
class Aggregation:
    """How a billable metric aggregates (mirrors plans.models.BillableMetric without importing it into stores)."""

    aggregation_type: str  # count_agg | sum_agg | max_agg | unique_count_agg | latest_agg | weighted_sum_agg
    field_name: str = ""
    recurring: bool = False
    rounding_function: str = ""  # "" | round | floor | ceil
    rounding_precision: int | None = None


@dataclass(frozen=True)
class SubscriptionWindow:
    """The half-open window [from_datetime, to_datetime) of one subscription.

    recurring_from: the subscription's start; recurring metrics (and weighted_sum's carried level) count events from
    there up to to_datetime instead of from from_datetime.
    """

    external_subscription_id: str
    from_datetime: datetime
    to_datetime: datetime
    recurring_from: datetime | None = None


@dataclass(frozen=True)
class UsageQuery:
    """Usage of one metric code for many subscriptions at once (one grouped query per store, not one per window).

    filters: the charge's filters, each {property key: [accepted values]}; an event goes to the most specific
    matching filter (the one with most keys; ties go to the earliest in the list), unmatched events to the default
    (filter_index None). group_by: pricing_group_keys, one result per distinct value tuple (a missing key is None).
    """

    organization_id: UUID
    code: str
    aggregation: Aggregation
    windows: Sequence[SubscriptionWindow]
    filters: Sequence[dict[str, Sequence[str]]] = ()
    group_by: Sequence[str] = ()


@dataclass(frozen=True)
class UsageResult:
    external_subscription_id: str
    units: Decimal
    events_count: int
    filter_index: int | None = None
    group: tuple[tuple[str, str | None], ...] = field(default=())


@dataclass(frozen=True)
class StoredEvent:
    organization_id: UUID
    transaction_id: str
    external_subscription_id: str
    code: str
    timestamp: datetime
    properties: dict[str, PropertyValue]
    precise_total_amount_cents: Decimal | None
    ingested_at: datetime
    diagnostics: tuple[str, ...]
    lago_id: UUID | None = None

    @classmethod
    def from_record(cls, record: EventRecord) -> StoredEvent:
        """The event as stored, straight from the record that was inserted (no read back)."""
        return cls(
            organization_id=record.organization_id,
            transaction_id=record.transaction_id,
            external_subscription_id=record.external_subscription_id,
            code=record.code,
            timestamp=record.timestamp,
            properties=record.properties,
            precise_total_amount_cents=record.precise_total_amount_cents,
            ingested_at=record.ingested_at,
            diagnostics=record.diagnostics,
            lago_id=record.lago_id,
        )


class EventStore(Protocol):
    def insert(self, events: Sequence[EventRecord]) -> InsertOutcome:
        """Store all events or none; a transaction_id already stored for the subscription, or repeated in the
        batch, refuses the whole batch. Safe under concurrent calls (a unique key decides, not a prior read)."""

    def get(
        self, *, organization_id: UUID, transaction_id: str, external_subscription_id: str | None = None
    ) -> StoredEvent | None: ...

    def list(
        self, *, organization_id: UUID, filters: EventListFilters, offset: int, limit: int
    ) -> tuple[list[StoredEvent], int]:
        """A page of events, newest timestamp first, and the total count."""

    def aggregate(self, query: UsageQuery) -> list[UsageResult]:
        """Units and events_count per (window, filter, group). Windows without events still get their default
        result with zero units (and one per group only for groups that have events)."""

    def aggregate_many_started(self, queries: Sequence[UsageQuery]) -> Callable[[], list[list[UsageResult]]]:
        """Starts aggregate() of each query and returns what waits for the answers, so that the caller can read the
        main database meanwhile (a store over the main database answers before returning)."""

    def event_values(self, query: UsageQuery) -> list[tuple[str, int | None, Decimal]]:
        """(external_subscription_id, filter_index, value) per counted event, in timestamp order: for the
        percentage charge model's per-event rules (free first N events, per-transaction min/max)."""


class UsageStoreUnavailable(ServiceUnavailable):
    """The store cannot answer usage queries now (its server is unreachable); events are still accepted and kept."""

    code = "usage_store_unavailable"
