"""Event writes and reads over the Event table: the SQL store's.

Idempotency is the unique key's job: a batch is inserted in one transaction, and if the key refuses it (a
transaction_id already stored, also by a concurrent request) the transaction rolls back and a read names the
events already known. A prior read alone could not stop two concurrent requests from both inserting.
"""

import json
from collections.abc import Sequence
from contextlib import nullcontext
from uuid import UUID

import orjson
import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet

from metering.models import Event, PendingEvent
from metering.stores.base import EventListFilters, EventRecord, InsertOutcome, StoredEvent

# A key refused by a transaction that then rolled back is free again; retrying settles it.
_INSERT_ATTEMPTS = 3


def carrying_diagnostic(code: str) -> Q:
    """Events whose comma-separated sorted `diagnostics` hold `code` (a plain LIKE in SQLite and PostgreSQL)."""
    return (
        Q(diagnostics=code)
        | Q(diagnostics__startswith=f"{code},")
        | Q(diagnostics__endswith=f",{code}")
        | Q(diagnostics__contains=f",{code},")
    )


class SqlEventWrites:
    def insert(self, events: Sequence[EventRecord]) -> InsertOutcome:
        if not events:
            return InsertOutcome(stored=0)
        repeated = _repeated_in_batch(events)
        if repeated:
            return InsertOutcome(stored=0, duplicates=tuple(sorted(repeated | _already_stored(events))))
        for _attempt in range(_INSERT_ATTEMPTS):
            try:
                # One statement is atomic on its own; a savepoint is only needed inside a caller's transaction.
                with transaction.atomic() if connection.in_atomic_block else nullcontext():
                    self._insert_rows(events)
            except IntegrityError:
                known = _already_stored(events)
                if known:
                    return InsertOutcome(stored=0, duplicates=tuple(sorted(known)))
            else:
                return InsertOutcome(stored=len(events))
        raise IntegrityError("events kept colliding with concurrent inserts that then rolled back")

    def _insert_rows(self, events: Sequence[EventRecord]) -> None:
        if connection.vendor == "postgresql":
            _insert_rows_postgresql(events)
            return
        Event.objects.bulk_create([event_row(event) for event in events])

    def get(
        self, *, organization_id: UUID, transaction_id: str, external_subscription_id: str | None = None
    ) -> StoredEvent | None:
        events = Event.objects.filter(organization_id=organization_id, transaction_id=transaction_id)
        if external_subscription_id is not None:
            events = events.filter(external_subscription_id=external_subscription_id)
        # Without a subscription, the same transaction_id may name events of several: the last received answers.
        row = events.order_by("-ingested_at", "-id").first()
        return _stored(row) if row is not None else None

    def list(
        self, *, organization_id: UUID, filters: EventListFilters, offset: int, limit: int
    ) -> tuple[list[StoredEvent], int]:
        events = _filtered(Event.objects.filter(organization_id=organization_id), filters)
        total = events.count()
        page = events.order_by("-timestamp", "-ingested_at", "-id")[offset : offset + limit] if limit > 0 else []
        return [_stored(row) for row in page], total


def event_row(event: EventRecord) -> Event:
    """The Event table row of a record."""
    return Event(
        id=event.lago_id,
        organization_id=event.organization_id,
        transaction_id=event.transaction_id,
        external_subscription_id=event.external_subscription_id,
        code=event.code,
        timestamp=event.timestamp,
        properties=event.properties,
        precise_total_amount_cents=event.precise_total_amount_cents,
        ingested_at=event.ingested_at,
        diagnostics=",".join(sorted(event.diagnostics)),
    )


def _key(event: EventRecord) -> tuple[UUID, str, str]:
    return event.organization_id, event.external_subscription_id, event.transaction_id


def _repeated_in_batch(events: Sequence[EventRecord]) -> set[int]:
    """Indexes of events whose key an earlier event of the batch already has."""
    seen: set[tuple[UUID, str, str]] = set()
    repeated = set()
    for index, event in enumerate(events):
        key = _key(event)
        if key in seen:
            repeated.add(index)
        seen.add(key)
    return repeated


