"""The plans API with nested charges, through HTTP as a Lago client calls it."""

from decimal import Decimal

import pytest
from django.db import transaction
from lago_python_client.models.plan import PlanResponse

from plans.models import Charge, ChargeFilter, MinimumCommitment, Plan, Subscription
from plans.selectors.plans import plan_get
from tests.factories.plans import ChargeFactory, ChargeFilterFactory, MinimumCommitmentFactory, PlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/plans"

GRADUATED = {
    "graduated_ranges": [
        {"from_value": 0, "to_value": 10, "per_unit_amount": "0", "flat_amount": "1.00"},
        {"from_value": 11, "to_value": None, "per_unit_amount": "0.50", "flat_amount": "0"},
    ]
}


def plan_body(metric, **fields) -> dict:
    return {
        "name": "Basic",
        "code": "basic",
        "interval": "monthly",
        "amount_cents": 1000,
        "amount_currency": "EUR",
        "charges": [
            {
                "billable_metric_id": str(metric.id),
                "charge_model": "graduated",
                "invoice_display_name": "API calls",
                "min_amount_cents": 250,
                "properties": GRADUATED,
                "filters": [
                    {
                        "invoice_display_name": "EU",
                        "properties": {"graduated_ranges": [GRADUATED["graduated_ranges"][1] | {"from_value": 0}]},
                        "values": {"region": ["eu"]},
                    }
                ],
            },
            {"billable_metric_id": str(metric.id), "charge_model": "package",
             "properties": {"amount": "5", "package_size": 100, "free_units": 10}, "pay_in_advance": True},
        ],
        **fields,
    }  # fmt: skip


def create(api, metric, **fields):
    return api.post(URL, {"plan": plan_body(metric, **fields)})


def test_create_returns_the_plan_with_its_charges_in_lagos_shape(api, organization, metric):
    response = create(
        api,
        metric,
        description="For starters",
        trial_period=14,
        pay_in_advance=True,
        minimum_commitment={"amount_cents": 5000, "invoice_display_name": "Minimum"},
        tax_codes=[],
    )
    assert response.status_code == 200, response.json()
    body = response.json()["plan"]
    plan = PlanResponse.parse_obj(body)
    stored = Plan.objects.get(organization=organization, code="basic")
    assert plan.lago_id == str(stored.id)
    assert stored.amount.amount == Decimal("10.00") and str(stored.amount.currency) == "EUR"
    assert (plan.amount_cents, plan.amount_currency, plan.trial_period, plan.pay_in_advance) == (1000, "EUR", 14, True)
    assert body["created_at"].endswith("Z") and body["taxes"] == []
    assert body["minimum_commitment"]["amount_cents"] == 5000
    assert body["minimum_commitment"]["interval"] == "monthly"
    assert plan.minimum_commitment.invoice_display_name == "Minimum"

    graduated, package = body["charges"]
    assert graduated["lago_billable_metric_id"] == str(metric.id)
    assert graduated["billable_metric_code"] == "api_calls"
    assert graduated["min_amount_cents"] == 250
    assert graduated["taxes"] == []
    assert graduated["properties"]["graduated_ranges"][0]["flat_amount"] == "1"  # canonical decimal strings
    assert graduated["filters"] == [
        {
            "invoice_display_name": "EU",
            "properties": {"graduated_ranges": [
                {"from_value": 0, "to_value": None, "per_unit_amount": "0.5", "flat_amount": "0"}
            ]},
            "values": {"region": ["eu"]},
        }
    ]  # fmt: skip
    assert (package["charge_model"], package["pay_in_advance"], package["invoiceable"]) == ("package", True, True)
    assert Charge.objects.filter(plan=stored).count() == 2
    assert ChargeFilter.objects.filter(charge__plan=stored).count() == 1


def test_a_plan_without_charges_or_commitment(api):
    body = api.post(URL, {"plan": {"name": "Flat", "code": "flat", "interval": "yearly", "amount_cents": 0,
                                   "amount_currency": "JPY", "bill_charges_monthly": True, "trial_period": 0.5}})  # fmt: skip
    assert body.status_code == 200, body.json()
    plan = body.json()["plan"]
    assert (plan["charges"], plan["minimum_commitment"], plan["trial_period"]) == ([], None, 0.5)
    assert plan["bill_charges_monthly"] is True
    PlanResponse.parse_obj(plan)


