"""Pricing of the tiered models (graduated, volume, graduated_percentage): worked examples, arithmetic in each id.

Integer-style ranges (0-10, 11-20) and decimal-style ranges (0-0.1, 0.1-1) are both continuous: a tier holds the
units above the previous tier's to_value, so 10.5 units are 10 in the first tier and 0.5 in the second.
"""

from decimal import Decimal

import pytest

from plans.charge_models import ChargeUsage, charge_amount, parse_charge_properties


def tier(from_value, to_value, per_unit, flat="0"):
    return {"from_value": from_value, "to_value": to_value, "per_unit_amount": per_unit, "flat_amount": flat}


def rate_tier(from_value, to_value, rate, flat="0"):
    return {"from_value": from_value, "to_value": to_value, "rate": rate, "flat_amount": flat}


def price(charge_model: str, properties: dict, units: str) -> Decimal:
    return charge_amount(parse_charge_properties(charge_model, properties), ChargeUsage(units=Decimal(units)))


INTEGER_GRADUATED = {"graduated_ranges": [tier(0, 10, "1", "2"), tier(11, 20, "0.5", "3"), tier(21, None, "0.1")]}
DECIMAL_GRADUATED = {"graduated_ranges": [tier(0, 0.1, "10"), tier(0.1, 1, "5", "1"), tier(1, None, "1")]}


@pytest.mark.parametrize(
    ("properties", "units", "expected"),
    [
        pytest.param(INTEGER_GRADUATED, "0", "2", id="0 units enter tier 1: 0x1+2 = 2"),
        pytest.param(INTEGER_GRADUATED, "-3", "2", id="negative units bill as 0: 2"),
        pytest.param(INTEGER_GRADUATED, "1", "3", id="1x1+2 = 3"),
        pytest.param(INTEGER_GRADUATED, "10", "12", id="on the bound, tier 2 not entered: 10x1+2 = 12"),
        pytest.param(INTEGER_GRADUATED, "10.5", "15.25", id="between 10 and 11: 12 + 0.5x0.5+3 = 15.25"),
        pytest.param(INTEGER_GRADUATED, "11", "15.5", id="12 + 1x0.5+3 = 15.5"),
        pytest.param(INTEGER_GRADUATED, "20", "20", id="12 + 10x0.5+3 = 20"),
        pytest.param(INTEGER_GRADUATED, "20.01", "20.001", id="open tier, no flat: 20 + 0.01x0.1 = 20.001"),
        pytest.param(INTEGER_GRADUATED, "1000", "118", id="20 + 980x0.1 = 118"),
        pytest.param(DECIMAL_GRADUATED, "0", "0", id="decimal: 0 units, flat 0: 0"),
        pytest.param(DECIMAL_GRADUATED, "0.05", "0.5", id="decimal: 0.05x10 = 0.5"),
        pytest.param(DECIMAL_GRADUATED, "0.1", "1", id="decimal on the bound: 0.1x10 = 1"),
        pytest.param(DECIMAL_GRADUATED, "0.5", "4", id="decimal: 1 + 0.4x5+1 = 4"),
        pytest.param(DECIMAL_GRADUATED, "1", "6.5", id="decimal: 1 + 0.9x5+1 = 6.5"),
        pytest.param(DECIMAL_GRADUATED, "3", "8.5", id="decimal: 6.5 + 2x1 = 8.5"),
        pytest.param(
            {"graduated_ranges": [tier(0, 100, "1"), tier(101, 200, "0.5"), tier(201, None, "0.1")]},
            "250",
            "155",
            id="Lago docs tiers, 250 units: 100x1 + 100x0.5 + 50x0.1 = 155",
        ),
    ],
)
def test_graduated_prices_each_tier_reached(properties, units, expected):
    assert price("graduated", properties, units) == Decimal(expected)


INTEGER_VOLUME = {"volume_ranges": [tier(0, 100, "1", "10"), tier(101, 1000, "0.5", "20"), tier(1001, None, "0.1")]}
DECIMAL_VOLUME = {"volume_ranges": [tier(0, 0.1, "10"), tier(0.1, 1, "5", "1"), tier(1, None, "2")]}


