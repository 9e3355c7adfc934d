"""weighted_sum: values are deltas of a level, time-weighted over the window."""

from decimal import Decimal

import pytest

from metering.stores.base import Aggregation
from tests.metering.contract.builders import ev, window

WEIGHTED = Aggregation("weighted_sum_agg", "value")


@pytest.mark.parametrize(
    ("events", "window_end", "units", "events_count"),
    [
        # level 0 for 2 s, 5 for 3 s, 3 for 5 s: (0*2 + 5*3 + 3*5) / 10
        ([ev(2, {"value": 5}), ev(5, {"value": -2})], 10, "3", 2),
        ([ev(1, {"value": 1})], 3, "0.666666666667", 1),  # 2/3, 12 decimals half up
        ([ev(2, {"value": 1})], 3, "0.333333333333", 1),
        ([ev(0.5, {"value": 4})], 1, "2", 1),  # sub-second timestamps weigh their fraction
        ([ev(1, {"value": 5}), ev(1, {"value": -5})], 10, "0", 2),  # two deltas in the same second
        ([ev(4, {"value": -1})], 8, "-0.5", 1),  # negative levels stay negative
        ([ev(2, {"value": 5}), ev(3, {"value": "x"}), ev(4, {})], 10, "4", 1),  # non-numbers change nothing
    ],
)
def test_weighted_sum_worked_examples(metering, events, window_end, units, events_count):
    metering.add(*events)

    assert metering.units(WEIGHTED, windows=[window(end=window_end)]) == (Decimal(units), events_count)


def test_recurring_weighted_sum_starts_from_the_carried_level(metering):
    # Deltas +10 and -4 before the window: level 6 for the first 5 s, then +4: 10 for the last 5 s.
    metering.add(ev(-20, {"value": 10}), ev(-10, {"value": -4}), ev(5, {"value": 4}))

    aggregation = Aggregation("weighted_sum_agg", "value", recurring=True)
    assert metering.units(aggregation, windows=[window(end=10, recurring_from=-30)]) == (Decimal(8), 1)


def test_recurring_weighted_sum_without_events_in_the_window_keeps_its_level(metering):
    metering.add(ev(-20, {"value": 7}))

    aggregation = Aggregation("weighted_sum_agg", "value", recurring=True)
    assert metering.units(aggregation, windows=[window(end=10, recurring_from=-30)]) == (Decimal(7), 0)
