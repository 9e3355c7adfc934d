from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import connection

from billing.errors import ValidationFailed
from plans.models import Subscription
from plans.services.subscriptions import subscription_create, subscriptions_activate_due
from tests.factories.subscriptions import PlanFactory, SubscriptionCustomerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # `make test` runs on PostgreSQL, where these races are real; SQLite's shared in-memory test database locks
    # whole tables, so there the race cannot be staged.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level races need PostgreSQL"),
]


def in_threads(function, count: int) -> list:
    def run(index):
        try:
            return function(index)
        except ValidationFailed as exc:
            return exc.details
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_posts_of_a_new_external_id_make_one_subscription(organization):
    PlanFactory(organization=organization, code="basic")

    results = in_threads(
        lambda _: (
            subscription_create(
                organization=organization, external_customer_id="cust_1", plan_code="basic", external_id="sub_1"
            ).pk
        ),
        count=4,
    )

    subscription = Subscription.objects.get()
    assert results == [subscription.pk] * 4


def test_concurrent_posts_for_different_customers_leave_one_owner(organization):
    PlanFactory(organization=organization, code="basic")
    for index in range(4):
        SubscriptionCustomerFactory(organization=organization, external_id=f"cust_{index}", currency="USD")

    results = in_threads(
        lambda index: (
            subscription_create(
                organization=organization, external_customer_id=f"cust_{index}", plan_code="basic", external_id="sub_1"
            ).pk
        ),
        count=4,
    )

    subscription = Subscription.objects.get()
    assert results.count(subscription.pk) == 1
    assert results.count({"external_id": ["value_already_exist"]}) == 3


def test_concurrent_runs_activate_a_due_subscription_once(organization):
    PlanFactory(organization=organization, code="basic")
    pending = subscription_create(
        organization=organization,
        external_customer_id="cust_1",
        plan_code="basic",
        external_id="sub_1",
        subscription_at=datetime(2100, 1, 1, tzinfo=UTC),
    )

    results = in_threads(lambda _: subscriptions_activate_due(at=pending.subscription_at).activated, count=4)

    assert sum(results) == 1
    pending.refresh_from_db()
    assert pending.status == Subscription.Status.ACTIVE