def test_amounts_follow_the_currency_minor_unit(api, metric):
    create(api, metric, amount_currency="JPY", amount_cents=1500, minimum_commitment={"amount_cents": 30})
    plan = Plan.objects.get()
    assert plan.amount.amount == Decimal(1500)
    assert api.get(f"{URL}/basic").json()["plan"]["amount_cents"] == 1500
    assert MinimumCommitment.objects.get().amount.amount == Decimal(30)


def test_get_and_list_with_pagination(api, organization):
    for number in range(3):
        ChargeFactory(plan=PlanFactory(organization=organization, code=f"p{number}"))
    page = api.get(URL, {"per_page": 2}).json()
    assert page["meta"] == {"current_page": 1, "next_page": 2, "prev_page": None, "total_pages": 2, "total_count": 3}
    for item in page["plans"]:
        assert len(PlanResponse.parse_obj(item).charges.__root__) == 1
    assert api.get(f"{URL}/p1").json()["plan"]["code"] == "p1"
    assert api.get(f"{URL}/missing").json() == {"status": 404, "error": "Not Found", "code": "plan_not_found"}


def test_update_changes_only_the_keys_sent(api, metric):
    create(api, metric, minimum_commitment={"amount_cents": 5000})
    response = api.put(f"{URL}/basic", {"plan": {"name": "Basic v2", "amount_cents": 1200}})
    assert response.status_code == 200
    body = response.json()["plan"]
    assert (body["name"], body["amount_cents"], body["interval"], body["amount_currency"]) == (
        "Basic v2",
        1200,
        "monthly",
        "EUR",
    )
    assert len(body["charges"]) == 2
    assert body["minimum_commitment"]["amount_cents"] == 5000


