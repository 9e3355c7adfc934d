"""Properties of the pricing functions over generated valid properties (parsed from JSON) and units."""

from decimal import Decimal, localcontext
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from plans.charge_models import ChargeUsage, charge_amount, parse_charge_properties

PRICES = st.decimals(min_value=0, max_value=10**6, places=4).map(lambda value: format(value, "f"))
RATES = st.decimals(min_value=0, max_value=100, places=4).map(lambda value: format(value, "f"))
UNITS = st.decimals(min_value=-(10**4), max_value=10**9, places=6)
UNIT_PAIRS = st.tuples(UNITS, UNITS).map(sorted)
EVENT_VALUES = st.lists(st.decimals(min_value=0, max_value=10**6, places=4), max_size=8)


@st.composite
def bounds(draw) -> list[tuple[int | float, int | float | None]]:
    """Contiguous (from_value, to_value) pairs, integer style (0-10, 11-20) or decimal style (0-0.5, 0.5-2)."""
    steps = draw(st.lists(st.integers(min_value=2, max_value=500), max_size=4))
    if draw(st.booleans()):
        ends, start, pairs = [], 0, []
        for step in steps:
            ends.append((start, start + step))
            start += step + 1
        pairs = ends + [(start, None)]
        return pairs
    tenths = [sum(steps[: index + 1]) for index in range(len(steps))]
    edges = [0, *(value / 10 for value in tenths)]
    return [*zip(edges, edges[1:], strict=False), (edges[-1], None)]


@st.composite
def amount_tiers(draw, *, per_units=PRICES, flats=PRICES) -> list[dict]:
    return [
        {"from_value": low, "to_value": high, "per_unit_amount": draw(per_units), "flat_amount": draw(flats)}
        for low, high in draw(bounds())
    ]


@st.composite
def rate_tiers(draw) -> list[dict]:
    return [
        {"from_value": low, "to_value": high, "rate": draw(RATES), "flat_amount": draw(PRICES)}
        for low, high in draw(bounds())
    ]


@st.composite
def any_charge(draw) -> tuple[str, dict]:
    return draw(
        st.one_of(
            st.builds(lambda amount: ("standard", {"amount": amount}), PRICES),
            st.builds(lambda ranges: ("graduated", {"graduated_ranges": ranges}), amount_tiers()),
            st.builds(lambda ranges: ("volume", {"volume_ranges": ranges}), amount_tiers()),
            st.builds(lambda ranges: ("graduated_percentage", {"graduated_percentage_ranges": ranges}), rate_tiers()),
            st.builds(
                lambda amount, size, free: ("package", {"amount": amount, "package_size": size, "free_units": free}),
                PRICES,
                st.integers(min_value=1, max_value=1000),
                st.integers(min_value=0, max_value=1000),
            ),
            st.builds(
                lambda rate, free: ("percentage", {"rate": rate, "free_units_per_total_aggregation": free}),
                RATES,
                st.none() | PRICES,
            ),
        )
    )


def price(charge_model: str, properties: dict, units: Decimal) -> Decimal:
    return charge_amount(parse_charge_properties(charge_model, properties), ChargeUsage(units=units))


@given(any_charge(), UNITS)
def test_every_amount_is_a_non_negative_decimal(charge, units):
    amount = price(*charge, units)
    assert isinstance(amount, Decimal)
    assert amount >= 0


@given(
    st.one_of(
        any_charge().filter(lambda charge: charge[0] != "volume"),
        st.builds(
            lambda ranges: ("volume", {"volume_ranges": ranges}),
            amount_tiers(per_units=st.just("0.5"), flats=st.just("1")),
        ),
    ),
    UNIT_PAIRS,
)
def test_more_units_never_cost_less(charge, unit_pair):
    """Volume is monotone only while tiers do not get cheaper; here every tier has the same prices."""
    fewer, more = unit_pair
    assert price(*charge, fewer) <= price(*charge, more)


@given(amount_tiers(), UNIT_PAIRS)
def test_volume_is_monotone_within_one_tier(tiers, unit_pair):
    fewer, more = unit_pair
    properties = {"volume_ranges": tiers}
    reach = [Decimal(str(tier["to_value"])) for tier in tiers if tier["to_value"] is not None]
    tier_of = [sum(units > edge for edge in reach) for units in (max(fewer, 0), max(more, 0))]
    assume(tier_of[0] == tier_of[1])
    assert price("volume", properties, fewer) <= price("volume", properties, more)


