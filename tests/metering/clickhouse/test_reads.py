"""The ClickHouse store answers get and list from ClickHouse's `events` table exactly as the SQL store answers them
from the Event table: same order, pages, totals and filters, each transaction key once, only the organization's
events, and every acknowledged event at once (no flush needed).

The SQL store is given the same events in its table (ignoring those already there: the ClickHouse store of earlier
releases wrote them there too), and ClickHouse rows are built from records, whatever the ClickHouse store's inbox."""

import dataclasses
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from metering.models import Event
from metering.stores.base import EventListFilters, EventRecord
from metering.stores.clickhouse import reads
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.flusher import clickhouse_row
from metering.stores.clickhouse.rows import EVENT_COLUMNS
from metering.stores.sql import SqlEventStore
from metering.stores.sql.events import event_row
from tests.metering.clickhouse.builders import at, record

BILLABLE_METRIC_NOT_FOUND = "billable_metric_not_found"
SUBSCRIPTION_NOT_FOUND = "subscription_not_found"
EVERYTHING = EventListFilters()


def event(
    organization,
    transaction_id: str,
    hours: float,
    *,
    subscription: str = "sub_a",
    code: str = "calls",
    received_after: timedelta = timedelta(),
    properties: dict | None = None,
    diagnostics: tuple[str, ...] = (),
    amount: Decimal | None = None,
    lago_id: UUID | None = None,
) -> EventRecord:
    stored = dataclasses.replace(
        record(
            organization.id, transaction_id, at(hours=hours), properties or {}, subscription=subscription, code=code
        ),
        ingested_at=at(hours=hours) + received_after,
        diagnostics=diagnostics,
        precise_total_amount_cents=amount,
    )
    return dataclasses.replace(stored, lago_id=lago_id) if lago_id is not None else stored


@pytest.fixture
def events(store, organization, other_organization) -> list[EventRecord]:
    """Events of the organization with ties on timestamp (and on ingested_at, then ordered by id), diagnostics,
    amounts and awkward properties; and events of another organization under the same keys."""
    # Ids of one millisecond are in random order: the larger goes to g, so that g is listed before h.
    smaller_id, larger_id = sorted([uuid4(), uuid4()])
    mine = [
        event(organization, "a", 1, properties={"value": 10**30, "région": "été", "ratio": 0.1, "none": None}),
        event(organization, "b", 2, diagnostics=(SUBSCRIPTION_NOT_FOUND,), amount=Decimal("1234.5")),
        event(organization, "c", 3, code="bytes", properties={"value": "-2.50", "on": True}),
        event(
            organization,
            "d",
            4,
            subscription="sub_b",
            code="bytes",
            diagnostics=(BILLABLE_METRIC_NOT_FOUND, SUBSCRIPTION_NOT_FOUND),
        ),
        event(organization, "e", 5, subscription="sub_b"),
        event(organization, "f", 5, received_after=timedelta(seconds=1)),  # same timestamp, received later
        event(organization, "g", 6, lago_id=larger_id),  # same timestamp and ingested_at as h: ordered by id
        event(organization, "h", 6, lago_id=smaller_id, amount=Decimal("0.000000000000001")),
        event(organization, "a", 7, subscription="sub_b", diagnostics=("property_missing",)),  # a's id, sub_b
    ]
    theirs = [
        event(other_organization, "a", 1),
        event(other_organization, "theirs", 8, diagnostics=(SUBSCRIPTION_NOT_FOUND,)),
    ]
    stored(store, mine)
    stored(store, theirs)
    return mine


def stored(store, records: list[EventRecord]) -> None:
    """The records in the ClickHouse store, and in the Event table the SQL store reads."""
    assert store.insert(records).accepted
    Event.objects.bulk_create([event_row(record) for record in records], ignore_conflicts=True)


def rows_in_clickhouse(transport, organization, transaction_id: str) -> int:
    [(rows,)] = transport.execute(
        f"SELECT count() FROM {EVENTS_TABLE} WHERE organization_id = %(organization_id)s"
        " AND transaction_id = %(transaction_id)s",
        {"organization_id": str(organization.id), "transaction_id": transaction_id},
    )
    return int(rows)


def listed(store, organization, filters=EVERYTHING, offset=0, limit=100) -> tuple[list[str], int]:
    page, total = store.list(organization_id=organization.id, filters=filters, offset=offset, limit=limit)
    return [event.transaction_id for event in page], total


def assert_same_as_sql_store(store, organization, filters=EVERYTHING, offset=0, limit=100):
    arguments = {"organization_id": organization.id, "filters": filters, "offset": offset, "limit": limit}
    assert store.list(**arguments) == SqlEventStore().list(**arguments)