def _already_stored(events: Sequence[EventRecord]) -> set[int]:
    """Indexes of events whose key is stored, read in one query per organization of the batch."""
    known: set[tuple[UUID, str, str]] = set()
    for organization_id in {event.organization_id for event in events}:
        mine = [event for event in events if event.organization_id == organization_id]
        rows = Event.objects.filter(
            organization_id=organization_id,
            external_subscription_id__in={event.external_subscription_id for event in mine},
            transaction_id__in={event.transaction_id for event in mine},
        ).values_list("external_subscription_id", "transaction_id")
        known.update((organization_id, subscription, transaction) for subscription, transaction in rows)
    return {index for index, event in enumerate(events) if _key(event) in known}


def _filtered(events: QuerySet[Event], filters: EventListFilters) -> QuerySet[Event]:
    if filters.external_subscription_id is not None:
        events = events.filter(external_subscription_id=filters.external_subscription_id)
    if filters.transaction_id is not None:
        events = events.filter(transaction_id=filters.transaction_id)
    if filters.code is not None:
        events = events.filter(code=filters.code)
    if filters.timestamp_from is not None:
        events = events.filter(timestamp__gte=filters.timestamp_from)
    if filters.timestamp_to is not None:
        events = events.filter(timestamp__lte=filters.timestamp_to)
    if filters.diagnostic is not None:
        events = events.filter(carrying_diagnostic(filters.diagnostic))
    if filters.with_diagnostics is not None:
        events = events.exclude(diagnostics="") if filters.with_diagnostics else events.filter(diagnostics="")
    return events


def _stored(row: Event) -> StoredEvent:
    return StoredEvent(
        organization_id=row.organization_id,
        transaction_id=row.transaction_id,
        external_subscription_id=row.external_subscription_id,
        code=row.code,
        timestamp=row.timestamp,
        properties=row.properties,
        precise_total_amount_cents=row.precise_total_amount_cents,
        ingested_at=row.ingested_at,
        diagnostics=tuple(row.diagnostics.split(",")) if row.diagnostics else (),
        lago_id=row.id,
    )


# The ingestion hot path on PostgreSQL: one INSERT over unnest()ed column arrays. Its text never changes with the
# batch size, so psycopg parses it once, and nothing is built per row but the column lists (bulk_create spent most
# of a 100-event request preparing 1,100 placeholders).
_UNNEST_INSERT = """
INSERT INTO metering_event (
    id, organization_id, transaction_id, external_subscription_id, code, "timestamp", properties,
    precise_total_amount_cents, ingested_at, diagnostics
)
SELECT * FROM unnest(
    %b::uuid[], %b::uuid[], %b::varchar[], %b::varchar[], %b::varchar[], %b::timestamptz[], %b::text[]::jsonb[],
    %b::numeric[], %b::timestamptz[], %b::varchar[]
)
"""


def _insert_rows_postgresql(events: Sequence[EventRecord]) -> None:
    columns = (
        [event.lago_id for event in events],
        [event.organization_id for event in events],
        [event.transaction_id for event in events],
        [event.external_subscription_id for event in events],
        [event.code for event in events],
        [event.timestamp for event in events],
        [_json_text(event.properties) for event in events],
        [event.precise_total_amount_cents for event in events],
        [event.ingested_at for event in events],
        [",".join(sorted(event.diagnostics)) for event in events],
    )
    connection.ensure_connection()
    # Django's psycopg cursors bind parameters client-side, quoting every array element through regexes; a plain
    # psycopg cursor on the same connection (and transaction) sends them bound and in binary (%b): several times
    # cheaper.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_UNNEST_INSERT, columns)


def _pending(event: EventRecord) -> PendingEvent:
    return PendingEvent(event_id=event.lago_id, organization_id=event.organization_id, ingested_at=event.ingested_at)


def _json_text(properties: dict) -> str:
    try:
        return orjson.dumps(properties).decode()
    except TypeError:  # integers beyond 64 bits, which orjson refuses and the json module writes exactly
        return json.dumps(properties)
