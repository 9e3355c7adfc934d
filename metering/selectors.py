"""Reads of events, always through the configured event store and scoped by organization."""

from collections.abc import Sequence
from typing import NamedTuple
from uuid import UUID

from billing.errors import NotFound
from billing.models import Organization
from metering.diagnostics import SubscriptionSpan, SubscriptionSpans
from metering.stores import get_event_store
from metering.stores.base import EventListFilters, EventRecord, StoredEvent


class EventDetail(NamedTuple):
    """A stored event with the subscription row (and its customer) that was active at the event's timestamp.

    Ingestion answers with the records it just stored, which carry the same fields as a StoredEvent (a tuple, not a
    frozen dataclass: a 100-event response builds a hundred of them)."""

    event: StoredEvent | EventRecord
    lago_subscription_id: UUID | None = None
    lago_customer_id: UUID | None = None

    @classmethod
    def of(cls, event: StoredEvent, span: SubscriptionSpan | None) -> "EventDetail":
        if span is None:
            return cls(event=event)
        return cls(event=event, lago_subscription_id=span.subscription_id, lago_customer_id=span.customer_id)


def event_details(*, organization: Organization, events: Sequence[StoredEvent]) -> list[EventDetail]:
    """Links each event to its subscription and customer, in one query for all of them."""
    spans = SubscriptionSpans.load(
        organization_id=organization.id, external_ids={event.external_subscription_id for event in events}
    )
    return [event_detail(event=event, spans=spans) for event in events]


def event_detail(*, event: StoredEvent, spans: SubscriptionSpans) -> EventDetail:
    return EventDetail.of(event, spans.covering(event.external_subscription_id, event.timestamp))


def event_get(
    *, organization: Organization, transaction_id: str, external_subscription_id: str | None = None
) -> EventDetail:
    event = None
    if "\x00" not in transaction_id + (external_subscription_id or ""):  # PostgreSQL refuses NUL; no id has one
        event = get_event_store().get(
            organization_id=organization.id,
            transaction_id=transaction_id,
            external_subscription_id=external_subscription_id,
        )
    if event is None:
        raise NotFound("event")
    return event_details(organization=organization, events=[event])[0]


class EventList:
    """An organization's events matching filters, newest first, as the sliceable and countable sequence that the
    API's paginate() pages through; each slice is one call to the store."""

    def __init__(self, *, organization: Organization, filters: EventListFilters):
        self.organization = organization
        self.filters = filters
        self._total: int | None = None

    def count(self) -> int:
        if self._total is None:
            _events, self._total = self._page(offset=0, limit=0)
        return self._total

    def __getitem__(self, window: slice) -> list[EventDetail]:
        events, self._total = self._page(offset=window.start or 0, limit=window.stop - (window.start or 0))
        return event_details(organization=self.organization, events=events)

    def _page(self, *, offset: int, limit: int) -> tuple[list[StoredEvent], int]:
        return get_event_store().list(
            organization_id=self.organization.id, filters=self.filters, offset=offset, limit=limit
        )


def event_list(*, organization: Organization, filters: EventListFilters) -> EventList:
    return EventList(organization=organization, filters=filters)