@given(PRICES, PRICES, UNITS)
def test_graduated_with_one_tier_is_standard_plus_its_flat_amount(per_unit, flat, units):
    graduated = {
        "graduated_ranges": [{"from_value": 0, "to_value": None, "per_unit_amount": per_unit, "flat_amount": flat}]
    }
    standard = price("standard", {"amount": per_unit}, units)
    assert price("graduated", graduated, units) == standard + Decimal(flat)


@given(bounds(), PRICES, UNITS)
def test_graduated_tiers_share_out_every_unit_once(tier_bounds, per_unit, units):
    """Equal per-unit prices and no flat amounts: any tiering costs what standard does (no unit lost or doubled)."""
    ranges = [
        {"from_value": low, "to_value": high, "per_unit_amount": per_unit, "flat_amount": "0"}
        for low, high in tier_bounds
    ]
    assert price("graduated", {"graduated_ranges": ranges}, units) == price("standard", {"amount": per_unit}, units)


@given(bounds(), RATES, UNITS)
def test_graduated_percentage_with_one_rate_is_percentage(tier_bounds, rate, units):
    ranges = [{"from_value": low, "to_value": high, "rate": rate, "flat_amount": "0"} for low, high in tier_bounds]
    graduated = price("graduated_percentage", {"graduated_percentage_ranges": ranges}, units)
    assert graduated == price("percentage", {"rate": rate}, units)


@given(RATES, st.none() | PRICES, EVENT_VALUES)
def test_percentage_priced_per_event_agrees_with_the_units_when_no_rule_bites(rate, free_total, values):
    """A per-transaction minimum of 0 switches to per-event pricing without changing non-negative events' amounts."""
    per_units = {"rate": rate, "free_units_per_total_aggregation": free_total}
    per_event = {**per_units, "per_transaction_min_amount": "0"}
    charge_usage = ChargeUsage(units=sum(values, Decimal(0)), events_count=len(values), event_values=tuple(values))
    by_units = charge_amount(parse_charge_properties("percentage", per_units), charge_usage)
    assert charge_amount(parse_charge_properties("percentage", per_event), charge_usage) == by_units


@st.composite
def per_event_percentages(draw) -> dict:
    """Percentage properties with every option drawn (absent or set); bounds drawn in order."""
    low, high = sorted(draw(st.lists(PRICES, min_size=2, max_size=2)), key=Decimal)
    return {
        "rate": draw(RATES),
        "fixed_amount": draw(st.none() | PRICES),
        "free_units_per_events": draw(st.none() | st.integers(min_value=0, max_value=5)),
        "free_units_per_total_aggregation": draw(st.none() | PRICES),
        "per_transaction_min_amount": draw(st.none() | st.just(low)),
        "per_transaction_max_amount": draw(st.none() | st.just(high)),
    }


SIGNED_EVENT_VALUES = st.lists(st.decimals(min_value=-(10**4), max_value=10**6, places=4), max_size=8)
FREE_OPTIONS = ("free_units_per_events", "free_units_per_total_aggregation")


@given(per_event_percentages(), SIGNED_EVENT_VALUES)
def test_free_allowances_never_raise_a_percentage_amount(properties, values):
    charge_usage = ChargeUsage(units=sum(values, Decimal(0)), events_count=len(values), event_values=tuple(values))
    with_free = charge_amount(parse_charge_properties("percentage", properties), charge_usage)
    without_free = {key: value for key, value in properties.items() if key not in FREE_OPTIONS}
    assert isinstance(with_free, Decimal)
    assert 0 <= with_free <= charge_amount(parse_charge_properties("percentage", without_free), charge_usage)


@given(
    st.decimals(min_value=0, max_value=10**14, places=12).map(lambda value: format(value, "f")),
    st.decimals(min_value=0, max_value=10**14, places=12),
)
def test_amounts_are_exact_whatever_the_callers_decimal_context(amount, units):
    """28 significant digits (the default context) cannot hold these products; pricing must not round them."""
    properties = parse_charge_properties("standard", {"amount": amount})
    with localcontext() as context:
        context.prec = 6
        priced = charge_amount(properties, ChargeUsage(units=units))
    assert Fraction(priced) == Fraction(Decimal(amount)) * Fraction(units)


@given(any_charge(), UNITS)
def test_the_callers_decimal_context_changes_no_amount(charge, units):
    properties = parse_charge_properties(*charge)
    expected = charge_amount(properties, ChargeUsage(units=units))
    with localcontext() as context:
        context.prec = 3
        assert charge_amount(properties, ChargeUsage(units=units)) == expected
