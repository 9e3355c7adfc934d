"""The flusher forwards each inbox event exactly once: a crash between the ClickHouse insert and settling the
entries, or ClickHouse being unreachable, never loses or doubles an event, in `events` or in the rollups."""

import time
from unittest import mock

import pytest

from metering import tasks
from metering.stores.base import Aggregation, UsageQuery, UsageStoreUnavailable
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.ddl import EVENTS_TABLE, HOURLY_EVENTS_TABLE, HOURLY_NUMBERS_TABLE
from metering.stores.clickhouse.flusher import events_flush
from metering.stores.clickhouse.transport import DriverTransport
from tests.metering.clickhouse.builders import CODE, at, record, window
from tests.metering.clickhouse.conftest import CountingTransport

EVENTS = 30


def stored_counts(transport, organization) -> tuple[int, int, int]:
    """(rows in events, events in the hourly rollup, numeric values in the numbers rollup) of the organization."""
    parameters = {"organization_id": str(organization.id)}
    of_organization = "WHERE organization_id = %(organization_id)s"
    [(rows,)] = transport.execute(f"SELECT count() FROM {EVENTS_TABLE} {of_organization}", parameters)
    [(rolled,)] = transport.execute(
        f"SELECT countMerge(events) FROM {HOURLY_EVENTS_TABLE} {of_organization}", parameters
    )
    [(numbers,)] = transport.execute(
        f"SELECT countMerge(numeric_events) FROM {HOURLY_NUMBERS_TABLE} {of_organization}", parameters
    )
    return rows, rolled, numbers


def store_events(store, organization, count=EVENTS, prefix="tx"):
    records = [
        record(organization.id, f"{prefix}-{index}", at(hours=index / 10), {"value": index}) for index in range(count)
    ]
    assert store.insert(records).accepted


def count_query(organization) -> UsageQuery:
    return UsageQuery(
        organization_id=organization.id,
        code=CODE,
        aggregation=Aggregation("count_agg"),
        windows=[window(at(hours=-1), at(hours=10))],
    )


def test_inbox_events_wait_unflushed_until_the_flusher_forwards_them(store, transport, organization):
    store_events(store, organization)

    assert store.inbox.backlog(organization.id) == EVENTS
    assert stored_counts(transport, organization) == (0, 0, 0)
    assert store.flush() == EVENTS
    assert store.inbox.backlog(organization.id) == 0
    assert stored_counts(transport, organization) == (EVENTS, EVENTS, EVENTS)
    assert store.flush() == 0


def test_a_crash_after_the_insert_never_duplicates_events_or_rollups(store, transport, organization):
    store_events(store, organization)
    crashing = ClickHouseEventStore(CountingTransport(transport, crash_after_insert=True))

    with pytest.raises(RuntimeError, match="died"):
        crashing.flush()

    assert store.inbox.backlog(organization.id) == EVENTS
    assert stored_counts(transport, organization) == (EVENTS, EVENTS, EVENTS)
    store_events(store, organization, count=5, prefix="later")
    assert store.flush() == EVENTS + 5
    assert stored_counts(transport, organization) == (EVENTS + 5, EVENTS + 5, EVENTS + 5)
    [result] = store.aggregate(count_query(organization))
    assert result.units == EVENTS + 5


def test_small_batches_forward_everything(store, transport, organization):
    store_events(store, organization)

    assert events_flush(transport=transport, inbox=store.inbox, batch_size=7) == EVENTS
    assert store.flush() == 0
    assert stored_counts(transport, organization) == (EVENTS, EVENTS, EVENTS)


def test_flushing_one_organization_leaves_the_others_pending(store, transport, organization, other_organization):
    store_events(store, organization)
    store_events(store, other_organization)

    assert store.flush(organization_id=organization.id) == EVENTS
    assert store.inbox.backlog(other_organization.id) == EVENTS


def unreachable_store() -> ClickHouseEventStore:
    # Nothing listens on port 1 of the loopback: the connection is refused at once.
    return ClickHouseEventStore(DriverTransport(host="127.0.0.1", port=1, user="default", password="", database="x"))