@pytest.mark.parametrize(
    ("properties", "units", "expected"),
    [
        pytest.param(INTEGER_VOLUME, "0", "10", id="0 units are in tier 1: 0x1+10 = 10"),
        pytest.param(INTEGER_VOLUME, "-1", "10", id="negative units bill as 0: 10"),
        pytest.param(INTEGER_VOLUME, "1", "11", id="1x1+10 = 11"),
        pytest.param(INTEGER_VOLUME, "100", "110", id="on the bound: 100x1+10 = 110"),
        pytest.param(INTEGER_VOLUME, "100.5", "70.25", id="rounded up to 101, tier 2: 100.5x0.5+20 = 70.25"),
        pytest.param(INTEGER_VOLUME, "101", "70.5", id="101x0.5+20 = 70.5"),
        pytest.param(INTEGER_VOLUME, "1000", "520", id="1000x0.5+20 = 520"),
        pytest.param(INTEGER_VOLUME, "1000.2", "100.02", id="open tier: 1000.2x0.1 = 100.02"),
        pytest.param(INTEGER_VOLUME, "5000", "500", id="5000x0.1 = 500"),
        pytest.param(DECIMAL_VOLUME, "0.05", "0.5", id="decimal bounds compare unrounded: 0.05x10 = 0.5"),
        pytest.param(DECIMAL_VOLUME, "0.1", "1", id="decimal on the bound: 0.1x10 = 1"),
        pytest.param(DECIMAL_VOLUME, "0.5", "3.5", id="decimal: 0.5x5+1 = 3.5"),
        pytest.param(DECIMAL_VOLUME, "1", "6", id="decimal: 1x5+1 = 6"),
        pytest.param(DECIMAL_VOLUME, "1.5", "3", id="decimal, open tier: 1.5x2 = 3 (cheaper than 1 unit)"),
        pytest.param(
            {
                "volume_ranges": [
                    tier(0, 10000, "0.001", "10"),
                    tier(10001, 50000, "0.0008", "10"),
                    tier(50001, 100000, "0.0006", "10"),
                    tier(100001, None, "0.0004", "10"),
                ]
            },
            "65000",
            "49",
            id="Lago docs example: 65000x0.0006+10 = 49",
        ),
    ],
)
def test_volume_prices_all_units_in_the_tier_that_holds_them(properties, units, expected):
    assert price("volume", properties, units) == Decimal(expected)


LAGO_DOCS_GRADUATED_PERCENTAGE = {
    "graduated_percentage_ranges": [
        rate_tier(0, 1000, "1", "200"),
        rate_tier(1001, 10000, "2", "300"),
        rate_tier(10001, None, "3", "400"),
    ]
}
DECIMAL_GRADUATED_PERCENTAGE = {
    "graduated_percentage_ranges": [rate_tier(0, 0.5, "10"), rate_tier(0.5, None, "50", "0.01")]
}


@pytest.mark.parametrize(
    ("properties", "units", "expected"),
    [
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "0", "200", id="0 units enter tier 1: 0x1%+200 = 200"),
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "-10", "200", id="negative units bill as 0: 200"),
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "500", "205", id="Lago docs 1st: 500x1%+200 = 205"),
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "1000", "210", id="on the bound: 1000x1%+200 = 210"),
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "1050", "511", id="Lago docs 2nd (+306): 210 + 50x2%+300 = 511"),
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "5050", "591", id="Lago docs 3rd (+80): 210 + 4050x2%+300 = 591"),
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "10000", "690", id="210 + 9000x2%+300 = 690"),
        pytest.param(
            LAGO_DOCS_GRADUATED_PERCENTAGE, "10000.5", "1090.015", id="between tiers: 690 + 0.5x3%+400 = 1090.015"
        ),
        pytest.param(LAGO_DOCS_GRADUATED_PERCENTAGE, "20000", "1390", id="690 + 10000x3%+400 = 1390"),
        pytest.param(DECIMAL_GRADUATED_PERCENTAGE, "0.5", "0.05", id="decimal on the bound: 0.5x10% = 0.05"),
        pytest.param(DECIMAL_GRADUATED_PERCENTAGE, "1", "0.31", id="decimal: 0.05 + 0.5x50%+0.01 = 0.31"),
    ],
)
def test_graduated_percentage_takes_each_tier_rate_of_its_units(properties, units, expected):
    assert price("graduated_percentage", properties, units) == Decimal(expected)
