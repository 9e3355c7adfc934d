"""Pricing of the percentage model: worked examples of each option alone and combined, arithmetic in each id.

Rate alone or with a free amount: priced from the units. Any per-event rule (free events, fixed fee, per-transaction
bounds): priced event by event from the event values, in time order.
"""

from decimal import Decimal

import pytest

from billing.errors import ValidationFailed
from plans.charge_models import ChargeUsage, charge_amount, parse_charge_properties


def usage(*values: str, units: str | None = None) -> ChargeUsage:
    event_values = tuple(Decimal(value) for value in values)
    total = Decimal(units) if units is not None else sum(event_values, Decimal(0))
    return ChargeUsage(units=total, events_count=len(event_values), event_values=event_values)


def price(properties: dict, charge_usage: ChargeUsage) -> Decimal:
    return charge_amount(parse_charge_properties("percentage", properties), charge_usage)


@pytest.mark.parametrize(
    ("properties", "charge_usage", "expected"),
    [
        pytest.param({"rate": "1.5"}, usage(units="0"), "0", id="rate: 0 units = 0"),
        pytest.param({"rate": "1.5"}, usage(units="200"), "3", id="rate: 200x1.5% = 3"),
        pytest.param({"rate": "1.5"}, usage(units="0.01"), "0.00015", id="rate, not rounded: 0.01x1.5% = 0.00015"),
        pytest.param({"rate": "100"}, usage(units="7"), "7", id="rate 100%: 7"),
        pytest.param({"rate": "0"}, usage(units="7"), "0", id="rate 0%: 0"),
        pytest.param({"rate": "1.5"}, usage(units="-100"), "0", id="rate, negative units: 0"),
        pytest.param(
            {"rate": "1.5"}, usage("100", "100", units="200"), "3", id="rate ignores event values: 200x1.5% = 3"
        ),
        pytest.param(
            {"rate": "2", "free_units_per_total_aggregation": "100"},
            usage(units="50"),
            "0",
            id="free total: 50-100 -> 0",
        ),
        pytest.param(
            {"rate": "2", "free_units_per_total_aggregation": "100"},
            usage(units="100"),
            "0",
            id="free total, exactly used: 100-100 -> 0",
        ),
        pytest.param(
            {"rate": "2", "free_units_per_total_aggregation": "100"},
            usage(units="150"),
            "1",
            id="free total: (150-100)x2% = 1",
        ),
        pytest.param(
            {"rate": "10", "free_units_per_events": 0, "free_units_per_total_aggregation": "0", "fixed_amount": "0"},
            usage(units="100"),
            "10",
            id="zero free units and fixed fee mean none: 100x10% = 10",
        ),
    ],
)
def test_rate_and_free_total_price_the_units(properties, charge_usage, expected):
    assert price(properties, charge_usage) == Decimal(expected)