def test_an_unreachable_clickhouse_leaves_events_waiting_and_usage_unavailable(organization):
    store = unreachable_store()
    store_events(store, organization)  # ingestion only writes the inbox

    with pytest.raises(UsageStoreUnavailable, match="unreachable"):
        store.flush()
    with pytest.raises(UsageStoreUnavailable):
        store.aggregate(count_query(organization))
    assert store.inbox.backlog(organization.id) == EVENTS


def test_the_flush_task_forwards_pending_events(store, transport, organization):
    store_events(store, organization)

    with mock.patch.object(tasks, "get_event_store", return_value=store):
        assert tasks.flush_events() == EVENTS
    assert stored_counts(transport, organization)[0] == EVENTS


def test_the_flush_task_postpones_while_clickhouse_is_down(organization):
    store = unreachable_store()
    store_events(store, organization)

    with mock.patch.object(tasks, "get_event_store", return_value=store):
        assert tasks.flush_events() == 0
    assert store.inbox.backlog(organization.id) == EVENTS


def test_the_flush_task_has_nothing_to_do_with_the_sql_store(settings):
    settings.CLICKHOUSE_URL = ""
    tasks.get_event_store.cache_clear()
    try:
        assert tasks.flush_events() == 0
    finally:
        tasks.get_event_store.cache_clear()


class IngestingDuringInserts(CountingTransport):
    """Each of the first `rounds` inserts is followed by `per_round` events acknowledged meanwhile (ingestion goes on
    while a flush runs)."""

    def __init__(self, transport, store, organization, *, rounds: int, per_round: int, insert_seconds: float = 0):
        super().__init__(transport)
        self.store, self.organization = store, organization
        self.rounds, self.per_round, self.inserts = rounds, per_round, 0
        self.insert_seconds = insert_seconds

    def insert_columns(self, table, columns, values):
        super().insert_columns(table, columns, values)
        time.sleep(self.insert_seconds)
        self.inserts += 1
        if self.inserts <= self.rounds:
            store_events(self.store, self.organization, count=self.per_round, prefix=f"during-{self.inserts}")


@pytest.mark.parametrize(
    ("follow_seconds", "per_round", "settled", "left"),
    [
        (0, 10, 10, 10),  # one pass: what arrived during it waits for the next tick
        (30, 10, 40, 0),  # enough arrived during each pass: followed until ingestion stopped
        (30, 4, 14, 4),  # a trickle: what came during the wait is forwarded, the rest left for the next tick
    ],
)
def test_the_periodic_flush_follows_sustained_ingestion(
    store, transport, organization, follow_seconds, per_round, settled, left
):
    store_events(store, organization, count=10)
    ingesting = IngestingDuringInserts(transport, store, organization, rounds=3, per_round=per_round)

    flushed = events_flush(
        transport=ingesting, inbox=store.inbox, batch_size=10, follow_seconds=follow_seconds, follow_minimum=5
    )

    assert (flushed, store.inbox.backlog(organization.id)) == (settled, left)
    assert stored_counts(transport, organization)[0] == settled


def test_following_stops_when_its_time_is_up(store, transport, organization):
    store_events(store, organization, count=10)
    ingesting = IngestingDuringInserts(transport, store, organization, rounds=100, per_round=10, insert_seconds=0.3)

    flushed = events_flush(transport=ingesting, inbox=store.inbox, batch_size=10, follow_seconds=0.5, follow_minimum=5)

    assert flushed == 20  # the first pass (0.3 s), one followed pass (0.6 s), past the time: stop
    assert store.inbox.backlog(organization.id) == 10


def test_the_flush_task_follows_for_its_time(store, transport, organization):
    store_events(store, organization)

    with (
        mock.patch.object(tasks, "get_event_store", return_value=store),
        mock.patch.object(store, "flush", return_value=EVENTS) as flush,
    ):
        assert tasks.flush_events() == EVENTS

    flush.assert_called_once_with(follow_seconds=tasks.FLUSH_FOLLOW_SECONDS)
