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
from uuid import UUID

import structlog
from django.db import transaction

from metering.models import Event, PendingEvent
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.transport import Transport
from metering.usage import is_remove, parse_number, property_string

logger = structlog.get_logger(__name__)

FLUSH_BATCH_SIZE = 5000
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
    settled = 0
    while True:
        with transaction.atomic():
            queued = PendingEvent.objects.all()
            if organization_id is not None:
                queued = queued.filter(organization_id=organization_id)
            event_ids = list(
                queued.order_by("ingested_at")
                .select_for_update(skip_locked=not wait_for_locked)
                .values_list("event_id", flat=True)[:batch_size]
            )
            if not event_ids:
                return settled
            batch = list(Event.objects.filter(pk__in=event_ids))
            inserted = _forward(transport, batch)
            PendingEvent.objects.filter(event_id__in=event_ids).delete()
        settled += len(event_ids)
        logger.info("events_flushed", settled=len(event_ids), inserted=inserted, database=transport.database)


def _forward(transport: Transport, batch: Sequence[Event]) -> int:
    known = _known_keys(transport, batch)
    rows = [clickhouse_row(event) for event in batch if _key(event) not in known]
    if rows:
        transport.insert(EVENTS_TABLE, EVENT_COLUMNS, rows)
    return len(rows)


def _key(event: Event) -> Key:
    return str(event.organization_id), event.external_subscription_id, event.transaction_id


def _known_keys(transport: Transport, batch: Sequence[Event]) -> set[Key]:
    timestamps = [microseconds(event.timestamp) for event in batch]
    rows = transport.execute(
        KNOWN_TRANSACTIONS,
        {
            "organization_ids": tuple(sorted({str(event.organization_id) for event in batch})),
            "codes": tuple(sorted({event.code for event in batch})),
            "earliest": min(timestamps),
            "latest": max(timestamps),
            "transaction_ids": tuple(sorted({event.transaction_id for event in batch})),
        },
    )
    return {tuple(row) for row in rows}


def clickhouse_row(event: Event) -> tuple:
    """The `events` row of an Event, in EVENT_COLUMNS order."""
    properties = event.properties or {}
    strings = [(key, property_string(value)) for key, value in properties.items()]
    strings = [(key, text) for key, text in strings if text is not None]
    numbers = [(key, parse_number(value)) for key, value in properties.items()]
    numbers = [(key, number) for key, number in numbers if number is not None]
    amount = event.precise_total_amount_cents
    return (
        str(event.organization_id),
        event.code,
        event.external_subscription_id,
        microseconds(event.timestamp),
        event.transaction_id,
        microseconds(event.ingested_at),
        str(event.id),
        json.dumps(properties, ensure_ascii=False),
        [key for key, _text in strings],
        [text for _key, text in strings],
        [key for key, _number in numbers],
        [number for _key, number in numbers],
        int(is_remove(properties)),
        f"{amount:f}" if amount is not None else None,
        event.diagnostics,
    )
