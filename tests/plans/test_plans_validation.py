"""Refused plans: 422 with field-level codes, and nothing written (nor changed, for updates)."""

import uuid

import pytest

from plans.models import BillableMetric, Charge, ChargeFilter, MinimumCommitment, Plan
from tests.factories.plans import BillableMetricFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/plans"


def standard(metric, amount="0.5", **fields) -> dict:
    return {
        "billable_metric_id": str(metric.id),
        "charge_model": "standard",
        "properties": {"amount": amount},
        **fields,
    }


def body(**fields) -> dict:
    return {"name": "Basic", "code": "basic", "interval": "monthly", "amount_cents": 1000, "amount_currency": "EUR",
            **fields}  # fmt: skip


def assert_nothing_written() -> None:
    assert not Plan.objects.exists()
    assert not Charge.objects.exists()
    assert not ChargeFilter.objects.exists()
    assert not MinimumCommitment.objects.exists()


def assert_refused(response, errors: dict) -> None:
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "validation_errors"
    assert response.json()["error_details"] == errors


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": None}, {"name": ["value_is_mandatory"]}),
        ({"code": 7}, {"code": ["invalid_type"]}),
        ({"interval": "daily"}, {"interval": ["value_is_invalid"]}),
        ({"amount_cents": -1}, {"amount_cents": ["value_is_out_of_range"]}),
        ({"amount_cents": "1000"}, {"amount_cents": ["invalid_type"]}),
        ({"amount_cents": 10.5}, {"amount_cents": ["invalid_type"]}),
        ({"amount_cents": 10**15}, {"amount_cents": ["value_is_out_of_range"]}),
        ({"amount_currency": "ZZZ"}, {"amount_currency": ["value_is_invalid"]}),
        ({"amount_currency": "eur"}, {"amount_currency": ["value_is_invalid"]}),
        ({"pay_in_advance": "yes"}, {"pay_in_advance": ["invalid_type"]}),
        ({"trial_period": -1}, {"trial_period": ["value_is_out_of_range"]}),
        ({"trial_period": "14"}, {"trial_period": ["invalid_type"]}),
        ({"trial_period": 1.005}, {"trial_period": ["value_is_out_of_range"]}),
        ({"bill_charges_monthly": True}, {"bill_charges_monthly": ["not_compatible_with_interval"]}),
        ({"bill_charges_monthly": True, "interval": "quarterly"}, {"bill_charges_monthly": ["not_compatible_with_interval"]}),
        ({"minimum_commitment": {"amount_cents": -5}}, {"minimum_commitment.amount_cents": ["value_is_out_of_range"]}),
        ({"minimum_commitment": {}}, {"minimum_commitment.amount_cents": ["value_is_mandatory"]}),
        ({"minimum_commitment": 5000}, {"minimum_commitment": ["invalid_type"]}),
        ({"charges": {"0": {}}}, {"charges": ["invalid_type"]}),
        ({"charges": ["standard"]}, {"charges.0": ["invalid_type"]}),
    ],
)  # fmt: skip
def test_plan_fields_are_checked(api, fields, errors):
    assert_refused(api.post(URL, {"plan": body(**fields)}), errors)
    assert_nothing_written()


@pytest.mark.parametrize(
    ("charge", "errors"),
    [
        ({"charge_model": "dynamic"}, {"charges.1.charge_model": ["value_is_invalid"]}),
        ({"billable_metric_id": None}, {"charges.1.billable_metric_id": ["value_is_mandatory"]}),
        ({"billable_metric_id": "not-a-uuid"}, {"charges.1.billable_metric_id": ["billable_metric_not_found"]}),
        ({"billable_metric_id": str(uuid.uuid4())}, {"charges.1.billable_metric_id": ["billable_metric_not_found"]}),
        ({"id": str(uuid.uuid4())}, {"charges.1.id": ["charge_not_found"]}),
        ({"min_amount_cents": -1}, {"charges.1.min_amount_cents": ["value_is_out_of_range"]}),
        ({"invoiceable": 1}, {"charges.1.invoiceable": ["invalid_type"]}),
        ({"properties": {"amount": 0.5}}, {"charges.1.properties.amount": ["invalid_amount"]}),
        ({"properties": {"amount": "-0.5"}}, {"charges.1.properties.amount": ["invalid_amount"]}),
        ({"properties": {}}, {"charges.1.properties.amount": ["value_is_mandatory"]}),
        ({"properties": "0.5"}, {"charges.1.properties": ["invalid_type"]}),
        ({"properties": {"amount": "1", "surprise": True}}, {"charges.1.properties.surprise": ["unknown_property"]}),
        (
            {"charge_model": "graduated", "properties": {"graduated_ranges": [
                {"from_value": 0, "to_value": 10, "per_unit_amount": "1", "flat_amount": "0"},
                {"from_value": 5, "to_value": None, "per_unit_amount": "1", "flat_amount": "0"},
            ]}},
            {"charges.1.properties.graduated_ranges": ["invalid_graduated_ranges"]},
        ),
        (
            {"charge_model": "package", "properties": {"amount": "1", "package_size": 0}},
            {"charges.1.properties.package_size": ["invalid_package_size"]},
        ),
        ({"charge_model": "percentage", "properties": {"rate": "150"}}, {"charges.1.properties.rate": ["invalid_rate"]}),
        ({"filters": [{"values": {"region": ["apac"]}, "properties": {"amount": "1"}}]},
         {"charges.1.filters.0.values.region": ["value_is_invalid"]}),
        ({"filters": [{"values": {"colour": ["eu"]}, "properties": {"amount": "1"}}]},
         {"charges.1.filters.0.values.colour": ["value_is_invalid"]}),
        ({"filters": [{"values": {}, "properties": {"amount": "1"}}]}, {"charges.1.filters.0.values": ["value_is_mandatory"]}),
        ({"filters": [{"values": {"region": []}, "properties": {"amount": "1"}}]},
         {"charges.1.filters.0.values.region": ["value_is_mandatory"]}),
        ({"filters": [{"values": {"region": ["eu"]}, "properties": {"amount": 1}}]},
         {"charges.1.filters.0.properties.amount": ["invalid_amount"]}),
        (
            {"filters": [{"values": {"region": ["eu"]}, "properties": {"amount": "1"}},
                         {"values": {"region": ["eu"]}, "properties": {"amount": "2"}}]},
            {"charges.1.filters.1.values": ["value_already_exist"]},
        ),
    ],
)  # fmt: skip
def test_a_refused_charge_in_the_middle_of_the_list_writes_nothing(api, metric, charge, errors):
    charges = [standard(metric), standard(metric) | charge, standard(metric)]
    assert_refused(api.post(URL, {"plan": body(charges=charges)}), errors)
    assert_nothing_written()


