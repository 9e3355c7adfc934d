"""For random event sets, every store agrees with a plain-Python reference built from metering.usage's parsing."""

from decimal import Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metering.stores.base import Aggregation
from metering.usage import ARITHMETIC, parse_number, property_string
from tests.factories.billing import OrganizationFactory
from tests.metering.contract.builders import Ev, Metering, window

WINDOWS = {"sub_a": (0, 100), "sub_b": (50, 120)}

property_values = st.one_of(
    st.integers(min_value=-(10**27), max_value=10**27),
    st.decimals(min_value=-(10**27), max_value=10**27, places=14).map(lambda number: f"{number:f}"),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["abc", "", "1e3", "+.5", "7.", True, False, None]),
)
events = st.builds(
    lambda sub, t, value: Ev(t, {} if value is None else {"value": value}, sub=sub),
    st.sampled_from(sorted(WINDOWS)),
    st.integers(min_value=-20, max_value=140),
    property_values,
)


def reference(specs: list[Ev], aggregation_type: str) -> dict[str, tuple[Decimal, int]]:
    expected = {}
    for sub, (start, end) in WINDOWS.items():
        inside = [spec for spec in specs if spec.sub == sub and start <= spec.t < end]
        numbers = [number for spec in inside if (number := parse_number(spec.properties.get("value"))) is not None]
        with localcontext(ARITHMETIC):
            expected[sub] = {
                "count_agg": (Decimal(len(inside)), len(inside)),
                "sum_agg": (sum(numbers, Decimal(0)), len(numbers)),
                "max_agg": (max(numbers, default=Decimal(0)), len(numbers)),
                "unique_count_agg": (
                    Decimal(len({property_string(spec.properties.get("value")) for spec in inside} - {None})),
                    len(inside),
                ),
            }[aggregation_type]
    return expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(specs=st.lists(events, max_size=30))
def test_count_sum_max_and_unique_count_match_the_reference(store_under_test, specs):
    metering = Metering(store_under_test, organization_id=OrganizationFactory().id)
    assert metering.add(*specs).accepted
    windows = [window(sub, start, end) for sub, (start, end) in WINDOWS.items()]

    for aggregation_type in ("count_agg", "sum_agg", "max_agg", "unique_count_agg"):
        results = metering.aggregate(Aggregation(aggregation_type, "value"), windows=windows)

        measured = {result.external_subscription_id: (result.units, result.events_count) for result in results}
        assert measured == reference(specs, aggregation_type), aggregation_type
