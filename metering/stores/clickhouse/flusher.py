"""Forwards queued events (PendingEvent) to ClickHouse, in batches, without ever inserting a key twice.

A batch of the queue is locked in the SQL database, the keys ClickHouse already holds are read in one query, only
the others are inserted, then the batch leaves the queue, all inside one SQL transaction. A crash (or a lost
connection) after the ClickHouse insert but before the commit leaves the rows queued; the next flush finds their
keys in ClickHouse and skips them, so neither `events` nor the rollups its materialized views keep ever count an
event twice.
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import psycopg
import structlog
from django.db import connection, transaction

from metering.models import Event, PendingEvent
from metering.stores.base import PropertyValue
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.transport import StringTuple, Transport, ValuesTable
from metering.usage import is_remove, parse_number, property_string

logger = structlog.get_logger(__name__)

FLUSH_BATCH_SIZE = 20_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)

EVENT_COLUMNS = (
    "organization_id",
    "code",
    "external_subscription_id",
    "timestamp_us",
    "transaction_id",
    "ingested_at_us",
    "event_id",
    "properties",
    "property_keys",
    "property_values",
    "numeric_keys",
    "numeric_values",
    "is_remove",
    "precise_total_amount_cents",
    "diagnostics",
)

# Candidates by transaction_id (a plain IN set); the exact (organization, subscription, transaction) match is made in
# Python. The organization, code and time bounds only narrow the scan to the batch's primary key ranges.
KNOWN_TRANSACTIONS = f"""
SELECT DISTINCT organization_id, external_subscription_id, transaction_id
FROM {EVENTS_TABLE}
WHERE organization_id IN %(organization_ids)s
  AND code IN %(codes)s
  AND timestamp_us >= %(earliest)s AND timestamp_us <= %(latest)s
  AND transaction_id IN %(transaction_ids)s
"""

Key = tuple[str, str, str]
# An event as the flusher reads it from the inbox: (organization_id, code, external_subscription_id, timestamp_us,
# transaction_id, ingested_at_us, event_id, properties as JSON text, precise_total_amount_cents as plain text or
# None, diagnostics).
QueuedEvent = tuple[str, str, str, int, str, int, str, str, str | None, str]

# On PostgreSQL one statement takes the batch out of the queue and reads its events, already in the shapes
# ClickHouse takes (text UUIDs, epoch microseconds, the stored JSON text): no model instances, no 5,000-id IN lists
# for psycopg to split client-side, no datetime parsing. EXTRACT(EPOCH ...) is exact numeric since PostgreSQL 14.
# The batch's ids are an ARRAY() computed once, so the DELETE finds them by primary key: as `IN (subquery)` the
# planner hash-joined a sequential scan of the whole queue, dead rows included, for every batch (under load, when
# autovacuum lags, that cost PostgreSQL three times the CPU of the inserts).
_TAKE_BATCH_POSTGRESQL = """
WITH taken AS (
    DELETE FROM metering_pendingevent
    WHERE event_id = ANY(ARRAY(
        SELECT event_id FROM metering_pendingevent {organization_filter}
        ORDER BY ingested_at LIMIT %(batch_size)s FOR UPDATE {skip_locked}
    ))
    RETURNING event_id
)
SELECT
    event.organization_id::text, event.code, event.external_subscription_id,
    (EXTRACT(EPOCH FROM event."timestamp") * 1000000)::bigint, event.transaction_id,
    (EXTRACT(EPOCH FROM event.ingested_at) * 1000000)::bigint, event.id::text, event.properties::text,
    event.precise_total_amount_cents::text, event.diagnostics
