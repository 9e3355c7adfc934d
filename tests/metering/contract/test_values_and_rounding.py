"""What counts as a number (exact Decimal, 12 decimals, below 10^26) and how final units are rounded."""

from decimal import Decimal

import pytest

from metering.stores.base import Aggregation
from tests.metering.contract.builders import ev

SUM = Aggregation("sum_agg", "value")


@pytest.mark.parametrize(
    ("value", "units", "events_count"),
    [
        (7, "7", 1),
        ("1.5", "1.5", 1),
        ("+2", "2", 1),
        ("-.5", "-0.5", 1),
        ("5.", "5", 1),
        (0.1, "0.1", 1),  # a JSON float is the decimal it spells
        (12345678901234567890123, "12345678901234567890123", 1),
        ("1.0000000000005", "1.000000000001", 1),  # quantized to 12 decimals, half up
        ("-1.0000000000005", "-1.000000000001", 1),
        ("1.00000000000049", "1", 1),
        ("99999999999999999999999999", "99999999999999999999999999", 1),  # 26 integer digits: accepted
        ("-99999999999999999999999999.999999999999", "-99999999999999999999999999.999999999999", 1),  # 38 digits
        ("100000000000000000000000000", "0", 0),  # 10^26: out of range
        (10**26, "0", 0),
        ("-100000000000000000000000000", "0", 0),
        ("99999999999999999999999999.9999999999995", "0", 0),  # reaches 10^26 once quantized
        ("1e3", "0", 0),  # no exponent in strings
        (" 1", "0", 0),
        ("1 ", "0", 0),
        ("5\n", "0", 0),
        ("1,5", "0", 0),
        ("", "0", 0),
        ("٣", "0", 0),  # a non-ASCII digit
        (True, "0", 0),
        (None, "0", 0),
        ("NaN", "0", 0),
        ("Infinity", "0", 0),
    ],
)
def test_what_counts_as_a_number(metering, value, units, events_count):
    metering.add(ev(1, {"value": value}))

    assert metering.units(SUM) == (Decimal(units), events_count)


def test_sums_are_exact_decimals(metering):
    metering.add(*[ev(second, {"value": 0.1}) for second in range(3)], ev(5, {"value": "0.000000000001"}))

    assert metering.units(SUM) == (Decimal("0.300000000001"), 4)


def test_sums_keep_all_38_digits(metering):
    metering.add(*[ev(second, {"value": "33333333333333333333333333.333333333333"}) for second in range(2)])

    assert metering.units(SUM) == (Decimal("66666666666666666666666666.666666666666"), 2)


@pytest.mark.parametrize(
    ("rounding_function", "precision", "value", "units"),
    [
        ("round", None, "2.5", "3"),
        ("round", 0, "2.4", "2"),
        ("round", 0, "-2.5", "-3"),  # half up: away from zero
        ("round", 0, "-2.4", "-2"),
        ("round", 2, "1.235", "1.24"),
        ("round", 2, "1.2349", "1.23"),
        ("floor", 0, "2.7", "2"),
        ("floor", 0, "-2.1", "-3"),
        ("floor", 2, "1.239", "1.23"),
        ("ceil", 0, "2.1", "3"),
        ("ceil", 0, "-2.7", "-2"),
        ("ceil", 2, "1.231", "1.24"),
        ("ceil", 0, "5", "5"),
        ("", None, "1.2345", "1.2345"),  # no rounding function: units unchanged
        ("", 2, "1.2345", "1.2345"),
    ],
)
def test_rounding_applies_to_final_units(metering, rounding_function, precision, value, units):
    metering.add(ev(1, {"value": value}))

    aggregation = Aggregation("sum_agg", "value", rounding_function=rounding_function, rounding_precision=precision)
    assert metering.units(aggregation) == (Decimal(units), 1)


def test_rounding_applies_after_aggregating(metering):
    metering.add(ev(1, {"value": "0.4"}), ev(2, {"value": "0.4"}))  # 0.8, not 0 + 0

    assert metering.units(Aggregation("sum_agg", "value", rounding_function="round")) == (Decimal(1), 2)


def test_rounding_applies_to_weighted_averages(metering):
    metering.add(ev(1, {"value": 1}))  # level 1 for 99 of 100 s: 0.99

    aggregation = Aggregation("weighted_sum_agg", "value", rounding_function="floor", rounding_precision=1)
    assert metering.units(aggregation) == (Decimal("0.9"), 1)
