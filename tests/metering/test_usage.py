"""Pure usage arithmetic of metering.usage, shared by every store."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metering.stores.base import Aggregation, SubscriptionWindow, UsageQuery, UsageResult
from metering.usage import (
    UsageEvent,
    aggregate_events,
    assemble_results,
    counting_start,
    event_values_from,
    exact_number,
    in_event_order,
    matching_filter,
    parse_number,
    plain_decimal,
    property_string,
    round_units,
    scan_start,
    time_weighted_average,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = SubscriptionWindow("sub_a", T0, T0 + timedelta(seconds=10), recurring_from=T0 - timedelta(days=1))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def usage_event(seconds: float, properties: dict, *, sub: str = "sub_a", tx: str = "t", ingested: float = 0):
    return UsageEvent(sub, at(seconds), at(ingested), tx, properties)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, "3"),
        (-3, "-3"),
        ("0012.50", "12.5"),
        ("+.5", "0.5"),
        ("-7.", "-7"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (5e-13, "0.000000000001"),  # half up at the 12th decimal
        (-5e-13, "-0.000000000001"),  # half away from zero
        (4.9e-13, "0"),
        (1e25, "10000000000000000000000000"),
        ("99999999999999999999999999.999999999999", "99999999999999999999999999.999999999999"),
        ("99999999999999999999999999.9999999999995", None),  # 10^26 once quantized
        (10**26, None),
        (-(10**26), None),
        (1e308, None),
        (10**400, None),
        (float("inf"), None),
        (float("nan"), None),
        (True, None),
        (False, None),
        (None, None),
        ("", None),
        (".", None),
        ("+", None),
        ("1e5", None),
        ("1E5", None),
        ("0x10", None),
        ("1_000", None),
        (" 1", None),
        ("1\n", None),
        ("١", None),  # Arabic-Indic digit one
        ({"nested": 1}, None),
        ([1], None),
    ],
)
def test_parse_number(value, expected):
    assert parse_number(value) == (Decimal(expected) if expected is not None else None)


def test_parsed_numbers_have_twelve_decimals():
    assert parse_number("1.5").as_tuple().exponent == -12


@given(st.decimals(min_value=-(10**25), max_value=10**25, places=12))
def test_plain_decimal_strings_parse_to_themselves(number):
    assert parse_number(f"{number:f}") == number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Gold", "Gold"),
        (" 1.0 ", " 1.0 "),
        ("1.0", "1.0"),  # strings are compared as sent
        (1, "1"),
        (1.0, "1"),
        (2.50, "2.5"),
        (-0.0, "0"),
        (1e-7, "0.0000001"),
        (1e22, "10000000000000000000000"),
        (True, "true"),
        (False, "false"),
        (None, None),
        ({"a": 1}, None),
    ],
)
def test_property_string(value, expected):
    assert property_string(value) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [("2.50", "2.5"), ("1E+2", "100"), ("-0.000", "0"), ("0.000000000001", "0.000000000001"), ("7", "7")],
)
def test_plain_decimal(number, expected):
    assert plain_decimal(Decimal(number)) == expected


FILTERS = [{"region": ["eu"]}, {"region": ["eu"], "tier": ["gold"]}, {"tier": ["gold"]}, {"region": ["us"]}]


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"region": "eu", "tier": "gold"}, 1),
        ({"region": "eu"}, 0),
        ({"region": "us", "tier": "gold"}, 2),  # a tie between 2 and 3 goes to the lowest index
        ({"tier": "gold"}, 2),
        ({"region": "fr"}, None),
        ({}, None),
        ({"region": ["eu"]}, None),  # nested values never match
    ],
)
def test_matching_filter_prefers_the_most_specific(properties, expected):
    assert matching_filter(properties, FILTERS) == expected


def test_matching_filter_without_filters():
    assert matching_filter({"region": "eu"}, []) is None


@pytest.mark.parametrize(
    ("function", "precision", "units", "expected"),
    [
        ("round", None, "2.5", "3"),
        ("round", 0, "-2.5", "-3"),
        ("round", 1, "0.25", "0.3"),
        ("round", 3, "1.0005", "1.001"),
        ("round", -1, "25", "3E+1"),
        ("floor", 0, "-0.5", "-1"),
        ("floor", 2, "9.999", "9.99"),
        ("ceil", 0, "0.000000000001", "1"),
        ("ceil", 1, "-0.19", "-0.1"),
        ("", None, "1.23456", "1.23456"),
    ],
)
def test_round_units(function, precision, units, expected):
    aggregation = Aggregation("sum_agg", "value", rounding_function=function, rounding_precision=precision)

    assert round_units(Decimal(units), aggregation) == Decimal(expected)


@pytest.mark.parametrize(
    ("aggregation", "counting", "scanning"),
    [
        (Aggregation("sum_agg", "v"), T0, T0),
        (Aggregation("sum_agg", "v", recurring=True), WINDOW.recurring_from, WINDOW.recurring_from),
        (Aggregation("unique_count_agg", "v", recurring=True), WINDOW.recurring_from, WINDOW.recurring_from),
        (Aggregation("weighted_sum_agg", "v"), T0, T0),
        (Aggregation("weighted_sum_agg", "v", recurring=True), T0, WINDOW.recurring_from),
    ],
)
def test_counting_and_scan_starts(aggregation, counting, scanning):
    assert (counting_start(WINDOW, aggregation), scan_start(WINDOW, aggregation)) == (counting, scanning)


def test_a_subscription_starting_inside_the_window_scans_from_the_window():
    late_start = SubscriptionWindow("sub_a", T0, at(10), recurring_from=at(5))

    assert scan_start(late_start, Aggregation("weighted_sum_agg", "v", recurring=True)) == T0


@pytest.mark.parametrize(
    ("weighted", "seconds", "expected"),
    [("30", 10, "3"), ("2", 3, "0.666666666667"), ("-1", 3, "-0.333333333333"), ("5", 0, "0")],
)
def test_time_weighted_average(weighted, seconds, expected):
    window = SubscriptionWindow("sub_a", T0, at(seconds))

    assert time_weighted_average(Decimal(weighted), window) == Decimal(expected)


def test_in_event_order_breaks_ties_by_transaction_id_code_point():
    stream = [usage_event(1, {}, tx="b"), usage_event(1, {}, tx="B"), usage_event(1, {}, tx="a", ingested=1)]

    assert [event.transaction_id for event in in_event_order(stream)] == ["B", "b", "a"]


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.sampled_from("aBcD")), max_size=20))
def test_in_event_order_sorts_any_stream_ordered_by_timestamp_and_ingestion(keys):
    stream = [usage_event(t, {}, tx=tx, ingested=ingested) for t, ingested, tx in sorted(keys, key=lambda k: k[:2])]

    assert list(in_event_order(stream)) == sorted(stream, key=lambda event: event[1:4])


def query(aggregation: Aggregation, *, windows=(WINDOW,), filters=(), group_by=()) -> UsageQuery:
    return UsageQuery(
        organization_id=None, code="c", aggregation=aggregation, windows=windows, filters=filters, group_by=group_by
    )


def test_assemble_results_zero_fills_and_sorts():
    windows = (SubscriptionWindow("sub_b", T0, at(1)), SubscriptionWindow("sub_a", T0, at(1)))
    measured = {
        (0, 1, (("k", "x"),)): (Decimal("1.4"), 2),
        (0, 1, (("k", None),)): (Decimal("2.6"), 1),
        (1, None, ()): (Decimal(5), 5),
    }
    aggregation = Aggregation("sum_agg", "v", rounding_function="round")

    results = assemble_results(query(aggregation, windows=windows, filters=({"a": ["1"]}, {"b": ["2"]})), measured)

    assert results == [
        UsageResult("sub_a", Decimal(5), 5, None, ()),
        UsageResult("sub_a", Decimal(0), 0, 0, ()),
        UsageResult("sub_a", Decimal(0), 0, 1, ()),
        UsageResult("sub_b", Decimal(0), 0, None, ()),
        UsageResult("sub_b", Decimal(0), 0, 0, ()),
        UsageResult("sub_b", Decimal(0), 0, 1, ()),
        UsageResult("sub_b", Decimal(3), 1, 1, (("k", None),)),
        UsageResult("sub_b", Decimal(1), 2, 1, (("k", "x"),)),
    ]


def test_aggregate_events_skips_other_subscriptions_and_routes_overlapping_windows():
    windows = (SubscriptionWindow("sub_a", T0, at(10)), SubscriptionWindow("sub_a", at(5), at(20)))
    events = [usage_event(1, {"v": 1}), usage_event(6, {"v": 2}), usage_event(7, {"v": 4}, sub="sub_x")]

    results = aggregate_events(query(Aggregation("sum_agg", "v"), windows=windows), events)

    assert [(result.units, result.events_count) for result in results] == [(Decimal(3), 2), (Decimal(2), 1)]


def test_weighted_sum_of_a_level_carried_into_the_window():
    aggregation = Aggregation("weighted_sum_agg", "v", recurring=True)
    events = [usage_event(-100, {"v": 4}), usage_event(-50, {"v": "x"}), usage_event(5, {"v": -2})]

    [result] = aggregate_events(query(aggregation), events)

    assert (result.units, result.events_count) == (Decimal(3), 1)  # (4 * 5 + 2 * 5) / 10


def test_event_values_count_what_the_results_count():
    aggregation = Aggregation("sum_agg", "v", recurring=True)
    events = [
        usage_event(-5, {"v": 1}),
        usage_event(1, {"v": "x"}),
        usage_event(2, {"v": "2.5", "r": "eu"}),
        usage_event(20, {"v": 9}),
    ]

    values = event_values_from(query(aggregation, filters=({"r": ["eu"]},)), events)

    assert values == [("sub_a", None, Decimal(1)), ("sub_a", 0, Decimal("2.5"))]


@pytest.mark.parametrize(
    ("value", "exact", "counted"),
    [
        ("1.0000000000001", "1.0000000000001", "1"),
        (10**26, "100000000000000000000000000", None),  # a number, out of range
        ("99999999999999999999999999.9999999999995", "99999999999999999999999999.9999999999995", None),
        ("abc", None, None),
        (float("inf"), None, None),
    ],
)
def test_exact_number_tells_non_numbers_from_numbers_out_of_range(value, exact, counted):
    assert exact_number(value) == (Decimal(exact) if exact else None)
    assert parse_number(value) == (Decimal(counted) if counted else None)