FROM metering_event AS event JOIN taken ON event.id = taken.event_id
"""


def microseconds(moment: datetime) -> int:
    return (moment - EPOCH) // ONE_MICROSECOND


def from_microseconds(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def events_flush(
    *,
    transport: Transport,
    organization_id: UUID | None = None,
    wait_for_locked: bool = False,
    batch_size: int = FLUSH_BATCH_SIZE,
) -> int:
    """Forwards unflushed events (of one organization, or all) and returns how many rows were settled.

    wait_for_locked=False (the periodic task) skips rows another flusher holds; True (before an aggregation) waits
    for them, so that every event acknowledged before the call is in ClickHouse when it returns. Raises
    UsageStoreUnavailable, leaving the rows unflushed, when ClickHouse cannot be reached.
    """
    if not _anything_pending(organization_id):
        return 0  # a plain read, where taking a batch costs a transaction: the common case before usage reads
    take_batch = _take_batch_postgresql if connection.vendor == "postgresql" else _take_batch
    settled = 0
    while True:
        # The batch leaves the queue inside this transaction: a failed forward rolls it back into the queue.
        with transaction.atomic():
            batch = take_batch(organization_id=organization_id, wait_for_locked=wait_for_locked, batch_size=batch_size)
            if not batch:
                return settled
            inserted = _forward(transport, batch)
        settled += len(batch)
        logger.info("events_flushed", settled=len(batch), inserted=inserted, database=transport.database)


def _anything_pending(organization_id: UUID | None) -> bool:
    """Whether rows are queued; rows another flusher is taking still show until it commits (MVCC), so a caller
    waiting for them still goes on to wait."""
    queued = PendingEvent.objects.all()
    if organization_id is not None:
        queued = queued.filter(organization_id=organization_id)
    return queued.exists()


def _take_batch(*, organization_id: UUID | None, wait_for_locked: bool, batch_size: int) -> list[QueuedEvent]:
    queued = PendingEvent.objects.all()
    if organization_id is not None:
        queued = queued.filter(organization_id=organization_id)
    event_ids = list(
        queued.order_by("ingested_at")
        .select_for_update(skip_locked=not wait_for_locked)
        .values_list("event_id", flat=True)[:batch_size]
    )
    if not event_ids:
        return []
    batch = [queued_event(event) for event in Event.objects.filter(pk__in=event_ids)]
    PendingEvent.objects.filter(event_id__in=event_ids).delete()
    return batch


def _take_batch_postgresql(
    *, organization_id: UUID | None, wait_for_locked: bool, batch_size: int
) -> list[QueuedEvent]:
    query = _TAKE_BATCH_POSTGRESQL.format(
        organization_filter="WHERE organization_id = %(organization_id)s" if organization_id is not None else "",
        skip_locked="" if wait_for_locked else "SKIP LOCKED",
    )
    connection.ensure_connection()
    # A plain psycopg cursor on Django's connection (and transaction): rows come back as tuples, not models.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(query, {"organization_id": organization_id, "batch_size": batch_size})
        return cursor.fetchall()


def queued_event(event: Event) -> QueuedEvent:
    """An Event model in the shape the flusher reads from PostgreSQL."""
    amount = event.precise_total_amount_cents
    return (
        str(event.organization_id),
        event.code,
        event.external_subscription_id,
        microseconds(event.timestamp),
        event.transaction_id,
        microseconds(event.ingested_at),
        str(event.id),
        json.dumps(event.properties or {}, ensure_ascii=False),
        f"{amount:f}" if amount is not None else None,
        event.diagnostics,
    )


def _forward(transport: Transport, batch: Sequence[QueuedEvent]) -> int:
    known = _known_keys(transport, batch)
    values = PropertyValues()
    rows = [forwarded_row(queued, values) for queued in batch if _key(queued) not in known]
    if rows:
        transport.insert(EVENTS_TABLE, EVENT_COLUMNS, rows)
    return len(rows)


def _key(queued: QueuedEvent) -> Key:
    return queued[0], queued[2], queued[4]


def _known_keys(transport: Transport, batch: Sequence[QueuedEvent]) -> set[Key]:
    timestamps = [queued[3] for queued in batch]
    rows = transport.execute(
        KNOWN_TRANSACTIONS,
        {
            "organization_ids": StringTuple({queued[0] for queued in batch}),
            "codes": StringTuple({queued[1] for queued in batch}),
            "earliest": min(timestamps),
            "latest": max(timestamps),
            "transaction_ids": ValuesTable({queued[4] for queued in batch}),
        },
    )
    return {tuple(row) for row in rows}


def clickhouse_row(event: Event) -> tuple:
    """The `events` row of an Event, in EVENT_COLUMNS order."""
    return forwarded_row(queued_event(event))


def forwarded_row(queued: QueuedEvent, values: "PropertyValues | None" = None) -> tuple:
    """The `events` row of a queued event, in EVENT_COLUMNS order. The stored JSON text is forwarded as it is (a
    re-serialization would read back to the same values). values: the flush's memo of property values."""
    (
        organization_id,
        code,
        subscription,
        timestamp_us,
        transaction_id,
        ingested_at_us,
        event_id,
        text,
        amount,
        diagnostics,
    ) = queued
    properties = json.loads(text) or {}  # not orjson: it reads integers beyond 64 bits as floats
    columns = (values or PropertyValues()).columns
    keys, strings, numeric_keys, numbers = [], [], [], []
    for key, value in properties.items():
        string, number = columns(value)
        if string is not None:
            keys.append(key)
            strings.append(string)
        if number is not None:
            numeric_keys.append(key)
            numbers.append(number)
    return (
        organization_id,
        code,
        subscription,
        timestamp_us,
        transaction_id,
        ingested_at_us,
        event_id,
        text if properties else "{}",
        keys,
        strings,
        numeric_keys,
        numbers,
        int(is_remove(properties)),
        amount,
        diagnostics,
    )


class PropertyValues:
    """How each property value is forwarded (its string for filters and groups, its number for sums), worked out
    once per distinct value of a flush: events mostly repeat a few values, and the Decimal work was most of a flush's
    Python time."""

    MAX_REMEMBERED = 100_000

    def __init__(self):
        # Keyed by type too: True, 1 and 1.0 are equal dict keys but forward differently.
        self._known: dict[tuple[type, PropertyValue], tuple[str | None, Decimal | None]] = {}

    def columns(self, value: PropertyValue) -> tuple[str | None, Decimal | None]:
        key = (value.__class__, value)
        try:
            return self._known[key]
        except KeyError:
            pass
        except TypeError:  # a list or dict (never stored: ingestion refuses nested values)
            return property_string(value), parse_number(value)
        if len(self._known) >= self.MAX_REMEMBERED:
            self._known.clear()
        forwarded = self._known[key] = (property_string(value), parse_number(value))
        return forwarded
