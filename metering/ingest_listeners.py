"""Listeners to stored events: higher apps (invoicing bills charges paid in advance) register here what to do once a
batch of events is stored, without metering importing them.

A listener is called inside ingestion, right after the insert, with the organization's id and the stored records;
it must stay cheap for organizations it has nothing to do for, and defer real work (transaction.on_commit, a task).
"""

from collections.abc import Callable, Sequence
from uuid import UUID

from metering.stores.base import EventRecord

EventsListener = Callable[..., None]  # listener(*, organization_id: UUID, events: Sequence[EventRecord])

_listeners: list[EventsListener] = []


def register_events_listener(listener: EventsListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def events_ingested(*, organization_id: UUID, events: Sequence[EventRecord]) -> None:
    for listener in tuple(_listeners):
        listener(organization_id=organization_id, events=events)
