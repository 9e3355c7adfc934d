"""The rollups give exactly what raw events give: full hours from the rollups, partial hours at the window
edges from raw events, compared with the SQL store over the same inbox rows."""

import itertools
from decimal import Decimal

import pytest

from metering.stores.base import Aggregation, UsageQuery
from metering.stores.clickhouse.ddl import HOURLY_EVENTS_TABLE
from metering.stores.clickhouse.queries import (
    RAW_EVENTS,
    ROLLUP_EVENTS,
    ROLLUP_NUMBERS,
    ROLLUP_UNIQUE_EVENTS,
    ROLLUP_UNIQUE_HEAD,
    ROLLUP_UNIQUE_VALUES,
    UNIQUE_WITH_REMOVES,
    rollup_query,
)
from metering.stores.sql import SqlEventStore
from tests.metering.clickhouse.builders import CODE, at, record, store_in_both, window
from tests.metering.clickhouse.conftest import CountingTransport

VALUES = ["3", 7, "-2.5", 0.1, "x", 12, "4.000000000001", None]

ROLLED_UP = [
    Aggregation("count_agg"),
    Aggregation("sum_agg", "value"),
    Aggregation("max_agg", "value"),
    Aggregation("unique_count_agg", "value"),
    Aggregation("sum_agg", "value", recurring=True, rounding_function="round", rounding_precision=1),
    Aggregation("sum_agg", "other"),  # another field of the same events: the rollups keep every numeric property
]

WINDOWS = {
    "hour aligned": (at(hours=1), at(hours=5)),
    "ragged edges": (at(hours=0.5, microseconds=1), at(hours=4.25)),
    "edges to the microsecond": (at(hours=1, microseconds=-1), at(hours=3, microseconds=1)),
    "inside one hour": (at(hours=2.1), at(hours=2.9)),
    "whole days": (at(hours=0), at(hours=48)),
    "days with ragged edges": (at(hours=5.5), at(hours=50, microseconds=7)),
    "everything": (at(hours=-1), at(hours=80)),
    "empty": (at(hours=3), at(hours=3)),
}


@pytest.fixture
def stored(store, organization):
    """Events every 20 minutes over six hours then every 5 hours over three days, on and around hour and day
    boundaries, for two subscriptions."""
    moments = [at(hours=hour / 3) for hour in range(18)] + [at(hours=hour) for hour in range(7, 72, 5)]
    moments += [at(hours=1, microseconds=-1), at(hours=3), at(hours=3, microseconds=1)]
    moments += [at(hours=24, microseconds=-1), at(hours=48), at(hours=48, microseconds=1)]
    records = [
        record(
            organization.id,
            f"tx-{index}",
            moment,
            {"value": value, "other": index} if value is not None else {"other": index},
            subscription=subscription,
        )
        for index, (moment, value, subscription) in enumerate(
            zip(moments, itertools.cycle(VALUES), itertools.cycle(["sub_a", "sub_a", "sub_b"]), strict=False)
        )
    ]
    store_in_both(store, records)
    return records


@pytest.mark.parametrize("aggregation", ROLLED_UP, ids=lambda aggregation: aggregation.aggregation_type)
@pytest.mark.parametrize("bounds", WINDOWS.values(), ids=WINDOWS.keys())
def test_rollups_give_what_raw_events_give(store, transport, organization, stored, aggregation, bounds):
    windows = [window(*bounds, subscription=sub, recurring_from=at(hours=-2)) for sub in ("sub_a", "sub_b", "sub_c")]
    query = UsageQuery(organization_id=organization.id, code=CODE, aggregation=aggregation, windows=windows)
    counting = CountingTransport(transport)
    store.transport = counting

    results = store.aggregate(query)

    assert results == SqlEventStore().aggregate(query)
    assert RAW_EVENTS not in counting.queries


def test_full_hours_are_read_from_the_rollups(store, transport, organization, stored):
    assert store.flush() == len(stored)
    rolled_up = transport.execute(
        f"SELECT countMerge(events) FROM {HOURLY_EVENTS_TABLE} WHERE organization_id = %(organization_id)s",
        {"organization_id": str(organization.id)},
    )
    assert rolled_up == [(len(stored),)]
    counting = CountingTransport(transport)
    store.transport = counting
    query = UsageQuery(
        organization_id=organization.id,
        code=CODE,
        aggregation=Aggregation("sum_agg", "value"),
        windows=[window(at(hours=1), at(hours=5))],
    )

    [result] = store.aggregate(query)

    # Hour-aligned: the rollup alone, no scan of raw events for edges it does not have.
    assert counting.queries[-1:] == [rollup_query(ROLLUP_NUMBERS.head, [ROLLUP_NUMBERS.full_buckets], one_window=True)]
    assert result == SqlEventStore().aggregate(query)[0]
    assert result.events_count > 0


