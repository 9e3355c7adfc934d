import pytest

from customers.models import Customer
from plans.models import Subscription
from tests.factories.subscriptions import SubscriptionCustomerFactory
from tests.subscriptions.conftest import parsed, subscribe

pytestmark = pytest.mark.django_db


def test_create_subscribes_an_unknown_customer_after_creating_it(api, organization, plans):
    response = subscribe(api, external_customer_id="cust_new", plan_code="basic", external_id="sub_1", name="Main")

    assert response.status_code == 200
    body = parsed(response)
    customer = Customer.objects.get(organization=organization, external_id="cust_new")
    subscription = Subscription.objects.get(organization=organization, external_id="sub_1")
    assert customer.currency == "USD"
    assert body["lago_id"] == str(subscription.id)
    assert body["lago_customer_id"] == str(customer.id)
    assert body["external_customer_id"] == "cust_new"
    assert (body["name"], body["plan_code"], body["status"]) == ("Main", "basic", "active")
    assert body["billing_time"] == "calendar"
    assert (body["plan_amount_cents"], body["plan_amount_currency"]) == (1000, "USD")
    assert body["subscription_at"] == body["started_at"] == body["created_at"] == "2026-03-15T10:30:00Z"
    assert body["current_billing_period_started_at"] == "2026-03-15T10:30:00Z"
    assert body["current_billing_period_ending_at"] == "2026-04-01T00:00:00Z"
    for key in ("ending_at", "terminated_at", "canceled_at", "trial_ended_at", "previous_plan_code", "next_plan_code",
                "downgrade_plan_date"):  # fmt: skip
        assert body[key] is None, key


def test_an_existing_customer_is_reused(api, organization, plans, customer):
    body = parsed(subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1"))

    assert body["lago_customer_id"] == str(customer.id)
    assert Customer.objects.filter(organization=organization).count() == 1


def test_a_backdated_anniversary_subscription_is_active_in_its_current_period(api, plans):
    body = parsed(
        subscribe(
            api,
            external_customer_id="cust_1",
            plan_code="basic",
            external_id="sub_1",
            billing_time="anniversary",
            subscription_at="2026-01-31T08:00:00Z",
        )
    )

    assert (body["status"], body["billing_time"]) == ("active", "anniversary")
    assert body["subscription_at"] == body["started_at"] == "2026-01-31T08:00:00Z"
    assert body["current_billing_period_started_at"] == "2026-02-28T00:00:00Z"
    assert body["current_billing_period_ending_at"] == "2026-03-31T00:00:00Z"


def test_the_period_follows_the_customers_timezone(api, organization, plans):
    SubscriptionCustomerFactory(organization=organization, external_id="cust_paris", timezone="Europe/Paris")

    body = parsed(
        subscribe(
            api, external_customer_id="cust_paris", plan_code="basic", external_id="sub_1", subscription_at="2026-02-01"
        )
    )

    # March 2026 in Paris: from 00:00 CET on the 1st to 00:00 CEST on April 1st.
    assert body["current_billing_period_started_at"] == "2026-02-28T23:00:00Z"
    assert body["current_billing_period_ending_at"] == "2026-03-31T22:00:00Z"


def test_a_future_subscription_is_pending_without_a_period(api, plans):
    body = parsed(
        subscribe(
            api,
            external_customer_id="cust_1",
            plan_code="basic",
            external_id="sub_1",
            subscription_at="2026-04-10T00:00:00+02:00",
            ending_at="2027-04-10T00:00:00Z",
        )
    )

    assert body["status"] == "pending"
    assert body["subscription_at"] == "2026-04-09T22:00:00Z"
    assert body["ending_at"] == "2027-04-10T00:00:00Z"
    assert body["started_at"] is None
    assert body["current_billing_period_started_at"] is None
    assert body["current_billing_period_ending_at"] is None


def test_reposting_the_same_plan_returns_the_subscription_unchanged(api, plans):
    first = parsed(subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1", name="A"))

    again = subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1", name="B")

    assert again.status_code == 200
    assert parsed(again) == first
    assert Subscription.objects.count() == 1


def test_a_customer_in_another_currency_is_refused_and_nothing_is_written(api, organization, plans):
    SubscriptionCustomerFactory(organization=organization, external_id="cust_eur", currency="EUR")

    response = subscribe(api, external_customer_id="cust_eur", plan_code="basic", external_id="sub_1")

    assert response.status_code == 422
    assert response.json()["error_details"] == {"currency": ["currencies_does_not_match"]}
    assert not Subscription.objects.exists()


def test_the_external_id_of_another_customers_subscription_is_refused(api, plans):
    subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1")

    response = subscribe(api, external_customer_id="cust_2", plan_code="premium", external_id="sub_1")

    assert response.status_code == 422
    assert response.json()["error_details"] == {"external_id": ["value_already_exist"]}
    assert not Customer.objects.filter(external_id="cust_2").exists()
    assert Subscription.objects.get().plan.code == "basic"


def test_an_unknown_plan_is_not_found_and_the_customer_is_not_created(api, plans):
    response = subscribe(api, external_customer_id="cust_new", plan_code="gold", external_id="sub_1")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found", "code": "plan_not_found"}
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({"billing_time": "weekly"}, {"billing_time": ["value_is_invalid"]}),
        ({"subscription_at": "yesterday"}, {"subscription_at": ["invalid_date"]}),
        ({"subscription_at": "2026-02-30T00:00:00Z"}, {"subscription_at": ["invalid_date"]}),
        ({"subscription_at": 1773570600}, {"subscription_at": ["invalid_date"]}),
        ({"ending_at": "2026-13-01"}, {"ending_at": ["invalid_date"]}),
        ({"subscription_at": "2026-05-01", "ending_at": "2026-04-01"}, {"ending_at": ["invalid_date"]}),
        ({"subscription_at": "2026-01-01", "ending_at": "2026-03-01"}, {"ending_at": ["invalid_date"]}),
        ({"plan_code": None}, {"plan_code": ["value_is_mandatory"]}),
        ({"external_id": ""}, {"external_id": ["value_is_mandatory"]}),
        ({"external_customer_id": 42}, {"external_customer_id": ["invalid_type"]}),
    ],
)
def test_bad_input_is_refused_field_by_field_and_writes_nothing(api, plans, fields, details):
    payload = {"external_customer_id": "cust_new", "plan_code": "basic", "external_id": "sub_1", **fields}

    response = subscribe(api, **payload)

    assert response.status_code == 422
    assert response.json()["error_details"] == details
    assert not Customer.objects.exists()
    assert not Subscription.objects.exists()


def test_a_body_without_the_subscription_envelope_is_refused(api, plans):
    response = api.post("/api/v1/subscriptions", {"plan_code": "basic"}, format="json")

    assert response.status_code == 422
    assert response.json()["error_details"] == {"subscription": ["value_is_mandatory"]}
