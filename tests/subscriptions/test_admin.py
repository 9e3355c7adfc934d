import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from billing.services import organization_member_set
from plans.models import Subscription
from tests.factories.subscriptions import SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.fixture
def subscriptions(organization):
    return {
        "active": SubscriptionFactory(organization=organization, external_id="sub_active", customer__external_id="c1"),
        "pending": SubscriptionFactory(
            organization=organization, external_id="sub_pending", status=Subscription.Status.PENDING
        ),
    }


def test_the_changelist_searches_and_filters(admin_client, subscriptions):
    page = admin_client.get("/admin/plans/subscription/", {"q": "c1"}).content.decode()
    assert "sub_active" in page and "sub_pending" not in page

    page = admin_client.get("/admin/plans/subscription/", {"status__exact": "pending"}).content.decode()
    assert "sub_pending" in page and "sub_active" not in page

    detail = admin_client.get(f"/admin/plans/subscription/{subscriptions['active'].pk}/change/")
    assert detail.status_code == 200 and "sub_active" in detail.content.decode()


@pytest.mark.parametrize(
    ("action", "target", "status"),
    [("terminate", "active", "terminated"), ("cancel_pending", "pending", "canceled")],
)
def test_actions_call_the_lifecycle_services(admin_client, subscriptions, action, target, status):
    subscription = subscriptions[target]
    response = admin_client.post(
        "/admin/plans/subscription/", {"action": action, "_selected_action": [subscription.pk]}, follow=True
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == status


def test_an_action_refused_by_the_lifecycle_is_reported(admin_client, subscriptions):
    response = admin_client.post(
        "/admin/plans/subscription/",
        {"action": "terminate", "_selected_action": [subscriptions["pending"].pk]},
        follow=True,
    )

    assert "subscription_not_active" in response.content.decode()
    subscriptions["pending"].refresh_from_db()
    assert subscriptions["pending"].status == Subscription.Status.PENDING


def test_the_customer_page_lists_its_subscriptions(admin_client, subscriptions):
    customer = subscriptions["active"].customer

    page = admin_client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()

    assert "sub_active" in page and "sub_pending" not in page


def test_a_staff_member_sees_only_the_subscriptions_of_its_organization(client, organization, other_organization):
    user = get_user_model().objects.create_user("finance", "f@example.com", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_subscription"))
    organization_member_set(user=user, organization=organization)
    client.force_login(user)
    SubscriptionFactory(organization=organization, external_id="sub_acme", plan__code="acme_plan")
    other = SubscriptionFactory(organization=other_organization, external_id="sub_globex", plan__code="globex_plan")

    page = client.get("/admin/plans/subscription/").content.decode()

    assert "sub_acme" in page and "acme_plan" in page
    assert "sub_globex" not in page and "globex_plan" not in page
    assert client.get(f"/admin/plans/subscription/{other.pk}/change/").status_code in (302, 404)
