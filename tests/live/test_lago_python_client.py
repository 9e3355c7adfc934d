"""The official lago-python-client, unchanged, against a live server: every response must parse in its models."""

from datetime import timedelta

import pytest
from django.utils import timezone
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError
from lago_python_client.models import BillableMetric, Charge, Customer, Plan, Subscription
from lago_python_client.models.billable_metric import BillableMetricFilter, BillableMetricFilters
from lago_python_client.models.charge import ChargeFilter, ChargeFilters, Charges
from lago_python_client.models.customer import CustomerBillingConfiguration, Metadata, MetadataList
from lago_python_client.models.minimum_commitment import MinimumCommitment

from tests.factories.billing import OrganizationFactory, issue_key

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client(live_server) -> Client:
    organization = OrganizationFactory(name="Client Co", timezone="Europe/Paris")
    return Client(api_key=issue_key(organization), api_url=live_server.url + "/")


@pytest.fixture
def other_client(live_server) -> Client:
    return Client(api_key=issue_key(OrganizationFactory(name="Other Co")), api_url=live_server.url + "/")


def make_plan(client: Client, code: str, amount_cents: int, metric_id: str, interval: str = "monthly"):
    return client.plans.create(
        Plan(
            name=code.title(),
            code=code,
            interval=interval,
            amount_cents=amount_cents,
            amount_currency="EUR",
            pay_in_advance=False,
            trial_period=0.0,
            minimum_commitment=MinimumCommitment(amount_cents=5000),
            charges=Charges(
                __root__=[
                    Charge(
                        billable_metric_id=metric_id,
                        charge_model="graduated",
                        properties={
                            "graduated_ranges": [
                                {"from_value": 0, "to_value": 10, "per_unit_amount": "0", "flat_amount": "1"},
                                {"from_value": 11, "to_value": None, "per_unit_amount": "0.5", "flat_amount": "0"},
                            ]
                        },
                        filters=ChargeFilters(
                            __root__=[
                                ChargeFilter(
                                    invoice_display_name="EU region",
                                    properties={
                                        "graduated_ranges": [
                                            {
                                                "from_value": 0,
                                                "to_value": None,
                                                "per_unit_amount": "0.4",
                                                "flat_amount": "0",
                                            }
                                        ]
                                    },
                                    values={"region": ["eu"]},
                                )
                            ]
                        ),
                    ),
                    Charge(
                        billable_metric_id=metric_id,
                        charge_model="package",
                        properties={"amount": "5", "package_size": 100, "free_units": 10},
                    ),
                ]
            ),
        )
    )


