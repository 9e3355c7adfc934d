"""Each aggregation type on one small event set, window edges and recurring windows, worked out by hand."""

from decimal import Decimal

import pytest

from metering.stores.base import Aggregation
from tests.metering.contract.builders import ev, window

# Window [0, 100): value 3 at 10 s, 4.5 at 20 s, "abc" at 30 s, no value at 40 s, -2 at 50 s, true at 60 s.
MIXED = [
    ev(10, {"value": 3}),
    ev(20, {"value": "4.5"}),
    ev(30, {"value": "abc"}),
    ev(40, {}),
    ev(50, {"value": -2}),
    ev(60, {"value": True}),
]


@pytest.mark.parametrize(
    ("aggregation_type", "units", "events_count"),
    [
        ("count_agg", "6", 6),
        ("sum_agg", "5.5", 3),  # 3 + 4.5 - 2; "abc", missing and true are not numbers
        ("max_agg", "4.5", 3),
        ("latest_agg", "0", 3),  # the latest number is -2: a negative latest counts as 0
        ("unique_count_agg", "5", 6),  # "3", "4.5", "abc", "-2", "true"; the event without a value counts in events
        # level 0 for 10 s, 3 for 10 s, 7.5 for 30 s, 5.5 for 50 s: (0 + 30 + 225 + 275) / 100
        ("weighted_sum_agg", "5.3", 3),
    ],
)
def test_each_aggregation_on_mixed_values(metering, aggregation_type, units, events_count):
    metering.add(*MIXED)

    assert metering.units(Aggregation(aggregation_type, "value")) == (Decimal(units), events_count)


@pytest.mark.parametrize(
    ("aggregation_type", "units", "events_count"),
    [("count_agg", "0", 0), ("sum_agg", "0", 0), ("max_agg", "0", 0), ("latest_agg", "0", 0)]
    + [("unique_count_agg", "0", 0), ("weighted_sum_agg", "0", 0)],
)
def test_a_window_without_events_is_zero(metering, aggregation_type, units, events_count):
    assert metering.units(Aggregation(aggregation_type, "value")) == (Decimal(units), events_count)


def test_max_of_negative_values_stays_negative(metering):
    metering.add(ev(1, {"value": -7}), ev(2, {"value": "-3.25"}))

    assert metering.units(Aggregation("max_agg", "value")) == (Decimal("-3.25"), 2)


@pytest.mark.parametrize(
    ("events", "units"),
    [
        ([ev(1, {"value": 5}), ev(2, {"value": 8})], "8"),
        ([ev(2, {"value": 8}), ev(1, {"value": 5})], "8"),  # order of arrival does not matter, the timestamp does
        ([ev(1, {"value": 5}), ev(2, {"value": "n/a"})], "5"),  # a later non-number does not replace the latest
        ([ev(5, {"value": 1}, ingested=7), ev(5, {"value": 2}, ingested=6)], "1"),  # same second: later ingested
        ([ev(5, {"value": 1}, tx="b"), ev(5, {"value": 2}, tx="a")], "1"),  # same second and ingestion: tx order
        ([ev(1, {"value": 5}), ev(2, {"value": "-0.5"})], "0"),
    ],
)
def test_latest_is_the_last_number_by_timestamp_ingestion_and_transaction(metering, events, units):
    metering.add(*events)

    assert metering.units(Aggregation("latest_agg", "value"))[0] == Decimal(units)


@pytest.mark.parametrize("aggregation_type", ["count_agg", "sum_agg", "max_agg", "unique_count_agg", "latest_agg"])
def test_window_is_half_open(metering, aggregation_type):
    metering.add(
        ev(-0.000001, {"value": 1000}),  # just before `from`: out
        ev(0, {"value": 1}),  # exactly at `from`: in
        ev(99.999999, {"value": 2}),  # just before `to`: in
        ev(100, {"value": 1000}),  # exactly at `to`: out
    )

    expected = {"count_agg": "2", "sum_agg": "3", "max_agg": "2", "unique_count_agg": "2", "latest_agg": "2"}
    assert metering.units(Aggregation(aggregation_type, "value")) == (Decimal(expected[aggregation_type]), 2)


def test_weighted_sum_window_edges(metering):
    # +10 exactly at `from` holds for the whole window; +1000 exactly at `to` never holds.
    metering.add(ev(0, {"value": 10}), ev(100, {"value": 1000}))

    assert metering.units(Aggregation("weighted_sum_agg", "value")) == (Decimal(10), 1)


# Window [100, 200) of a subscription started at 0: events at -5 (before the start), 10, 50, 150 and 250 (after).
RECURRING_WINDOW = window(start=100, end=200, recurring_from=0)


@pytest.mark.parametrize(
    ("aggregation", "units", "events_count"),
    [
        (Aggregation("sum_agg", "value", recurring=True), "5", 3),  # 1 + 2 + 2 from the start
        (Aggregation("sum_agg", "value"), "2", 1),  # 2 in the window only
        # level 3 carried in for 50 s, then 5 for 50 s; only the window's event is counted
        (Aggregation("weighted_sum_agg", "value", recurring=True), "4", 1),
        (Aggregation("weighted_sum_agg", "value"), "1", 1),  # level 0 for 50 s, then 2 for 50 s
    ],
)
def test_recurring_metrics_count_from_the_subscription_start(metering, aggregation, units, events_count):
    metering.add(
        ev(-5, {"value": 100}),
        ev(10, {"value": 1}),
        ev(50, {"value": 2}),
        ev(150, {"value": 2}),
        ev(250, {"value": 100}),
    )

    assert metering.units(aggregation, windows=[RECURRING_WINDOW]) == (Decimal(units), events_count)


@pytest.mark.parametrize(
    ("recurring", "units", "events_count"),
    [
        (True, "2", 4),  # added: b and c (a was removed in the window)
        (False, "1", 2),  # in the window: the remove of a (never added there) and the add of c
    ],
)
def test_recurring_unique_count_keeps_values_added_before_the_window(metering, recurring, units, events_count):
    metering.add(
        ev(10, {"user": "a"}),
        ev(50, {"user": "b"}),
        ev(120, {"user": "a", "operation_type": "remove"}),
        ev(150, {"user": "c"}),
    )

    aggregation = Aggregation("unique_count_agg", "user", recurring=recurring)
    assert metering.units(aggregation, windows=[RECURRING_WINDOW]) == (Decimal(units), events_count)


def test_recurring_without_a_start_counts_from_the_window(metering):
    metering.add(ev(-10, {"value": 5}), ev(10, {"value": 1}))

    assert metering.units(Aggregation("sum_agg", "value", recurring=True), windows=[window()]) == (Decimal(1), 1)