def test_lists_newest_first_exactly_as_the_sql_store(store, events, organization):
    assert listed(store, organization) == (["a", "g", "h", "f", "e", "d", "c", "b", "a"], 9)
    assert_same_as_sql_store(store, organization)


@pytest.mark.parametrize(("offset", "limit"), [(0, 4), (4, 4), (8, 4), (2, 3), (9, 4), (50, 10)])
def test_pages_and_totals_are_the_sql_stores(store, events, organization, offset, limit):
    assert_same_as_sql_store(store, organization, offset=offset, limit=limit)


def test_limit_zero_answers_only_the_total(store, events, organization):
    assert store.list(organization_id=organization.id, filters=EVERYTHING, offset=0, limit=0) == ([], 9)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (EventListFilters(external_subscription_id="sub_b"), ["a", "e", "d"]),
        (EventListFilters(transaction_id="a"), ["a", "a"]),
        (EventListFilters(transaction_id="a", external_subscription_id="sub_a"), ["a"]),
        (EventListFilters(code="bytes"), ["d", "c"]),
        (EventListFilters(timestamp_from=at(hours=5)), ["a", "g", "h", "f", "e"]),
        (EventListFilters(timestamp_to=at(hours=2)), ["b", "a"]),
        (EventListFilters(timestamp_from=at(hours=3), timestamp_to=at(hours=5)), ["f", "e", "d", "c"]),
        (EventListFilters(timestamp_from=at(hours=5, microseconds=1), timestamp_to=at(hours=6)), ["g", "h"]),
        (EventListFilters(diagnostic=SUBSCRIPTION_NOT_FOUND), ["d", "b"]),
        (EventListFilters(diagnostic=BILLABLE_METRIC_NOT_FOUND), ["d"]),
        (EventListFilters(diagnostic="property_missing"), ["a"]),
        (EventListFilters(diagnostic="subscription"), []),  # part of a code is not the code
        (EventListFilters(with_diagnostics=True), ["a", "d", "b"]),
        (EventListFilters(with_diagnostics=False), ["g", "h", "f", "e", "c", "a"]),
        (
            EventListFilters(code="calls", with_diagnostics=False, external_subscription_id="sub_a"),
            ["g", "h", "f", "a"],
        ),
        (EventListFilters(external_subscription_id="sub_c"), []),
    ],
)
def test_each_filter_as_the_sql_store(store, events, organization, filters, expected):
    assert listed(store, organization, filters) == (expected, len(expected))
    assert_same_as_sql_store(store, organization, filters)
    assert_same_as_sql_store(store, organization, filters, offset=1, limit=1)


def test_get_by_subscription_and_transaction(store, events, organization):
    found = store.get(organization_id=organization.id, transaction_id="a", external_subscription_id="sub_a")

    assert found == SqlEventStore().get(
        organization_id=organization.id, transaction_id="a", external_subscription_id="sub_a"
    )
    assert (found.external_subscription_id, found.properties["value"]) == ("sub_a", 10**30)
    assert found.lago_id == events[0].lago_id


def test_get_without_subscription_answers_the_last_received(store, organization):
    later = event(organization, "shared", 1, subscription="sub_a", received_after=timedelta(hours=5))
    stored(store, [later, event(organization, "shared", 2, subscription="sub_b")])

    found = store.get(organization_id=organization.id, transaction_id="shared")

    assert found.external_subscription_id == "sub_a"
    assert found == SqlEventStore().get(organization_id=organization.id, transaction_id="shared")


def test_get_of_an_unknown_event_is_none(store, events, organization):
    assert store.get(organization_id=organization.id, transaction_id="nope") is None
    assert store.get(organization_id=organization.id, transaction_id="e", external_subscription_id="sub_a") is None


def test_another_organizations_events_are_never_read(store, events, organization, other_organization):
    assert listed(store, organization, EventListFilters(transaction_id="theirs")) == ([], 0)
    assert store.get(organization_id=organization.id, transaction_id="theirs") is None
    assert listed(store, other_organization) == (["theirs", "a"], 2)
    assert store.get(organization_id=other_organization.id, transaction_id="a").timestamp == at(hours=1)


def test_acknowledged_events_are_read_without_a_flush(store, transport, organization):
    assert store.insert([event(organization, "fresh", 1)]).accepted
    assert rows_in_clickhouse(transport, organization, "fresh") == 0

    assert listed(store, organization) == (["fresh"], 1)
    assert store.get(organization_id=organization.id, transaction_id="fresh") is not None


def test_reads_come_from_clickhouse_not_the_event_table(store, events, organization):
    expected = store.list(organization_id=organization.id, filters=EVERYTHING, offset=0, limit=100)
    Event.objects.filter(organization_id=organization.id).delete()

    assert store.list(organization_id=organization.id, filters=EVERYTHING, offset=0, limit=100) == expected
    assert store.get(organization_id=organization.id, transaction_id="h") is not None


