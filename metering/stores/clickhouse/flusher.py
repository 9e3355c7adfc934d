"""Forwards the inbox's events to ClickHouse, in batches, without ever inserting a key twice.

An organization's entries are read from the Redis inbox under its flush lock, the keys ClickHouse already holds are
read in one query, only the others are inserted, then the entries are deleted. A crash (or a lost connection) after
the ClickHouse insert but before the deletion leaves the entries; the next flush finds their keys in ClickHouse and
skips them, so neither `events` nor the rollups its materialized views keep ever count an event twice. The
PostgreSQL queue of earlier releases is drained the same way, inside one SQL transaction per batch.
"""

import time
from uuid import UUID

import psycopg
import structlog
from django.db import connection, transaction

from metering.models import Event, PendingEvent
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.inbox import RedisEventInbox
from metering.stores.clickhouse.rows import (
    CODE,
    EVENT_COLUMNS,
    ORGANIZATION,
    SUBSCRIPTION,
    TRANSACTION,
    Columns,
    PropertyValues,
    QueuedEvent,
    json_text,
    queued_row,
    rows_columns,
)
from metering.stores.clickhouse.timestamps import microseconds
from metering.stores.clickhouse.transport import HashedValuesTable, StringTuple, Transport, ValuesTable

logger = structlog.get_logger(__name__)

FLUSH_BATCH_SIZE = 20_000
# The periodic flush follows ingestion of at least 10,000 events a second (flushes of fewer events at a time cost
# ClickHouse twice the CPU per event of 20,000-event ones); slower ingestion is forwarded on the next tick.
FOLLOW_MINIMUM_EVENTS = 10_000
FOLLOW_WAIT_SECONDS = 1.0
FOLLOW_POLL_SECONDS = 0.05

# Candidates by the hash of their transaction_id (the ids go as an external table, ClickHouse hashes them); the exact
# (organization, subscription, transaction) match is made in Python. The organizations, codes and subscriptions narrow
# the scan to the primary key ranges the batch's keys can be in. Not its time range: a transaction_id repeated past the
# inbox's deduplication window may carry another timestamp, and raw-event queries (deduplicated by subscription and
# transaction_id) would count it once where the rollups would count it twice. So the scan grows with the
# subscriptions' history, which is why it reads the 8-byte hashes rather than the ids (ddl.TRANSACTION_HASH_ADD).
KNOWN_TRANSACTIONS = f"""
SELECT DISTINCT organization_id, external_subscription_id, transaction_id
FROM {EVENTS_TABLE}
PREWHERE transaction_hash IN %(transaction_hashes)s
WHERE organization_id IN %(organization_ids)s
  AND code IN %(codes)s
  AND external_subscription_id IN %(subscriptions)s
"""

Key = tuple[str, str, str]

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


def events_flush(
    *,
    transport: Transport,
    inbox: RedisEventInbox,
    organization_id: UUID | None = None,
    wait_for_locked: bool = False,
    batch_size: int = FLUSH_BATCH_SIZE,
    follow_seconds: float = 0,
    follow_minimum: int = FOLLOW_MINIMUM_EVENTS,
) -> int:
    """Forwards waiting events (of one organization, or all) and returns how many were settled.

    wait_for_locked=False (the periodic task) skips organizations another flusher holds; True (before a usage read)
    waits for it, so that every event acknowledged before the call is in ClickHouse when it returns. Raises
    UsageStoreUnavailable, leaving the events waiting, when ClickHouse cannot be reached.

    follow_seconds: for that long, pass again over the organizations for which at least follow_minimum events arrived
    during the pass (or within a second after it). Under sustained ingestion the periodic flush then forwards
    continuously, each pass taking what arrived during the previous one (the faster events come, the larger and
    cheaper per event the batches), where a single pass left everything acknowledged after it began waiting for the
    next tick, seconds later. A trickle is not followed (it would insert a few events at a time, and ClickHouse wants
    few large inserts): what arrived during the last wait is forwarded, anything later waits for the next tick.
    """
    deadline = time.monotonic() + follow_seconds
    settled = _legacy_queue_flush(
        transport=transport, organization_id=organization_id, wait_for_locked=wait_for_locked, batch_size=batch_size
    )
    organizations = [str(organization_id)] if organization_id is not None else inbox.organizations_pending()
    while organizations:
        for organization in organizations:
            settled += _organization_flush(transport, inbox, organization, wait=wait_for_locked, batch_size=batch_size)
        if time.monotonic() >= deadline:
            break
        following = _followed(inbox, organizations, follow_minimum)
        if not following:
            # Ingestion slowed down or stopped: what arrived meanwhile goes now rather than on the next tick.
            among = set(organizations)
            left = [organization for organization in inbox.backlogs() if organization in among]
            for organization in left:
                settled += _organization_flush(transport, inbox, organization, wait=False, batch_size=batch_size)
        organizations = following
    return settled


