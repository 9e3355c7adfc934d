"""Pricing of the per-unit models (standard, package): worked examples, the arithmetic in each id."""

from decimal import Decimal

import pytest

from plans.charge_models import ChargeUsage, charge_amount, parse_charge_properties


def price(charge_model: str, properties: dict, units: str) -> Decimal:
    return charge_amount(parse_charge_properties(charge_model, properties), ChargeUsage(units=Decimal(units)))


@pytest.mark.parametrize(
    ("amount", "units", "expected"),
    [
        pytest.param("0.22", "0", "0", id="0 units: 0x0.22 = 0"),
        pytest.param("0.22", "1", "0.22", id="1x0.22 = 0.22"),
        pytest.param("0.22", "100", "22", id="100x0.22 = 22"),
        pytest.param("0.22", "10.5", "2.31", id="fractional: 10.5x0.22 = 2.31"),
        pytest.param("0.22", "0.000001", "0.00000022", id="not rounded: 0.000001x0.22 = 0.00000022"),
        pytest.param("0.000000000001", "1000000", "0.000001", id="tiny price: 1e6x1e-12 = 1e-6"),
        pytest.param("999999999999999.999999999999", "3", "2999999999999999.999999999997", id="28 digits, exact"),
        pytest.param("0", "500", "0", id="free: 500x0 = 0"),
        pytest.param("0.22", "-5", "0", id="negative units bill as 0"),
    ],
)
def test_standard_prices_every_unit_at_the_amount(amount, units, expected):
    assert price("standard", {"amount": amount}, units) == Decimal(expected)


@pytest.mark.parametrize(
    ("free_units", "units", "expected"),
    [
        pytest.param(0, "0", "0", id="0 units: 0 packages = 0"),
        pytest.param(0, "1", "5", id="1 unit starts a package: 1x5 = 5"),
        pytest.param(0, "100", "5", id="exactly one package: 1x5 = 5"),
        pytest.param(0, "100.5", "10", id="just above: ceil(100.5/100)=2, 2x5 = 10"),
        pytest.param(0, "101", "10", id="ceil(101/100)=2, 2x5 = 10"),
        pytest.param(0, "250", "15", id="ceil(250/100)=3, 3x5 = 15"),
        pytest.param(0, "-5", "0", id="negative units bill as 0"),
        pytest.param(150, "100", "0", id="free units leave nothing: 100-150 < 0 -> 0"),
        pytest.param(150, "150", "0", id="free units leave exactly nothing: 150-150 = 0 -> 0"),
        pytest.param(150, "150.5", "5", id="0.5 left: ceil(0.5/100)=1, 1x5 = 5"),
        pytest.param(150, "250", "5", id="100 left: 1 package = 5"),
        pytest.param(150, "351", "15", id="201 left: ceil(2.01)=3, 3x5 = 15"),
    ],
)
def test_package_prices_started_packages_after_the_free_units(free_units, units, expected):
    properties = {"amount": "5", "package_size": 100, "free_units": free_units}
    assert price("package", properties, units) == Decimal(expected)


def test_package_of_one_unit_rounds_fractional_units_up():
    # package_size 1: 2.1 units are 3 started packages, 3x0.25 = 0.75
    assert price("package", {"amount": "0.25", "package_size": 1}, "2.1") == Decimal("0.75")


def test_usage_refuses_floats_and_keeps_event_values_as_a_tuple():
    with pytest.raises(TypeError):
        ChargeUsage(units=1.5)
    with pytest.raises(TypeError):
        ChargeUsage(units=Decimal(1), event_values=(Decimal(1), 0.5))
    usage = ChargeUsage(units=Decimal(3), events_count=2, event_values=[Decimal(1), Decimal(2)])
    assert usage.event_values == (Decimal(1), Decimal(2))
