from datetime import UTC, datetime

import pytest

from plans.models import Subscription
from plans.services.subscriptions import DueTransitions, subscriptions_activate_due
from plans.tasks import activate_due_subscriptions
from tests.subscriptions.conftest import parsed, subscribe

pytestmark = pytest.mark.django_db


def statuses() -> dict[str, str]:
    return dict(Subscription.objects.values_list("external_id", "status"))


def test_a_future_subscription_starts_on_its_date(api, plans):
    subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1", subscription_at="2026-04-10")

    assert subscriptions_activate_due(at=datetime(2026, 4, 9, 23, tzinfo=UTC)) == DueTransitions(0, 0, 0)
    assert subscriptions_activate_due(at=datetime(2026, 4, 10, tzinfo=UTC)) == DueTransitions(1, 0, 0)

    subscription = Subscription.objects.get()
    assert (subscription.status, subscription.started_at) == ("active", datetime(2026, 4, 10, tzinfo=UTC))


def test_a_subscription_ends_at_its_ending_at_and_a_rerun_changes_nothing(api, plans):
    subscribe(
        api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1", ending_at="2026-03-20T12:00:00Z"
    )
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_2")

    later = datetime(2026, 3, 21, tzinfo=UTC)
    assert subscriptions_activate_due(at=later) == DueTransitions(activated=0, terminated=1, canceled=0)
    assert subscriptions_activate_due(at=later) == DueTransitions(0, 0, 0)

    assert statuses() == {"sub_1": "terminated", "sub_2": "active"}
    assert Subscription.objects.get(external_id="sub_1").terminated_at == datetime(2026, 3, 20, 12, tzinfo=UTC)


def test_a_downgrade_never_starts_when_its_subscription_ended_first(api, plans):
    subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1")
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")
    # The end date moves before the downgrade's date after the downgrade was asked for.
    api.put("/api/v1/subscriptions/sub_1", {"subscription": {"ending_at": "2026-03-25T00:00:00Z"}})

    assert subscriptions_activate_due(at=datetime(2026, 4, 2, tzinfo=UTC)) == DueTransitions(0, 1, 1)
    assert sorted(Subscription.objects.values_list("plan__code", "status")) == [
        ("basic", "terminated"),
        ("starter", "canceled"),
    ]


def test_the_celery_task_runs_the_transitions_due_now(api, plans, clock):
    subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1", subscription_at="2026-04-10")
    clock.at = datetime(2026, 4, 10, 1, tzinfo=UTC)

    assert activate_due_subscriptions.apply().get() == {
        "activated": 1,
        "terminated": 0,
        "canceled": 0,
        "trials_ended": 0,
    }
    assert statuses() == {"sub_1": "active"}


def test_deleting_a_customer_ends_its_subscriptions(api, organization, plans, customer):
    subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_active")
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_active")
    subscribe(
        api, external_customer_id="cust_1", plan_code="basic", external_id="sub_future", subscription_at="2026-06-01"
    )
    subscribe(api, external_customer_id="cust_other", plan_code="basic", external_id="sub_other")

    assert api.delete("/api/v1/customers/cust_1").status_code == 200

    assert sorted(Subscription.objects.values_list("external_id", "plan__code", "status")) == [
        ("sub_active", "basic", "terminated"),
        ("sub_active", "starter", "canceled"),
        ("sub_future", "basic", "canceled"),
        ("sub_other", "basic", "active"),
    ]
    terminated = parsed(api.get("/api/v1/subscriptions/sub_active", {"status": "terminated"}))
    assert terminated["terminated_at"] == "2026-03-15T10:30:00Z"
