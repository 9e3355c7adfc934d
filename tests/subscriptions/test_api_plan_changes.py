from datetime import UTC, datetime

import pytest

from plans.models import Subscription
from plans.services.subscriptions import DueTransitions, subscriptions_activate_due
from tests.factories.subscriptions import PlanFactory
from tests.subscriptions.conftest import parsed, subscribe

pytestmark = pytest.mark.django_db

PERIOD_END = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def on_basic(api, plans) -> dict:
    return parsed(
        subscribe(
            api,
            external_customer_id="cust_1",
            plan_code="basic",
            external_id="sub_1",
            name="Main",
            subscription_at="2026-01-10T09:00:00Z",
        )
    )


def rows() -> list[tuple[str, str]]:
    return [(s.plan.code, s.status) for s in Subscription.objects.order_by("created_at")]


def test_an_upgrade_terminates_the_current_subscription_and_starts_the_new_plan_now(api, on_basic):
    response = subscribe(api, external_customer_id="cust_1", plan_code="premium", external_id="sub_1")

    assert response.status_code == 200
    body = parsed(response)
    assert (body["plan_code"], body["status"], body["previous_plan_code"]) == ("premium", "active", "basic")
    assert body["lago_id"] != on_basic["lago_id"]
    assert body["name"] == "Main"
    assert body["subscription_at"] == "2026-01-10T09:00:00Z"
    assert body["started_at"] == "2026-03-15T10:30:00Z"
    assert body["current_billing_period_started_at"] == "2026-03-15T10:30:00Z"
    assert body["current_billing_period_ending_at"] == "2026-04-01T00:00:00Z"
    old = parsed(api.get("/api/v1/subscriptions/sub_1", {"status": "terminated"}))
    assert (old["lago_id"], old["terminated_at"]) == (on_basic["lago_id"], "2026-03-15T10:30:00Z")
    assert rows() == [("basic", "terminated"), ("premium", "active")]


def test_a_plan_with_the_same_yearly_amount_is_an_upgrade(api, organization, on_basic):
    PlanFactory(organization=organization, code="basic_yearly", amount_cents=12000, interval="yearly")

    body = parsed(subscribe(api, external_customer_id="cust_1", plan_code="basic_yearly", external_id="sub_1"))

    assert (body["plan_code"], body["status"]) == ("basic_yearly", "active")
    assert body["current_billing_period_ending_at"] == "2027-01-01T00:00:00Z"


def test_a_downgrade_waits_for_the_end_of_the_current_period(api, on_basic):
    response = subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")

    assert response.status_code == 200
    body = parsed(response)
    assert body["lago_id"] == on_basic["lago_id"]
    assert (body["plan_code"], body["status"]) == ("basic", "active")
    assert (body["next_plan_code"], body["downgrade_plan_date"]) == ("starter", "2026-04-01")
    pending = parsed(api.get("/api/v1/subscriptions/sub_1", {"status": "pending"}))
    assert (pending["plan_code"], pending["previous_plan_code"]) == ("starter", "basic")
    assert pending["subscription_at"] == "2026-04-01T00:00:00Z"
    assert pending["started_at"] is None
    assert rows() == [("basic", "active"), ("starter", "pending")]


def test_a_yearly_plan_cheaper_per_year_is_a_downgrade(api, on_basic):
    body = parsed(subscribe(api, external_customer_id="cust_1", plan_code="yearly_saver", external_id="sub_1"))

    assert (body["plan_code"], body["next_plan_code"]) == ("basic", "yearly_saver")


def test_a_new_downgrade_replaces_the_pending_one_and_reposting_it_changes_nothing(api, plans, on_basic):
    PlanFactory(organization=plans["basic"].organization, code="mini", amount_cents=300)
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")

    body = parsed(subscribe(api, external_customer_id="cust_1", plan_code="mini", external_id="sub_1"))
    parsed(subscribe(api, external_customer_id="cust_1", plan_code="mini", external_id="sub_1"))

    assert body["next_plan_code"] == "mini"
    assert rows() == [("basic", "active"), ("starter", "canceled"), ("mini", "pending")]


