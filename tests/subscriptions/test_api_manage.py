from datetime import UTC, datetime

import pytest

from plans.models import Subscription
from tests.factories.subscriptions import SubscriptionCustomerFactory
from tests.subscriptions.conftest import parsed, subscribe

pytestmark = pytest.mark.django_db


def update(client, external_id: str, params: dict | None = None, **subscription):
    url = f"/api/v1/subscriptions/{external_id}"
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return client.put(url, {"subscription": subscription}, format="json")


@pytest.fixture
def active(api, plans) -> dict:
    return parsed(subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1", name="Main"))


@pytest.fixture
def future(api, plans) -> dict:
    return parsed(
        subscribe(
            api,
            external_customer_id="cust_1",
            plan_code="basic",
            external_id="sub_future",
            subscription_at="2026-05-01",
        )
    )


def test_get_returns_the_active_subscription_else_the_pending_one(api, active, future):
    assert parsed(api.get("/api/v1/subscriptions/sub_1"))["lago_id"] == active["lago_id"]
    assert parsed(api.get("/api/v1/subscriptions/sub_future"))["lago_id"] == future["lago_id"]
    assert api.get("/api/v1/subscriptions/sub_1", {"status": "pending"}).status_code == 404
    assert api.get("/api/v1/subscriptions/sub_1", {"status": "finished"}).json()["error_details"] == {
        "status": ["value_is_invalid"]
    }
    assert api.get("/api/v1/subscriptions/nope").json() == {
        "status": 404,
        "error": "Not Found",
        "code": "subscription_not_found",
    }


def test_update_renames_and_sets_then_clears_the_end_date(api, active):
    body = parsed(update(api, "sub_1", name="Renamed", ending_at="2026-12-31T23:00:00Z"))
    assert (body["name"], body["ending_at"]) == ("Renamed", "2026-12-31T23:00:00Z")

    body = parsed(update(api, "sub_1", ending_at=None))
    assert (body["name"], body["ending_at"]) == ("Renamed", None)


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({"ending_at": "2026-03-01T00:00:00Z"}, {"ending_at": ["invalid_date"]}),
        ({"ending_at": "someday"}, {"ending_at": ["invalid_date"]}),
        ({"name": ["x"]}, {"name": ["invalid_type"]}),
    ],
)
def test_update_refuses_bad_values_and_changes_nothing(api, active, fields, details):
    response = update(api, "sub_1", **fields)

    assert response.status_code == 422
    assert response.json()["error_details"] == details
    assert parsed(api.get("/api/v1/subscriptions/sub_1")) == active


def test_the_start_of_a_started_subscription_cannot_move(api, active):
    response = update(api, "sub_1", subscription_at="2026-03-01T00:00:00Z")

    assert response.status_code == 405
    assert response.json()["code"] == "subscription_not_pending"


def test_a_pending_subscription_can_move_its_start_and_starts_when_moved_into_the_past(api, future):
    body = parsed(update(api, "sub_future", subscription_at="2026-06-01T00:00:00Z"))
    assert (body["status"], body["subscription_at"]) == ("pending", "2026-06-01T00:00:00Z")

    response = update(api, "sub_future", subscription_at="2026-06-01T00:00:00Z", ending_at="2026-05-01T00:00:00Z")
    assert response.json()["error_details"] == {"ending_at": ["invalid_date"]}

    body = parsed(update(api, "sub_future", subscription_at="2026-03-01T00:00:00Z"))
    assert (body["status"], body["started_at"]) == ("active", "2026-03-01T00:00:00Z")
    assert body["current_billing_period_started_at"] == "2026-03-01T00:00:00Z"


def test_the_date_of_a_pending_downgrade_is_fixed(api, active):
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")

    response = update(api, "sub_1", {"status": "pending"}, subscription_at="2026-05-01T00:00:00Z")

    assert response.status_code == 405
    assert response.json()["code"] == "pending_plan_change_date_is_fixed"