def _followed(inbox: RedisEventInbox, organizations: list[str], follow_minimum: int) -> list[str]:
    """The organizations for which follow_minimum events are waiting, or will be within FOLLOW_WAIT_SECONDS: a pass
    can take less time than sustained ingestion needs to acknowledge that many."""
    waited_until, among = time.monotonic() + FOLLOW_WAIT_SECONDS, set(organizations)
    while True:
        followed = [
            organization
            for organization, waiting in inbox.backlogs().items()
            if waiting >= follow_minimum and organization in among
        ]
        if followed or time.monotonic() >= waited_until:
            return followed
        time.sleep(FOLLOW_POLL_SECONDS)


def _organization_flush(
    transport: Transport, inbox: RedisEventInbox, organization_id: str, *, wait: bool, batch_size: int
) -> int:
    """Forwards the organization's entries up to the last one present when the flush began (under continuous
    ingestion a usage read must not chase the stream's tail)."""
    if not inbox.has_pending(organization_id):
        return 0  # one read, where the lock costs two writes: the common case before usage reads
    settled = 0
    with inbox.flush_lock(organization_id, wait=wait) as lock:
        if lock is None:
            return 0
        until = inbox.last_entry_id(organization_id)
        while until is not None and (entries := inbox.read(organization_id, max_events=batch_size, until=until)):
            columns = _joined([entry.columns for entry in entries])
            inserted = _forward(transport, columns)
            inbox.settle(organization_id, entries)
            lock.extend()
            settled += len(columns[0])
            logger.info("events_flushed", settled=len(columns[0]), inserted=inserted, database=transport.database)
    return settled


def _legacy_queue_flush(
    *, transport: Transport, organization_id: UUID | None, wait_for_locked: bool, batch_size: int
) -> int:
    """Forwards the PostgreSQL queue (PendingEvent) that releases before the Redis inbox filled: nothing writes it
    any more, so after an upgrade's first flush this is one empty read."""
    if not _anything_pending(organization_id):
        return 0
    take_batch = _take_batch_postgresql if connection.vendor == "postgresql" else _take_batch
    settled = 0
    while True:
        # The batch leaves the queue inside this transaction: a failed forward rolls it back into the queue.
        with transaction.atomic():
            batch = take_batch(organization_id=organization_id, wait_for_locked=wait_for_locked, batch_size=batch_size)
            if not batch:
                return settled
            values = PropertyValues()
            inserted = _forward(transport, rows_columns(queued_row(queued, values) for queued in batch))
        settled += len(batch)
        logger.info("legacy_queue_flushed", settled=len(batch), inserted=inserted, database=transport.database)


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
    """An Event model as the legacy PostgreSQL queue's statement reads it."""
    amount = event.precise_total_amount_cents
    return (
        str(event.organization_id),
        event.code,
        event.external_subscription_id,
        microseconds(event.timestamp),
        event.transaction_id,
        microseconds(event.ingested_at),
        str(event.id),
        json_text(event.properties) if event.properties else "{}",
        f"{amount:f}" if amount is not None else None,
        ",".join(sorted(event.diagnostics.split(","))) if event.diagnostics else "",
    )


def clickhouse_row(event: Event) -> tuple:
    """The `events` row of an Event, in EVENT_COLUMNS order."""
    return queued_row(queued_event(event))


def _joined(parts: list[Columns]) -> Columns:
    if len(parts) == 1:
        return parts[0]
    joined: Columns = [[] for _name in EVENT_COLUMNS]
    for part in parts:
        for column, values in zip(joined, part, strict=True):
            column.extend(values)
    return joined


def _forward(transport: Transport, columns: Columns) -> int:
    """Inserts the events but those whose key ClickHouse has (a crashed flush's, or a repeat acknowledged past the
    deduplication window) or an earlier event of the same columns has."""
    keys = list(zip(columns[ORGANIZATION], columns[SUBSCRIPTION], columns[TRANSACTION], strict=True))
    skipped = known_keys(transport, columns)
    if skipped or len(set(keys)) < len(keys):
        kept = []
        for index, key in enumerate(keys):
            if key not in skipped:
                skipped.add(key)
                kept.append(index)
        columns = [[column[index] for index in kept] for column in columns]
    if columns[0]:
        transport.insert_columns(EVENTS_TABLE, EVENT_COLUMNS, columns)
    return len(columns[0])


def known_keys(transport: Transport, columns: Columns) -> set[Key]:
    """The keys of the rows (EVENT_COLUMNS, column-wise) that `events` already holds, with possibly a few others of
    the same subscriptions whose hash matches: callers look their own keys up in it."""
    if not columns[0]:
        return set()
    rows = transport.execute(
        KNOWN_TRANSACTIONS,
        {
            "organization_ids": StringTuple(set(columns[ORGANIZATION])),
            "codes": StringTuple(set(columns[CODE])),
            "subscriptions": ValuesTable(set(columns[SUBSCRIPTION])),
            "transaction_hashes": HashedValuesTable(set(columns[TRANSACTION])),
        },
    )
    return {tuple(row) for row in rows}
