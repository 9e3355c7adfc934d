"""Catalog admin: pages render, charge properties go through the API's validator, deletions follow the API's rules."""

import pytest
from django.contrib.auth import get_user_model

from plans.models import BillableMetric, Charge, ChargeFilter, Plan, Subscription
from tests.factories.plans import ChargeFactory, ChargeFilterFactory, MinimumCommitmentFactory, PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.fixture
def charge(organization, metric):
    plan = PlanFactory(organization=organization, code="basic")
    MinimumCommitmentFactory(plan=plan)
    charge = ChargeFactory(plan=plan, billable_metric=metric)
    ChargeFilterFactory(charge=charge)
    return charge


@pytest.mark.parametrize("model", ["billablemetric", "plan", "charge"])
def test_changelists_and_change_pages_render(admin_client, charge, model):
    objects = {"billablemetric": charge.billable_metric, "plan": charge.plan, "charge": charge}
    changelist = admin_client.get(f"/admin/plans/{model}/", {"q": "a"})
    assert changelist.status_code == 200
    change = admin_client.get(f"/admin/plans/{model}/{objects[model].pk}/change/")
    assert change.status_code == 200


@pytest.mark.parametrize("model", ["billablemetric", "plan"])
def test_add_pages_render(admin_client, model):
    assert admin_client.get(f"/admin/plans/{model}/add/").status_code == 200


def test_plan_list_filters_render(admin_client, charge):
    response = admin_client.get("/admin/plans/plan/", {"interval": "monthly", "amount_currency": "USD"})
    assert response.status_code == 200
    assert "basic" in response.content.decode()


def charge_form(charge, **overrides) -> dict:
    data = {
        "charge_model": charge.charge_model,
        "properties": '{"amount": "0.50"}',
        "invoice_display_name": "",
        "invoiceable": "on",
        "min_amount_0": "0",
        "min_amount_1": "USD",
        "filters-TOTAL_FORMS": "0",
        "filters-INITIAL_FORMS": "0",
        "filters-MIN_NUM_FORMS": "0",
        "filters-MAX_NUM_FORMS": "1000",
    }
    return data | overrides


def test_charge_properties_are_validated_and_normalized_by_the_api_validator(admin_client, charge):
    url = f"/admin/plans/charge/{charge.pk}/change/"
    refused = admin_client.post(url, charge_form(charge, properties='{"amount": 0.5}'))
    assert refused.status_code == 200
    assert "properties.amount: invalid_amount" in refused.content.decode()
    charge.refresh_from_db()
    assert charge.properties == {"amount": "0.5"}

    accepted = admin_client.post(url, charge_form(charge, properties='{"amount": "0.7500"}'))
    assert accepted.status_code == 302
    charge.refresh_from_db()
    assert charge.properties == {"amount": "0.75"}


def test_charge_filter_properties_follow_the_charge_model(admin_client, charge):
    existing = charge.filters.get()
    data = charge_form(
        charge,
        **{
            "filters-TOTAL_FORMS": "1",
            "filters-INITIAL_FORMS": "1",
            "filters-0-id": str(existing.pk),
            "filters-0-charge": str(charge.pk),
            "filters-0-invoice_display_name": "EU",
            "filters-0-values": '{"region": ["eu"]}',
            "filters-0-properties": '{"rate": "1"}',
        },
    )
    refused = admin_client.post(f"/admin/plans/charge/{charge.pk}/change/", data)
    assert refused.status_code == 200
    assert "unknown_property" in refused.content.decode()
    assert ChargeFilter.objects.get().properties == {"amount": "0.4"}


def test_charge_filter_values_must_be_offered_by_the_metric(admin_client, charge):
    existing = charge.filters.get()
    data = charge_form(
        charge,
        **{
            "filters-TOTAL_FORMS": "1",
            "filters-INITIAL_FORMS": "1",
            "filters-0-id": str(existing.pk),
            "filters-0-charge": str(charge.pk),
            "filters-0-values": '{"region": ["apac"]}',
            "filters-0-properties": '{"amount": "1"}',
        },
    )
    refused = admin_client.post(f"/admin/plans/charge/{charge.pk}/change/", data)
    assert "do not offer these values: region" in refused.content.decode()
    assert ChargeFilter.objects.get().values == {"region": ["eu"]}


def test_admin_deletion_follows_the_api_rules(admin_client, charge, subscribe):
    subscribe(charge.plan, status=Subscription.Status.ACTIVE)
    admin_client.post(
        "/admin/plans/plan/", {"action": "delete_unsubscribed", "_selected_action": [str(charge.plan.pk)]}
    )
    assert Plan.objects.alive().filter(pk=charge.plan.pk).exists()
    admin_client.post(
        "/admin/plans/billablemetric/",
        {"action": "delete_unused", "_selected_action": [str(charge.billable_metric.pk)]},
    )
    assert BillableMetric.objects.filter(pk=charge.billable_metric.pk).exists()
    assert Charge.objects.filter(pk=charge.pk).exists()

    unused = PlanFactory(organization=charge.plan.organization, code="unused")
    admin_client.post("/admin/plans/plan/", {"action": "delete_unsubscribed", "_selected_action": [str(unused.pk)]})
    assert not Plan.objects.filter(pk=unused.pk).exists()


def plan_add_form(organization, metric, properties: str) -> dict:
    management = {"TOTAL_FORMS": "1", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}
    data = {
        "organization": str(organization.pk),
        "name": "Admin plan",
        "code": "admin_plan",
        "interval": "monthly",
        "amount_0": "12.50",
        "amount_1": "USD",
        "trial_period": "0",
        "bill_charges_monthly": "unknown",
        **{f"minimum_commitment-{key}": value for key, value in management.items()},
        "minimum_commitment-TOTAL_FORMS": "0",
        **{f"charges-{key}": value for key, value in management.items()},
        "charges-0-billable_metric": str(metric.pk),
        "charges-0-charge_model": "standard",
        "charges-0-properties": properties,
        "charges-0-invoiceable": "on",
        "charges-0-min_amount_0": "0",
        "charges-0-min_amount_1": "USD",
    }
    return data


def test_a_plan_added_in_the_admin_gets_validated_charges(admin_client, organization, metric):
    refused = admin_client.post("/admin/plans/plan/add/", plan_add_form(organization, metric, '{"amount": "-1"}'))
    assert refused.status_code == 200
    assert "properties.amount: invalid_amount" in refused.content.decode()
    assert not Plan.objects.exists()

    created = admin_client.post("/admin/plans/plan/add/", plan_add_form(organization, metric, '{"amount": "1.50"}'))
    assert created.status_code == 302, created.content.decode()
    charge = Charge.objects.get(plan__code="admin_plan")
    assert charge.properties == {"amount": "1.5"}
    assert charge.organization == organization
