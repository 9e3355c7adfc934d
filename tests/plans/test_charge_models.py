"""The charge models' validators: worked examples of valid and refused properties, and contiguity as a property."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.errors import ValidationFailed
from plans.charge_models import (
    CHARGE_MODELS,
    GraduatedProperties,
    PackageProperties,
    parse_charge_properties,
    validate_charge_properties,
)
from plans.charge_models.ranges import Bounds, bounds_are_contiguous
from plans.models import Charge


def tier(from_value, to_value, per_unit="1", flat="0"):
    return {"from_value": from_value, "to_value": to_value, "per_unit_amount": per_unit, "flat_amount": flat}


def rate_tier(from_value, to_value, rate="1", flat="0"):
    return {"from_value": from_value, "to_value": to_value, "rate": rate, "flat_amount": flat}


def refusal(charge_model, properties) -> dict:
    with pytest.raises(ValidationFailed) as error:
        validate_charge_properties(charge_model, properties)
    return error.value.details


def test_the_registry_covers_every_charge_model_of_the_database():
    assert set(CHARGE_MODELS) == set(Charge.ChargeModel.values)


@pytest.mark.parametrize(
    ("charge_model", "properties", "normalized"),
    [
        ("standard", {"amount": "0.22"}, {"amount": "0.22"}),
        ("standard", {"amount": "0.2200"}, {"amount": "0.22"}),
        ("standard", {"amount": "100"}, {"amount": "100"}),
        ("standard", {"amount": "0.000000000001"}, {"amount": "0.000000000001"}),
        ("standard", {"amount": "0", "pricing_group_keys": ["region"]}, {"amount": "0", "pricing_group_keys": ["region"]}),
        (
            "graduated",
            {"graduated_ranges": [tier(0, 10, "1", "2"), tier(11, None, "0.50")]},
            {"graduated_ranges": [tier(0, 10, "1", "2"), tier(11, None, "0.5")]},
        ),
        (
            "graduated",
            {"graduated_ranges": [tier(0, 0.1), tier(0.1, 1), tier(1, None)]},
            {"graduated_ranges": [tier(0, 0.1), tier(0.1, 1), tier(1, None)]},
        ),
        ("graduated", {"graduated_ranges": [tier(0.0, 10.0), tier(10, None)]}, {"graduated_ranges": [tier(0, 10), tier(10, None)]}),
        ("volume", {"volume_ranges": [tier(0, None, "3")]}, {"volume_ranges": [tier(0, None, "3")]}),
        ("volume", {"volume_ranges": [tier(0, 100), tier(101, 1000), tier(1001, None)]},
         {"volume_ranges": [tier(0, 100), tier(101, 1000), tier(1001, None)]}),
        ("package", {"amount": "5", "package_size": 100, "free_units": 10},
         {"amount": "5", "package_size": 100, "free_units": 10}),
        ("package", {"amount": "5", "package_size": 1}, {"amount": "5", "package_size": 1, "free_units": 0}),
        (
            "percentage",
            {"rate": "2.5"},
            {"rate": "2.5", "fixed_amount": None, "free_units_per_events": None, "free_units_per_total_aggregation": None,
             "per_transaction_min_amount": None, "per_transaction_max_amount": None},
        ),
        (
            "percentage",
            {"rate": "100", "fixed_amount": "0.30", "free_units_per_events": 3, "free_units_per_total_aggregation": "50",
             "per_transaction_min_amount": "1", "per_transaction_max_amount": "1.00"},
            {"rate": "100", "fixed_amount": "0.3", "free_units_per_events": 3, "free_units_per_total_aggregation": "50",
             "per_transaction_min_amount": "1", "per_transaction_max_amount": "1"},
        ),
        (
            "graduated_percentage",
            {"graduated_percentage_ranges": [rate_tier(0, 1000, "2"), rate_tier(1001, None, "1.5", "0.10")]},
            {"graduated_percentage_ranges": [rate_tier(0, 1000, "2"), rate_tier(1001, None, "1.5", "0.1")]},
        ),
    ],
)  # fmt: skip
def test_valid_properties_come_back_normalized(charge_model, properties, normalized):
    assert validate_charge_properties(charge_model, properties) == normalized


@pytest.mark.parametrize(
    ("charge_model", "properties", "errors"),
    [
        ("standard", {}, {"properties.amount": ["value_is_mandatory"]}),
        ("standard", {"amount": 0.22}, {"properties.amount": ["invalid_amount"]}),
        ("standard", {"amount": "-1"}, {"properties.amount": ["invalid_amount"]}),
        ("standard", {"amount": "abc"}, {"properties.amount": ["invalid_amount"]}),
        ("standard", {"amount": "NaN"}, {"properties.amount": ["invalid_amount"]}),
        ("standard", {"amount": "1e3"}, {"properties.amount": ["invalid_amount"]}),
        ("standard", {"amount": "1_000"}, {"properties.amount": ["invalid_amount"]}),
        ("standard", {"amount": "1", "rate": "2"}, {"properties.rate": ["unknown_property"]}),
        ("standard", {"amount": "1", "pricing_group_keys": ["a", ""]}, {"properties.pricing_group_keys": ["invalid_pricing_group_keys"]}),
        ("standard", {"amount": "1", "pricing_group_keys": "region"}, {"properties.pricing_group_keys": ["invalid_pricing_group_keys"]}),
        ("standard", {"amount": "1", "pricing_group_keys": ["a", "a"]}, {"properties.pricing_group_keys": ["invalid_pricing_group_keys"]}),
        ("standard", ["amount"], {"properties": ["invalid_type"]}),
        ("package", {"amount": "5", "package_size": 0}, {"properties.package_size": ["invalid_package_size"]}),
        ("package", {"amount": "5", "package_size": 1.5}, {"properties.package_size": ["invalid_package_size"]}),
        ("package", {"amount": "5", "package_size": "10"}, {"properties.package_size": ["invalid_package_size"]}),
        ("package", {"amount": "5", "package_size": True}, {"properties.package_size": ["invalid_package_size"]}),
        ("package", {"amount": "5", "package_size": 10, "free_units": -1}, {"properties.free_units": ["invalid_free_units"]}),
        ("package", {"package_size": 10}, {"properties.amount": ["value_is_mandatory"]}),
        ("percentage", {"rate": "100.01"}, {"properties.rate": ["invalid_rate"]}),
        ("percentage", {"rate": 5}, {"properties.rate": ["invalid_rate"]}),
        ("percentage", {"rate": "-1"}, {"properties.rate": ["invalid_rate"]}),
        ("percentage", {"rate": "1", "fixed_amount": "-0.1"}, {"properties.fixed_amount": ["invalid_fixed_amount"]}),
        ("percentage", {"rate": "1", "free_units_per_events": -2},
         {"properties.free_units_per_events": ["invalid_free_units_per_events"]}),
        ("percentage", {"rate": "1", "free_units_per_total_aggregation": 3},
         {"properties.free_units_per_total_aggregation": ["invalid_free_units_per_total_aggregation"]}),
        ("percentage", {"rate": "1", "per_transaction_min_amount": "5", "per_transaction_max_amount": "4"},
         {"properties.per_transaction_max_amount": ["invalid_per_transaction_max_amount"]}),
        ("graduated", {"graduated_ranges": []}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        ("graduated", {"graduated_ranges": "0-10"}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        ("graduated", {}, {"properties.graduated_ranges": ["value_is_mandatory"]}),
        # does not start at 0
        ("graduated", {"graduated_ranges": [tier(1, None)]}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        # last range closed
        ("graduated", {"graduated_ranges": [tier(0, 10)]}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        # gap
        ("graduated", {"graduated_ranges": [tier(0, 10), tier(12, None)]}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        # overlap
        ("graduated", {"graduated_ranges": [tier(0, 10), tier(5, None)]}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        # decimal tiers must meet exactly
        ("graduated", {"graduated_ranges": [tier(0, 0.5), tier(1.5, None)]}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        # an open range before the last
        ("graduated", {"graduated_ranges": [tier(0, None), tier(1, None)]}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        # empty range
        ("graduated", {"graduated_ranges": [tier(0, 0), tier(0, None)]}, {"properties.graduated_ranges": ["invalid_graduated_ranges"]}),
        ("graduated", {"graduated_ranges": [tier("0", None)]}, {"properties.graduated_ranges.0.from_value": ["invalid_value"]}),
        ("graduated", {"graduated_ranges": [tier(0, "10"), tier(11, None)]},
         {"properties.graduated_ranges.0.to_value": ["invalid_value"]}),
        ("graduated", {"graduated_ranges": [tier(0, None, per_unit=1)]},
         {"properties.graduated_ranges.0.per_unit_amount": ["invalid_amount"]}),
        ("graduated", {"graduated_ranges": [{**tier(0, None), "extra": 1}]},
         {"properties.graduated_ranges.0.extra": ["unknown_property"]}),
        ("volume", {"volume_ranges": [tier(0, 10), tier(10.5, None)]}, {"properties.volume_ranges": ["invalid_volume_ranges"]}),
        ("graduated_percentage", {"graduated_percentage_ranges": [rate_tier(0, None, "101")]},
         {"properties.graduated_percentage_ranges.0.rate": ["invalid_rate"]}),
        ("graduated_percentage", {"graduated_percentage_ranges": [rate_tier(0, 10), rate_tier(20, None)]},
         {"properties.graduated_percentage_ranges": ["invalid_graduated_percentage_ranges"]}),
        ("dynamic", {}, {"charge_model": ["value_is_invalid"]}),
    ],
)  # fmt: skip
def test_invalid_properties_are_refused_with_field_codes(charge_model, properties, errors):
    assert refusal(charge_model, properties) == errors


def test_every_faulty_property_is_reported_at_once():
    errors = refusal("package", {"amount": 5, "package_size": 0, "free_units": -1, "colour": "red"})
    assert errors == {
        "properties.amount": ["invalid_amount"],
        "properties.package_size": ["invalid_package_size"],
        "properties.free_units": ["invalid_free_units"],
        "properties.colour": ["unknown_property"],
    }


def test_the_error_prefix_places_codes_inside_a_request():
    with pytest.raises(ValidationFailed) as error:
        validate_charge_properties("standard", {}, prefix="charges.2.filters.0.properties")
    assert error.value.details == {"charges.2.filters.0.properties.amount": ["value_is_mandatory"]}


def test_parsing_gives_frozen_typed_properties_for_pricing():
    graduated = parse_charge_properties("graduated", {"graduated_ranges": [tier(0, 10, "0.5"), tier(11, None, "0.25")]})
    assert isinstance(graduated, GraduatedProperties)
    assert graduated.graduated_ranges[1].bounds == Bounds(Decimal(11), None)
    assert graduated.graduated_ranges[0].per_unit_amount == Decimal("0.5")
    package = parse_charge_properties("package", {"amount": "5", "package_size": 100})
    assert package == PackageProperties(amount=Decimal(5), package_size=100, free_units=0)
    with pytest.raises(AttributeError):
        package.amount = Decimal(6)


# Contiguity as a property: generated tier lists that follow on are accepted; breaking one boundary is refused.

widths = st.one_of(
    st.integers(min_value=1, max_value=10_000), st.decimals(min_value="0.01", max_value="1000", places=2)
)


@st.composite
def contiguous_bounds(draw) -> list[Bounds]:
    count = draw(st.integers(min_value=1, max_value=8))
    bounds, start = [], Decimal(0)
    for _ in range(count - 1):
        end = start + Decimal(draw(widths))
        bounds.append(Bounds(start, end))
        integer_step = start == start.to_integral_value() and end == end.to_integral_value()
        start = end + 1 if integer_step and draw(st.booleans()) else end
    bounds.append(Bounds(start, None))
    return bounds


def as_properties(bounds: list[Bounds]) -> dict:
    def number(value):
        return None if value is None else (int(value) if value == value.to_integral_value() else float(value))

    return {"graduated_ranges": [tier(number(b.from_value), number(b.to_value)) for b in bounds]}


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(contiguous_bounds())
def test_any_contiguous_generated_tiers_validate(bounds):
    assert bounds_are_contiguous(bounds)
    normalized = validate_charge_properties("graduated", as_properties(bounds))
    assert len(normalized["graduated_ranges"]) == len(bounds)


@settings(deadline=None)
@given(contiguous_bounds().filter(lambda bounds: len(bounds) > 1), st.data())
def test_a_gap_or_an_overlap_at_any_boundary_is_refused(bounds, data):
    index = data.draw(st.integers(min_value=1, max_value=len(bounds) - 1))
    previous_to = bounds[index - 1].to_value
    shift = data.draw(st.sampled_from([Decimal("-0.5"), Decimal("0.5"), Decimal(2)]))
    moved = Bounds(previous_to + shift, bounds[index].to_value)
    broken = [*bounds[:index], moved, *bounds[index + 1 :]]
    assert not bounds_are_contiguous(broken)
    with pytest.raises(ValidationFailed) as error:
        validate_charge_properties("graduated", as_properties(broken))
    assert set(error.value.details) == {"properties.graduated_ranges"}