def test_delete_terminates_the_active_subscription_and_its_pending_downgrade(api, active):
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")

    body = parsed(api.delete("/api/v1/subscriptions/sub_1"))

    assert (body["lago_id"], body["status"]) == (active["lago_id"], "terminated")
    assert body["terminated_at"] == "2026-03-15T10:30:00Z"
    assert (body["next_plan_code"], body["current_billing_period_started_at"]) == (None, None)
    assert sorted(Subscription.objects.values_list("plan__code", "status")) == [
        ("basic", "terminated"),
        ("starter", "canceled"),
    ]
    assert api.delete("/api/v1/subscriptions/sub_1").status_code == 404
    refused = api.delete("/api/v1/subscriptions/sub_1?status=terminated")
    assert (refused.status_code, refused.json()["code"]) == (405, "subscription_not_active")
    assert api.put("/api/v1/subscriptions/sub_1?status=terminated", {"subscription": {"name": "x"}}).status_code == 405


def test_delete_with_status_pending_cancels_a_subscription_that_has_not_started(api, future):
    assert api.delete("/api/v1/subscriptions/sub_future").status_code == 404

    body = parsed(api.delete("/api/v1/subscriptions/sub_future?status=pending"))

    assert (body["status"], body["canceled_at"]) == ("canceled", "2026-03-15T10:30:00Z")
    assert api.get("/api/v1/subscriptions/sub_future").status_code == 404


def test_list_shows_active_subscriptions_unless_statuses_are_asked(api, organization, plans, active, future):
    SubscriptionCustomerFactory(organization=organization, external_id="cust_2")
    subscribe(api, external_customer_id="cust_2", plan_code="premium", external_id="sub_2")
    subscribe(api, external_customer_id="cust_2", plan_code="starter", external_id="sub_3")
    api.delete("/api/v1/subscriptions/sub_3")

    def listed(**params) -> list[str]:
        response = api.get("/api/v1/subscriptions", params)
        assert response.status_code == 200
        return [parsed_item["external_id"] for parsed_item in response.json()["subscriptions"]]

    assert listed() == ["sub_2", "sub_1"]
    assert listed(external_customer_id="cust_2") == ["sub_2"]
    assert listed(plan_code="basic") == ["sub_1"]
    assert listed(**{"status[]": ["pending", "terminated"]}) == ["sub_3", "sub_future"]
    assert listed(**{"status[]": ["active", "pending"], "external_customer_id": "cust_1"}) == ["sub_future", "sub_1"]
    assert listed(external_customer_id="unknown") == []


def test_list_is_paginated_in_lagos_shape(api, plans):
    for number in range(3):
        subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id=f"sub_{number}")

    body = api.get("/api/v1/subscriptions", {"per_page": 2, "page": 2}).json()

    assert [item["external_id"] for item in body["subscriptions"]] == ["sub_0"]
    assert body["meta"] == {"current_page": 2, "next_page": None, "prev_page": 1, "total_pages": 2, "total_count": 3}


def test_list_refuses_an_unknown_status(api, plans):
    response = api.get("/api/v1/subscriptions", {"status[]": ["active", "paused"]})

    assert response.status_code == 422
    assert response.json()["error_details"] == {"status.1": ["value_is_invalid"]}


def test_listing_takes_a_fixed_number_of_queries(api, plans, django_assert_max_num_queries):
    for number in range(6):
        subscribe(api, external_customer_id=f"cust_{number}", plan_code="basic", external_id=f"sub_{number}")
        subscribe(api, external_customer_id=f"cust_{number}", plan_code="starter", external_id=f"sub_{number}")

    with django_assert_max_num_queries(6):
        body = api.get("/api/v1/subscriptions").json()

    assert len(body["subscriptions"]) == 6
    assert {item["next_plan_code"] for item in body["subscriptions"]} == {"starter"}


def test_renaming_a_due_downgrade_leaves_its_takeover_to_the_schedule(api, active, clock):
    subscribe(api, external_customer_id="cust_1", plan_code="starter", external_id="sub_1")
    clock.at = datetime(2026, 4, 1, 0, 5, tzinfo=UTC)

    body = parsed(update(api, "sub_1", {"status": "pending"}, name="Cheaper"))

    assert (body["name"], body["status"], body["plan_code"]) == ("Cheaper", "pending", "starter")
    assert parsed(api.get("/api/v1/subscriptions/sub_1"))["plan_code"] == "basic"