@pytest.mark.parametrize(
    ("properties", "charge_usage", "expected"),
    [
        pytest.param(
            {"rate": "2", "free_units_per_events": 2},
            usage("100", "50", "30", "20"),
            "1",
            id="free events: 100, 50 free; (30+20)x2% = 1",
        ),
        pytest.param({"rate": "2", "free_units_per_events": 2}, usage("100"), "0", id="free events cover all: 0"),
        pytest.param({"rate": "2", "free_units_per_events": 2}, usage(), "0", id="free events, no events: 0"),
        pytest.param(
            {"rate": "1", "fixed_amount": "0.5"},
            usage("100", "200"),
            "4",
            id="fixed fee: (100x1%+0.5) + (200x1%+0.5) = 4",
        ),
        pytest.param(
            {"rate": "1", "fixed_amount": "0.5"}, usage("0"), "0.5", id="fixed fee on a zero-value event: 0.5"
        ),
        pytest.param(
            {"rate": "1", "per_transaction_min_amount": "1", "per_transaction_max_amount": "5"},
            usage("50", "300", "1000"),
            "9",
            id="bounds: 0.5->min 1 + 3 + 10->max 5 = 9",
        ),
        pytest.param(
            {"rate": "1", "fixed_amount": "2", "per_transaction_max_amount": "2.5"},
            usage("100", "10"),
            "4.6",
            id="fixed fee inside the clamp: (1+2)->2.5 + (0.1+2) = 4.6",
        ),
        pytest.param(
            {"rate": "10", "free_units_per_events": 3, "free_units_per_total_aggregation": "100"},
            usage("40", "30", "20", "50"),
            "5",
            id="both, 3 events reached first (90 of 100 freed): 50x10% = 5",
        ),
        pytest.param(
            {"rate": "10", "free_units_per_events": 3, "free_units_per_total_aggregation": "100"},
            usage("60", "50", "10"),
            "2",
            id="both, 100 units reached first in event 2: (10+10)x10% = 2",
        ),
        pytest.param(
            {"rate": "10", "free_units_per_events": 3, "free_units_per_total_aggregation": "100"},
            usage("60", "40", "10", "10"),
            "2",
            id="both, 100 units used up exactly by event 2: (10+10)x10% = 2",
        ),
        pytest.param(
            {"rate": "10", "fixed_amount": "1", "free_units_per_total_aggregation": "100"},
            usage("60", "50", "10"),
            "4",
            id="free total + fixed: 60 free; (10x10%+1) + (10x10%+1) = 4",
        ),
        pytest.param(
            {"rate": "10", "fixed_amount": "1", "free_units_per_total_aggregation": "100"},
            usage("60", "40", "10"),
            "2",
            id="free total + fixed, event covered exactly is free: 10x10%+1 = 2",
        ),
        pytest.param(
            {
                "rate": "10",
                "fixed_amount": "1",
                "free_units_per_events": 1,
                "free_units_per_total_aggregation": "50",
                "per_transaction_min_amount": "1.5",
                "per_transaction_max_amount": "3",
            },
            usage("20", "100", "5", "40"),
            "7.5",
            id="all options: 20 free; (10+1)->3 + (0.5+1)=1.5 + (4+1)->3 = 7.5",
        ),
    ],
)
def test_per_event_rules_price_event_by_event(properties, charge_usage, expected):
    assert price(properties, charge_usage) == Decimal(expected)


@pytest.mark.parametrize(
    ("properties", "charge_usage", "expected"),
    [
        pytest.param({"rate": "10"}, usage("100", "-50"), "5", id="rate: refunds net out: (100-50)x10% = 5"),
        pytest.param(
            {"rate": "10", "fixed_amount": "1"},
            usage("100", "-50"),
            "7",
            id="fixed: a refund is a transaction: (10+1) + (-5+1) = 7",
        ),
        pytest.param(
            {"rate": "10", "fixed_amount": "1", "per_transaction_min_amount": "0"},
            usage("10", "-50"),
            "2",
            id="min 0 stops a refund below 0: (1+1) + (-5+1)->0 = 2",
        ),
        pytest.param({"rate": "10", "fixed_amount": "1"}, usage("-100"), "0", id="negative total: -10+1 -> 0"),
        pytest.param(
            {"rate": "10", "free_units_per_events": 1},
            usage("-20", "30"),
            "0",
            id="a refund is not freed: -20x10% = -2, 30 free -> 0",
        ),
        pytest.param(
            {"rate": "10", "free_units_per_events": 5, "free_units_per_total_aggregation": "20"},
            usage("-10", "30", "5"),
            "0.5",
            id="a refund uses no free amount: -1 + (30-20)x10% + 0.5 = 0.5",
        ),
    ],
)
def test_negative_values_never_give_a_negative_amount(properties, charge_usage, expected):
    assert price(properties, charge_usage) == Decimal(expected)


def test_per_event_rules_without_event_values_are_refused_rather_than_mispriced():
    properties = {"rate": "1", "fixed_amount": "0.5"}
    with pytest.raises(ValueError, match="event_values"):
        price(properties, ChargeUsage(units=Decimal(100), events_count=2))
    assert price(properties, ChargeUsage(units=Decimal(0))) == Decimal(0)


@pytest.mark.parametrize(
    "per_event_rule",
    [{"fixed_amount": "1"}, {"free_units_per_events": 2}, {"per_transaction_min_amount": "0"}],
)
def test_per_event_rules_cannot_be_priced_per_group(per_event_rule):
    with pytest.raises(ValidationFailed) as refused:
        parse_charge_properties("percentage", {"rate": "1", "pricing_group_keys": ["region"], **per_event_rule})
    assert refused.value.details == {"properties.pricing_group_keys": ["not_allowed_with_per_event_rules"]}