def test_update_replaces_the_charge_set(api, metric):
    charges = create(api, metric).json()["plan"]["charges"]
    kept = charges[0]
    response = api.put(
        f"{URL}/basic",
        {"plan": {"charges": [
            {"id": kept["lago_id"], "billable_metric_id": str(metric.id), "charge_model": "standard",
             "properties": {"amount": "0.10"}, "filters": [
                 {"values": {"region": ["us"]}, "properties": {"amount": "0.2"}},
             ]},
            {"billable_metric_id": str(metric.id), "charge_model": "percentage", "properties": {"rate": "1.5"}},
        ]}},
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    updated, created = response.json()["plan"]["charges"]
    assert updated["lago_id"] == kept["lago_id"]
    assert (updated["charge_model"], updated["properties"]) == ("standard", {"amount": "0.1"})
    assert updated["filters"] == [
        {"invoice_display_name": None, "properties": {"amount": "0.2"}, "values": {"region": ["us"]}}
    ]
    assert created["lago_id"] not in {charge["lago_id"] for charge in charges}
    assert not Charge.objects.filter(id=charges[1]["lago_id"]).exists()
    assert ChargeFilter.objects.count() == 1


def test_update_removes_the_minimum_commitment_with_null(api, metric):
    create(api, metric, minimum_commitment={"amount_cents": 5000})
    response = api.put(f"{URL}/basic", {"plan": {"minimum_commitment": None}})
    assert response.json()["plan"]["minimum_commitment"] is None
    assert not MinimumCommitment.objects.exists()
    added = api.put(f"{URL}/basic", {"plan": {"minimum_commitment": {"amount_cents": 700}}})
    assert added.json()["plan"]["minimum_commitment"]["amount_cents"] == 700


def test_a_currency_change_keeps_every_amount_in_cents(api, metric):
    create(api, metric, minimum_commitment={"amount_cents": 5000})
    body = api.put(f"{URL}/basic", {"plan": {"amount_currency": "USD"}}).json()["plan"]
    assert (body["amount_cents"], body["amount_currency"]) == (1000, "USD")
    assert body["minimum_commitment"]["amount_cents"] == 5000
    assert body["charges"][0]["min_amount_cents"] == 250
    assert {str(charge.min_amount.currency) for charge in Charge.objects.all()} == {"USD"}
    assert str(MinimumCommitment.objects.get().amount.currency) == "USD"


def test_update_can_rename_the_code(api, metric):
    create(api, metric)
    assert api.put(f"{URL}/basic", {"plan": {"code": "starter"}}).json()["plan"]["code"] == "starter"
    assert api.get(f"{URL}/basic").status_code == 404


def test_delete_of_an_unused_plan_removes_it_with_its_charges(api, metric):
    lago_id = create(api, metric, minimum_commitment={"amount_cents": 1}).json()["plan"]["lago_id"]
    response = api.delete(f"{URL}/basic")
    assert response.status_code == 200
    assert response.json()["plan"]["lago_id"] == lago_id
    assert not Plan.objects.exists() and not Charge.objects.exists() and not MinimumCommitment.objects.exists()
    assert api.get(f"{URL}/basic").status_code == 404


@pytest.mark.parametrize("status", [Subscription.Status.ACTIVE, Subscription.Status.PENDING])
def test_delete_of_a_plan_with_a_live_subscription_is_refused(api, metric, subscribe, status):
    create(api, metric)
    subscribe(Plan.objects.get(), status=status)
    response = api.delete(f"{URL}/basic")
    assert response.status_code == 405
    assert response.json() == {"status": 405, "error": "Method Not Allowed", "code": "plan_has_live_subscriptions"}
    assert api.get(f"{URL}/basic").status_code == 200


def test_a_plan_only_ended_subscriptions_used_is_soft_deleted_and_its_code_freed(api, metric, subscribe):
    create(api, metric)
    plan = Plan.objects.get()
    subscription = subscribe(plan, status=Subscription.Status.TERMINATED)
    assert api.delete(f"{URL}/basic").status_code == 200
    plan.refresh_from_db()
    assert plan.deleted_at is not None
    assert subscription.plan_id == plan.id and Charge.objects.filter(plan=plan).count() == 2  # history kept
    assert api.get(f"{URL}/basic").status_code == 404
    assert api.get(URL).json()["meta"]["total_count"] == 0
    assert create(api, metric).status_code == 200


def test_another_organization_cannot_see_change_or_delete_the_plan(api, other_api, metric):
    create(api, metric)
    for response in (
        other_api.get(f"{URL}/basic"),
        other_api.put(f"{URL}/basic", {"plan": {"name": "Hijacked"}}),
        other_api.delete(f"{URL}/basic"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "plan_not_found"
    assert other_api.get(URL).json()["plans"] == []
    assert Plan.objects.get().name == "Basic"


def test_another_organization_cannot_price_this_organizations_metric(other_api, metric):
    response = create(other_api, metric)
    assert response.status_code == 422
    assert response.json()["error_details"] == {
        "charges.0.billable_metric_id": ["billable_metric_not_found"],
        "charges.1.billable_metric_id": ["billable_metric_not_found"],
    }
    assert not Plan.objects.exists()


def test_listing_plans_takes_a_constant_number_of_queries(api, organization, django_assert_max_num_queries):
    for number in range(5):
        plan = PlanFactory(organization=organization, code=f"p{number}")
        MinimumCommitmentFactory(plan=plan)
        ChargeFilterFactory(charge=ChargeFactory(plan=plan))
        ChargeFactory(plan=plan)
    with django_assert_max_num_queries(8):  # auth, count, plans, charges, charge filters (+ savepoint noise)
        response = api.get(URL)
    assert len(response.json()["plans"]) == 5


def test_plan_get_can_lock_the_plan_for_a_subscribing_caller(organization, metric):
    ChargeFactory(plan=PlanFactory(organization=organization, code="locked"), billable_metric=metric)
    with transaction.atomic():
        plan = plan_get(organization=organization, code="locked", for_update=True)
        assert [charge.billable_metric.code for charge in plan.charges.all()] == ["api_calls"]