@pytest.mark.parametrize(
    ("bounds", "parts"),
    [
        (WINDOWS["hour aligned"], [ROLLUP_EVENTS.full_buckets]),
        (WINDOWS["ragged edges"], [ROLLUP_EVENTS.full_buckets, ROLLUP_EVENTS.edges]),
        (WINDOWS["inside one hour"], [ROLLUP_EVENTS.edges]),
    ],
    ids=["aligned", "ragged", "inside one hour"],
)
def test_a_count_reads_only_the_parts_its_windows_have(store, transport, organization, stored, bounds, parts):
    store.flush()
    counting = CountingTransport(transport)
    store.transport = counting
    query = UsageQuery(
        organization_id=organization.id, code=CODE, aggregation=Aggregation("count_agg"), windows=[window(*bounds)]
    )

    results = store.aggregate(query)

    assert counting.queries[-1:] == [rollup_query(ROLLUP_EVENTS.head, parts, one_window=True)]
    assert results == SqlEventStore().aggregate(query)


def test_an_empty_window_costs_no_usage_query(store, transport, organization, stored):
    store.flush()
    counting = CountingTransport(transport)
    store.transport = counting
    query = UsageQuery(
        organization_id=organization.id,
        code=CODE,
        aggregation=Aggregation("count_agg"),
        windows=[window(*WINDOWS["empty"])],
    )

    [result] = store.aggregate(query)

    assert counting.queries == []
    assert (result.units, result.events_count) == (Decimal(0), 0)


def test_unique_count_with_removes_reads_each_values_last_operation_from_raw_events(store, transport, organization):
    events = [
        record(organization.id, "add-a", at(hours=1), {"user": "a"}),
        record(organization.id, "add-b", at(hours=1.5), {"user": "b"}),
        record(organization.id, "remove-a", at(hours=2.5), {"user": "a", "operation_type": "remove"}),
        record(organization.id, "add-c", at(hours=3), {"user": "c"}, subscription="sub_b"),
    ]
    store_in_both(store, events)
    store.flush()
    counting = CountingTransport(transport)
    store.transport = counting
    windows = [window(at(hours=0), at(hours=4), subscription=sub) for sub in ("sub_a", "sub_b")]
    query = UsageQuery(
        organization_id=organization.id, code=CODE, aggregation=Aggregation("unique_count_agg", "user"), windows=windows
    )

    results = store.aggregate(query)

    assert [(result.external_subscription_id, result.units, result.events_count) for result in results] == [
        ("sub_a", Decimal(1), 3),
        ("sub_b", Decimal(1), 1),
    ]
    # Four hours: full hours from the hourly rollup, no full day, so distinct values from that day's raw events.
    parts = [ROLLUP_UNIQUE_EVENTS.full_buckets, ROLLUP_UNIQUE_VALUES.edges]
    unique = rollup_query(ROLLUP_UNIQUE_HEAD, parts, one_window=False)  # two subscriptions
    assert counting.queries == [unique, UNIQUE_WITH_REMOVES]


@pytest.mark.parametrize("bounds", [WINDOWS["hour aligned"], WINDOWS["ragged edges"]], ids=["rollups", "edges"])
def test_a_sum_past_decimal_38_12_is_recomputed_exactly(store, transport, organization, bounds):
    big = "90000000000000000000000000"  # 9 x 10^25: two of them overflow Decimal(38, 12)
    events = [record(organization.id, f"tx-{index}", at(hours=1 + index), {"value": big}) for index in range(2)]
    events.append(record(organization.id, "tx-small", at(hours=1.5), {"value": "0.000000000001"}))
    store_in_both(store, events)
    query = UsageQuery(
        organization_id=organization.id,
        code=CODE,
        aggregation=Aggregation("sum_agg", "value"),
        windows=[window(*bounds)],
    )

    [result] = store.aggregate(query)

    assert result.units == Decimal("180000000000000000000000000.000000000001")
    assert result == SqlEventStore().aggregate(query)[0]


LONG_WINDOWS = {
    "across a 64-day block boundary": (at(hours=24 * 10), at(hours=24 * 100)),
    "exactly one block": (at(hours=24 * 31), at(hours=24 * 95)),  # 2026-04-01 starts a block (epoch day 20544)
    "one day": (at(hours=24 * 42), at(hours=24 * 43)),
    "ragged over three blocks": (at(hours=24 * 5.5), at(hours=24 * 140.25)),
}


@pytest.mark.parametrize("bounds", LONG_WINDOWS.values(), ids=LONG_WINDOWS.keys())
def test_unique_counts_over_months_read_the_day_bitmasks_exactly(store, organization, bounds):
    """Values seen on chosen days over five months: a value counts only if one of its days is in the window."""
    records = [
        record(organization.id, f"tx-{day}-{hour}", at(hours=24 * day + hour), {"user": f"u{(day * 7 + hour) % 23}"})
        for day in range(0, 150, 3)
        for hour in (0, 13)
    ]
    store_in_both(store, records)
    windows = [window(*bounds), window(*bounds, subscription="sub_b")]
    query = UsageQuery(
        organization_id=organization.id, code=CODE, aggregation=Aggregation("unique_count_agg", "user"), windows=windows
    )

    results = store.aggregate(query)

    assert results == SqlEventStore().aggregate(query)
    assert results[0].units > 0
