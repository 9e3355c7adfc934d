import pytest

from plans.models import Subscription
from tests.factories.subscriptions import PlanFactory
from tests.subscriptions.conftest import parsed, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_subscription(api, plans) -> dict:
    return parsed(subscribe(api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1", name="Acme's"))


def test_another_organization_cannot_see_or_change_a_subscription(other_api, api, acme_subscription):
    assert other_api.get("/api/v1/subscriptions/sub_1").status_code == 404
    assert other_api.put("/api/v1/subscriptions/sub_1", {"subscription": {"name": "Hijacked"}}).status_code == 404
    assert other_api.delete("/api/v1/subscriptions/sub_1").status_code == 404
    assert other_api.get("/api/v1/subscriptions").json()["subscriptions"] == []
    assert parsed(api.get("/api/v1/subscriptions/sub_1")) == acme_subscription


def test_the_same_external_id_in_another_organization_is_its_own_subscription(
    other_api, api, other_organization, acme_subscription
):
    PlanFactory(organization=other_organization, code="basic", amount_cents=4200, currency="EUR")

    body = parsed(subscribe(other_api, external_customer_id="cust_1", plan_code="basic", external_id="sub_1"))

    assert body["lago_id"] != acme_subscription["lago_id"]
    assert body["lago_customer_id"] != acme_subscription["lago_customer_id"]
    assert (body["plan_amount_cents"], body["plan_amount_currency"]) == (4200, "EUR")
    assert parsed(api.get("/api/v1/subscriptions/sub_1")) == acme_subscription
    assert Subscription.objects.filter(external_id="sub_1", status="active").count() == 2


def test_another_organization_cannot_subscribe_to_a_plan_it_does_not_own(other_api, acme_subscription):
    response = subscribe(other_api, external_customer_id="cust_x", plan_code="premium", external_id="sub_x")

    assert response.status_code == 404
    assert response.json()["code"] == "plan_not_found"
    assert not Subscription.objects.filter(external_id="sub_x").exists()