def test_a_key_inserted_twice_is_read_once(store, transport, events, organization):
    store.flush()
    [e] = [record for record in events if record.transaction_id == "e"]
    # As a flush that crashed after its insert, then retried, would have: merges remove the copy only eventually.
    transport.insert(EVENTS_TABLE, EVENT_COLUMNS, [clickhouse_row(event_row(e))])

    assert listed(store, organization) == (["a", "g", "h", "f", "e", "d", "c", "b", "a"], 9)
    assert listed(store, organization, EventListFilters(transaction_id="e")) == (["e"], 1)
    assert_same_as_sql_store(store, organization, offset=3, limit=3)
    assert store.get(organization_id=organization.id, transaction_id="e").external_subscription_id == "sub_b"


def test_of_two_copies_of_a_key_the_latest_received_is_read(store, transport, events, organization):
    store.flush()
    [c] = [record for record in events if record.transaction_id == "c"]
    row = dict(zip(EVENT_COLUMNS, clickhouse_row(event_row(c)), strict=True))
    # Another timestamp: the copies' sorting keys differ, so no merge can remove either during the test.
    copy = {**row, "timestamp_us": row["timestamp_us"] + 1, "ingested_at_us": row["ingested_at_us"] + 1}
    transport.insert(EVENTS_TABLE, EVENT_COLUMNS, [tuple(copy.values())])

    page, total = store.list(organization_id=organization.id, filters=EVERYTHING, offset=0, limit=100)
    [listed_c] = [stored for stored in page if stored.transaction_id == "c"]
    got = store.get(organization_id=organization.id, transaction_id="c")

    assert (rows_in_clickhouse(transport, organization, "c"), total, len(page)) == (2, 9, 9)
    assert listed_c == got
    assert got.timestamp == at(hours=3, microseconds=1)
    assert listed(store, organization, EventListFilters(code="bytes")) == (["d", "c"], 2)


class _QueryLog:
    """Records the statements a transport runs, and runs them."""

    def __init__(self, transport):
        self.transport, self.statements = transport, []

    def execute(self, query, params=None):
        self.statements.append(query)
        return self.transport.execute(query, params)


def test_a_newer_copy_received_earlier_gives_way_to_the_latest_received(store, transport, events, organization):
    store.flush()
    [c] = [record for record in events if record.transaction_id == "c"]
    row = dict(zip(EVENT_COLUMNS, clickhouse_row(event_row(c)), strict=True))
    # The newest row of all, but received before c itself and under another id: not the copy that is read.
    stale = {
        **row,
        "timestamp_us": row["timestamp_us"] + 10 * 3_600_000_000,
        "ingested_at_us": row["ingested_at_us"] - 1,
        "event_id": str(uuid4()),
    }
    transport.insert(EVENTS_TABLE, EVENT_COLUMNS, [tuple(stale.values())])

    assert listed(store, organization, limit=2) == (["a", "g"], 9)
    assert listed(store, organization) == (["a", "g", "h", "f", "e", "d", "c", "b", "a"], 9)
    assert store.get(organization_id=organization.id, transaction_id="c").timestamp == at(hours=3)


@pytest.mark.parametrize(("offset", "limit"), [(0, 3), (3, 3), (8, 5), (20, 5)])
def deduplicates_every_row(statements: list[str]) -> bool:
    return any(reads.LIST_EVENTS.format(conditions="") in sql for sql in statements)


@pytest.mark.parametrize(("offset", "limit"), [(0, 3), (3, 3), (8, 5), (20, 5)])
def test_first_pages_are_taken_from_the_newest_rows_without_deduplicating_every_row(
    store, events, organization, monkeypatch, offset, limit
):
    store.flush()
    log = _QueryLog(store.transport)
    monkeypatch.setattr(store, "transport", log)

    assert_same_as_sql_store(store, organization, offset=offset, limit=limit)
    assert log.statements and not deduplicates_every_row(log.statements)


@pytest.mark.parametrize(
    ("offset", "limit", "deduplicated"), [(3, 2, False), (3, 3, True), (0, 5, False), (0, 6, True)]
)
def test_pages_past_the_newest_rows_limit_deduplicate_every_row(
    store, events, organization, monkeypatch, offset, limit, deduplicated
):
    store.flush()
    log = _QueryLog(store.transport)
    monkeypatch.setattr(store, "transport", log)
    monkeypatch.setattr(reads, "FAST_PAGE_MAX_ROWS", 5)

    assert_same_as_sql_store(store, organization, offset=offset, limit=limit)
    assert deduplicates_every_row(log.statements) is deduplicated
