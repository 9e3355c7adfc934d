"""Whatever JSON a client puts in a billable metric or a plan (its charges, their properties and filters included), the
answer is a 200 or a 4xx in Lago's shape that wrote nothing: never a server error."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plans.models import BillableMetric, Charge, Plan
from tests.plans.test_plans_api import GRADUATED, plan_body

pytestmark = pytest.mark.django_db

_codes = itertools.count()
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["0", "-1", "0.000000000001", "1e30", "99999999999999999999.99", "NaN", "1,5", ""]),
)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
METRIC_KEYS = [
    "name",
    "code",
    "description",
    "aggregation_type",
    "field_name",
    "recurring",
    "rounding_function",
    "rounding_precision",
    "weighted_interval",
    "filters",
]
CHARGE_KEYS = [
    "billable_metric_id",
    "charge_model",
    "invoice_display_name",
    "min_amount_cents",
    "pay_in_advance",
    "prorated",
    "invoiceable",
    "properties",
    "filters",
    "tax_codes",
]
PROPERTY_KEYS = [
    "amount",
    "graduated_ranges",
    "volume_ranges",
    "package_size",
    "free_units",
    "rate",
    "fixed_amount",
    "free_units_per_events",
    "free_units_per_total_aggregation",
    "per_transaction_min_amount",
    "per_transaction_max_amount",
    "grouped_by",
    "pricing_group_keys",
]


def rows() -> tuple[int, int, int]:
    return BillableMetric.objects.count(), Plan.objects.count(), Charge.objects.count()


def assert_answered_cleanly(response, before: tuple[int, int, int]) -> None:
    if response.status_code == 200:
        return
    assert response.status_code in (400, 404, 422), response.content
    body = response.json()
    assert body["status"] == response.status_code and "code" in body
    assert rows() == before


@FUZZ
@given(key=st.sampled_from(METRIC_KEYS), value=_json)
def test_any_value_in_a_billable_metric_is_stored_or_refused_cleanly(api, key, value):
    body = {"name": "Calls", "code": f"calls_{next(_codes)}", "aggregation_type": "sum_agg", "field_name": "calls"}
    before = rows()

    assert_answered_cleanly(api.post("/api/v1/billable_metrics", {"billable_metric": {**body, key: value}}), before)


@FUZZ
@given(key=st.sampled_from(["name", "code", "interval", "amount_cents", "amount_currency", "trial_period",
                            "pay_in_advance", "bill_charges_monthly", "minimum_commitment", "charges", "tax_codes"]),
       value=_json)  # fmt: skip
def test_any_value_in_a_plan_is_stored_or_refused_cleanly(api, metric, key, value):
    body = plan_body(metric, code=f"plan_{next(_codes)}")
    before = rows()

    assert_answered_cleanly(api.post("/api/v1/plans", {"plan": {**body, key: value}}), before)


@FUZZ
@given(key=st.sampled_from(CHARGE_KEYS), value=_json)
def test_any_value_in_a_charge_is_stored_or_refused_cleanly(api, metric, key, value):
    body = plan_body(metric, code=f"plan_{next(_codes)}")
    body["charges"][0] = {**body["charges"][0], key: value}
    before = rows()

    assert_answered_cleanly(api.post("/api/v1/plans", {"plan": body}), before)


@FUZZ
@given(
    charge_model=st.sampled_from(["standard", "graduated", "volume", "package", "percentage", "graduated_percentage"]),
    key=st.sampled_from(PROPERTY_KEYS),
    value=_json,
)
def test_any_value_in_charge_properties_is_stored_or_refused_cleanly(api, metric, charge_model, key, value):
    body = plan_body(metric, code=f"plan_{next(_codes)}")
    body["charges"] = [
        {
            "billable_metric_id": str(metric.id),
            "charge_model": charge_model,
            "properties": {**GRADUATED, "amount": "1", "package_size": 10, "rate": "1", key: value},
        }
    ]
    before = rows()

    assert_answered_cleanly(api.post("/api/v1/plans", {"plan": body}), before)
