import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from billing.services import organization_member_set
from customers.models import Customer
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:customers_customer_changelist")
ADD = reverse("admin:customers_customer_add")


def _inline_management_data(client) -> dict:
    """Empty management forms of every inline on the add page (apps above may add inlines to CustomerAdmin)."""
    page = client.get(ADD)
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{name}": value for name, value in management.initial.items()})
    return data


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.test", "pw"))
    return client


@pytest.fixture
def two_customers(organization, other_organization):
    return (
        CustomerFactory(organization=organization, external_id="ours", name="Ours Ltd"),
        CustomerFactory(organization=other_organization, external_id="theirs", name="Theirs Ltd"),
    )


def test_changelist_change_page_and_search_render(superuser_client, two_customers):
    ours, _theirs = two_customers

    assert superuser_client.get(CHANGELIST).status_code == 200
    assert superuser_client.get(reverse("admin:customers_customer_change", args=[ours.pk])).status_code == 200
    search = superuser_client.get(CHANGELIST, {"q": "ours"})
    assert search.status_code == 200
    assert list(search.context["cl"].result_list) == [ours]
    assert superuser_client.get(CHANGELIST, {"deleted": "no", "currency": "USD"}).status_code == 200


def test_hard_delete_is_not_offered(superuser_client, two_customers):
    response = superuser_client.get(CHANGELIST)

    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "soft_delete" in actions
    assert "delete_selected" not in actions


def test_soft_delete_action_calls_the_service(superuser_client, two_customers):
    ours, theirs = two_customers

    response = superuser_client.post(CHANGELIST, {"action": "soft_delete", "_selected_action": [str(ours.pk)]})

    assert response.status_code == 302
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.deleted_at is not None
    assert theirs.deleted_at is None


def test_add_through_the_admin_allocates_the_sequence(superuser_client, organization):
    CustomerFactory(organization=organization, external_id="existing")

    response = superuser_client.post(
        ADD,
        {
            **_inline_management_data(superuser_client),
            "organization": str(organization.pk),
            "external_id": "from_admin",
            "name": "Admin Made",
            "currency": "EUR",
            "metadata-TOTAL_FORMS": "1",
            "metadata-0-key": "source",
            "metadata-0-value": "admin",
        },
    )

    assert response.status_code == 302, response.context["errors"]
    created = Customer.objects.get(external_id="from_admin")
    assert created.sequential_id == 2
    assert created.slug == "acme-002"
    assert created.currency == "EUR"
    assert [(m.key, m.value) for m in created.metadata.all()] == [("source", "admin")]


def test_admin_form_refuses_an_invalid_currency(superuser_client, organization):
    response = superuser_client.post(
        ADD,
        {
            **_inline_management_data(superuser_client),
            "organization": str(organization.pk),
            "external_id": "bad",
            "currency": "ZZZ",
        },
    )

    assert response.status_code == 200
    assert "currency" in response.context["adminform"].form.errors
    assert not Customer.objects.filter(external_id="bad").exists()


def test_staff_member_sees_only_its_organizations_customers(client, organization, two_customers):
    ours, theirs = two_customers
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["view_customer", "change_customer"]
        )
    )
    organization_member_set(user=staff, organization=organization)
    client.force_login(staff)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [ours]
    assert client.get(reverse("admin:customers_customer_change", args=[theirs.pk])).status_code == 302