def test_catalog_and_subscription_lifecycle_through_the_official_client(client, other_client):
    customer = client.customers.create(
        Customer(
            external_id="cust-1",
            name="Ada Lovelace",
            email="ada@example.com",
            currency="EUR",
            country="FR",
            address_line1="1 rue de Rivoli",
            city="Paris",
            zipcode="75001",
            tax_identification_number="FR123",
            net_payment_term=30,
            metadata=MetadataList(__root__=[Metadata(key="segment", value="pro", display_in_invoice=True)]),
            billing_configuration=CustomerBillingConfiguration(
                invoice_grace_period=3, payment_provider="stripe", provider_customer_id="cus_123"
            ),
        )
    )
    assert customer.external_id == "cust-1"
    assert customer.applicable_timezone == "Europe/Paris"
    assert customer.billing_configuration.invoice_grace_period == 3
    assert customer.metadata.__root__[0].key == "segment"
    updated = client.customers.create(Customer(external_id="cust-1", name="Ada King"))
    assert (updated.lago_id, updated.name, updated.email) == (customer.lago_id, "Ada King", "ada@example.com")
    assert client.customers.find("cust-1").name == "Ada King"
    listed = client.customers.find_all({"per_page": 10})
    assert [c.external_id for c in listed["customers"]] == ["cust-1"]
    assert listed["meta"]["total_count"] == 1

    metric = client.billable_metrics.create(
        BillableMetric(
            name="API calls",
            code="api_calls",
            aggregation_type="sum_agg",
            field_name="calls",
            recurring=False,
            rounding_function="round",
            rounding_precision=2,
            filters=BillableMetricFilters(__root__=[BillableMetricFilter(key="region", values=["eu", "us"])]),
        )
    )
    assert metric.code == "api_calls" and metric.filters.__root__[0].values == ["eu", "us"]
    renamed = client.billable_metrics.update(BillableMetric(name="API requests"), "api_calls")
    assert renamed.name == "API requests"
    assert client.billable_metrics.find("api_calls").lago_id == metric.lago_id

    basic = make_plan(client, "basic", 1000, metric.lago_id)
    make_plan(client, "premium", 5000, metric.lago_id)
    make_plan(client, "cheap", 500, metric.lago_id)
    assert basic.amount_cents == 1000 and basic.amount_currency == "EUR"
    charge_models = sorted(charge.charge_model for charge in basic.charges.__root__)
    assert charge_models == ["graduated", "package"]
    graduated = next(c for c in basic.charges.__root__ if c.charge_model == "graduated")
    assert graduated.billable_metric_code == "api_calls"
    assert graduated.filters.__root__[0].values == {"region": ["eu"]}
    assert basic.minimum_commitment.amount_cents == 5000
    assert client.plans.update(Plan(name="Basic v2"), "basic").name == "Basic v2"
    assert {p.code for p in client.plans.find_all()["plans"]} == {"basic", "premium", "cheap"}

    started = timezone.now() - timedelta(days=3)
    subscription = client.subscriptions.create(
        Subscription(
            external_customer_id="cust-1",
            plan_code="basic",
            external_id="sub-1",
            name="Main",
            billing_time="anniversary",
            subscription_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    )
    assert subscription.status == "active"
    assert subscription.plan_code == "basic"
    assert subscription.current_billing_period_started_at is not None

    upgraded = client.subscriptions.create(
        Subscription(external_customer_id="cust-1", plan_code="premium", external_id="sub-1")
    )
    assert (upgraded.status, upgraded.plan_code, upgraded.previous_plan_code) == ("active", "premium", "basic")
    assert upgraded.lago_id != subscription.lago_id

    downgraded = client.subscriptions.create(
        Subscription(external_customer_id="cust-1", plan_code="cheap", external_id="sub-1")
    )
    assert (downgraded.plan_code, downgraded.next_plan_code) == ("premium", "cheap")
    assert downgraded.downgrade_plan_date is not None

    active = client.subscriptions.find_all({"external_customer_id": "cust-1"})["subscriptions"]
    assert [s.plan_code for s in active] == ["premium"]
    assert client.subscriptions.update(Subscription(name="Renamed"), "sub-1").name == "Renamed"

    terminated = client.subscriptions.destroy("sub-1")
    assert terminated.status == "terminated" and terminated.terminated_at is not None

    auto = client.subscriptions.create(
        Subscription(external_customer_id="cust-new", plan_code="basic", external_id="sub-2")
    )
    assert auto.external_customer_id == "cust-new"
    assert client.customers.find("cust-new").currency == "EUR"

    # Another organization sees none of it and can change none of it.
    for call in (
        lambda: other_client.customers.find("cust-1"),
        lambda: other_client.billable_metrics.find("api_calls"),
        lambda: other_client.plans.find("basic"),
        lambda: other_client.subscriptions.find("sub-2"),
        lambda: other_client.subscriptions.destroy("sub-2"),
        lambda: other_client.plans.destroy("basic"),
    ):
        with pytest.raises(LagoApiError) as error:
            call()
        assert error.value.status_code == 404
    assert client.subscriptions.find("sub-2").status == "active"

    # A plan with a live subscription cannot be deleted; a plan nobody subscribed to can.
    with pytest.raises(LagoApiError) as refused:
        client.plans.destroy("basic")
    assert refused.value.status_code == 405
    unused = make_plan(client, "unused", 100, metric.lago_id)
    assert client.plans.destroy("unused").lago_id == unused.lago_id
    with pytest.raises(LagoApiError) as gone:
        client.plans.find("unused")
    assert gone.value.status_code == 404


def test_validation_errors_reach_the_client_as_lago_api_errors(client):
    with pytest.raises(LagoApiError) as error:
        client.customers.create(Customer(external_id="bad", currency="ZZZ"))
    assert error.value.status_code == 422
    assert "currency" in error.value.response["error_details"]
