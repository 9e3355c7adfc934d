"""The official lago-python-client reads current usage from a live server, after sending the events itself."""

import time

import pytest
from lago_python_client.client import Client
from lago_python_client.exceptions import LagoApiError
from lago_python_client.models import BillableMetric, Charge, Plan, Subscription
from lago_python_client.models.charge import Charges
from lago_python_client.models.event import Event

from tests.factories.billing import OrganizationFactory, issue_key

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client(live_server) -> Client:
    return Client(api_key=issue_key(OrganizationFactory(name="Usage Co")), api_url=live_server.url + "/")


def test_current_usage_through_the_official_client(client, live_server):
    metric = client.billable_metrics.create(
        BillableMetric(name="Calls", code="calls", aggregation_type="sum_agg", field_name="count")
    )
    client.plans.create(
        Plan(
            name="Metered",
            code="metered",
            interval="monthly",
            amount_cents=1000,
            amount_currency="EUR",
            charges=Charges(
                __root__=[
                    Charge(
                        billable_metric_id=metric.lago_id,
                        charge_model="package",
                        properties={"amount": "5", "package_size": 10, "free_units": 5},
                    )
                ]
            ),
        )
    )
    client.subscriptions.create(Subscription(external_customer_id="cust_1", plan_code="metered", external_id="sub_1"))
    now = int(time.time())
    for number, count in enumerate([7, 9]):
        client.events.create(
            Event(
                transaction_id=f"t{number}",
                external_subscription_id="sub_1",
                code="calls",
                timestamp=now,
                properties={"count": count},
            )
        )

    usage = client.customers.current_usage("cust_1", "sub_1")

    # 16 units - 5 free = 11 -> 2 started packages of 10 x 5.00
    assert (usage.currency, usage.amount_cents, usage.total_amount_cents) == ("EUR", 1000, 1000)
    [charge] = usage.charges_usage
    assert (charge.units, charge.events_count, charge.billable_metric.code) == ("16", 2, "calls")
    with pytest.raises(LagoApiError) as refused:
        client.customers.current_usage("cust_1", "no_such_subscription")
    assert refused.value.status_code == 404