def test_every_error_of_a_request_is_reported_at_once(api, metric):
    charges = [standard(metric, amount="x"), standard(metric, properties={"amount": "1", "extra": 1})]
    response = api.post(URL, {"plan": body(bill_charges_monthly=True, charges=charges)})
    assert_refused(
        response,
        {
            "bill_charges_monthly": ["not_compatible_with_interval"],
            "charges.0.properties.amount": ["invalid_amount"],
            "charges.1.properties.extra": ["unknown_property"],
        },
    )
    assert_nothing_written()


def test_a_charge_filter_needs_a_metric_with_filters(api, organization):
    bare = BillableMetricFactory(organization=organization, code="bare")
    charge = standard(bare, filters=[{"values": {"region": ["eu"]}, "properties": {"amount": "1"}}])
    assert_refused(
        api.post(URL, {"plan": body(charges=[charge])}), {"charges.0.filters.0.values.region": ["value_is_invalid"]}
    )
    assert_nothing_written()


def test_a_duplicate_code_is_refused(api):
    assert api.post(URL, {"plan": body()}).status_code == 200
    assert_refused(api.post(URL, {"plan": body(name="Again")}), {"code": ["value_already_exist"]})
    assert Plan.objects.count() == 1


def test_a_refused_update_changes_nothing(api, metric):
    created = api.post(URL, {"plan": body(charges=[standard(metric)], minimum_commitment={"amount_cents": 10})})
    charge_id = created.json()["plan"]["charges"][0]["lago_id"]
    response = api.put(
        f"{URL}/basic",
        {"plan": {"name": "Renamed", "minimum_commitment": None,
                  "charges": [standard(metric, amount="2"), standard(metric, amount="-2")]}},
    )  # fmt: skip
    assert_refused(response, {"charges.1.properties.amount": ["invalid_amount"]})
    plan = Plan.objects.get()
    assert plan.name == "Basic"
    assert list(Charge.objects.values_list("id", "properties")) == [(uuid.UUID(charge_id), {"amount": "0.5"})]
    assert MinimumCommitment.objects.filter(plan=plan).exists()


def test_an_update_is_checked_against_the_stored_interval(api):
    api.post(URL, {"plan": body(interval="yearly", bill_charges_monthly=True)})
    assert_refused(
        api.put(f"{URL}/basic", {"plan": {"interval": "monthly"}}),
        {"bill_charges_monthly": ["not_compatible_with_interval"]},
    )
    assert Plan.objects.get().interval == "yearly"
    assert api.put(f"{URL}/basic", {"plan": {"interval": "monthly", "bill_charges_monthly": None}}).status_code == 200


def test_an_update_cannot_take_another_plans_charge(api, metric):
    api.post(URL, {"plan": body(charges=[standard(metric)])})
    other = api.post(URL, {"plan": body(code="other", charges=[standard(metric)])}).json()["plan"]
    foreign = standard(metric, id=other["charges"][0]["lago_id"])
    assert_refused(api.put(f"{URL}/basic", {"plan": {"charges": [foreign]}}), {"charges.0.id": ["charge_not_found"]})
    assert Charge.objects.count() == 2


def test_metrics_survive_a_refused_plan(api, metric):
    api.post(URL, {"plan": body(charges=[standard(metric, amount="bad")])})
    assert BillableMetric.objects.filter(pk=metric.pk).exists()
    assert_nothing_written()


def test_interval_and_currency_stay_while_subscriptions_are_live(api, subscribe):
    api.post(URL, {"plan": body()})
    subscribe(Plan.objects.get())
    response = api.put(f"{URL}/basic", {"plan": {"interval": "yearly", "amount_currency": "USD", "name": "Renamed"}})
    assert_refused(
        response, {"interval": ["plan_has_live_subscriptions"], "amount_currency": ["plan_has_live_subscriptions"]}
    )
    assert Plan.objects.filter(interval="monthly", amount_currency="EUR", name="Basic").exists()
    unchanged = api.put(
        f"{URL}/basic", {"plan": {"interval": "monthly", "amount_currency": "EUR", "amount_cents": 900}}
    )
    assert unchanged.status_code == 200