def test_an_upgrade_cancels_a_pending_downgrade(api, on_basic):
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")

    body = parsed(subscribe(api, external_customer_id="cust_1", plan_code="premium", external_id="sub_1"))

    assert (body["plan_code"], body["next_plan_code"]) == ("premium", None)
    assert rows() == [("basic", "terminated"), ("starter", "canceled"), ("premium", "active")]


def test_the_downgrade_takes_over_when_the_period_ends(api, on_basic):
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")

    assert subscriptions_activate_due(at=datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == DueTransitions(0, 0, 0)
    assert subscriptions_activate_due(at=PERIOD_END) == DueTransitions(activated=1, terminated=0, canceled=0)
    assert subscriptions_activate_due(at=PERIOD_END) == DueTransitions(0, 0, 0)

    body = parsed(api.get("/api/v1/subscriptions/sub_1"))
    assert (body["plan_code"], body["status"], body["previous_plan_code"]) == ("starter", "active", "basic")
    assert body["started_at"] == "2026-04-01T00:00:00Z"
    assert body["subscription_at"] == "2026-01-10T09:00:00Z"
    old = parsed(api.get("/api/v1/subscriptions/sub_1", {"status": "terminated"}))
    assert (old["plan_code"], old["terminated_at"], old["next_plan_code"]) == ("basic", "2026-04-01T00:00:00Z", None)


def test_an_anniversary_downgrade_on_the_31st_keeps_its_day(api, plans, clock):
    subscribe(
        api,
        external_customer_id="cust_1",
        plan_code="basic",
        external_id="sub_1",
        billing_time="anniversary",
        subscription_at="2026-01-31T08:00:00Z",
    )
    body = parsed(subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1"))
    assert body["downgrade_plan_date"] == "2026-03-31"

    clock.at = datetime(2026, 4, 2, tzinfo=UTC)
    subscriptions_activate_due(at=clock.at)

    body = parsed(api.get("/api/v1/subscriptions/sub_1"))
    assert (body["plan_code"], body["started_at"]) == ("starter", "2026-03-31T00:00:00Z")
    assert body["current_billing_period_started_at"] == "2026-03-31T00:00:00Z"
    assert body["current_billing_period_ending_at"] == "2026-04-30T00:00:00Z"
    clock.at = datetime(2026, 5, 15, tzinfo=UTC)
    assert parsed(api.get("/api/v1/subscriptions/sub_1"))["current_billing_period_ending_at"] == "2026-05-31T00:00:00Z"


def test_a_pending_subscription_just_switches_plan(api, plans):
    first = parsed(
        subscribe(
            api, external_customer_id="cust_1", plan_code="premium", external_id="sub_1", subscription_at="2026-05-01"
        )
    )

    body = parsed(subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1"))

    assert body["lago_id"] == first["lago_id"]
    assert (body["plan_code"], body["status"], body["previous_plan_code"]) == ("starter", "pending", None)
    assert rows() == [("starter", "pending")]


def test_a_plan_change_to_another_currency_is_refused(api, on_basic):
    response = subscribe(api, external_customer_id="cust_1", plan_code="basic_eur", external_id="sub_1")

    assert response.status_code == 422
    assert response.json()["error_details"] == {"currency": ["currencies_does_not_match"]}
    assert rows() == [("basic", "active")]


def test_a_downgrade_that_would_start_after_the_end_date_is_refused(api, on_basic):
    api.put("/api/v1/subscriptions/sub_1", {"subscription": {"ending_at": "2026-03-20T00:00:00Z"}}, format="json")

    response = subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")

    assert response.status_code == 422
    assert response.json()["error_details"] == {"ending_at": ["invalid_date"]}
    assert rows() == [("basic", "active")]
