import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from billing.models import ApiKey, Organization, Sequence
from billing.services import organization_member_set, sequence_next
from tests.factories.billing import OrganizationFactory, issue_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def staff_of_acme(client, organization):
    user = get_user_model().objects.create_user("finance", "f@example.com", "pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="billing",
            codename__in=[
                "view_organization",
                "change_organization",
                "view_apikey",
                "add_apikey",
                "change_apikey",
            ],
        )
    )
    organization_member_set(user=user, organization=organization)
    client.force_login(user)
    return client


def test_superuser_sees_every_organization(superuser_client, organization, other_organization):
    page = superuser_client.get("/admin/billing/organization/").content.decode()
    assert "Acme" in page and "Globex" in page


def test_a_staff_member_of_an_organization_sees_only_its_rows(staff_of_acme, organization, other_organization):
    issue_key(other_organization, name="globex-key")
    issue_key(organization, name="acme-key")
    organizations = staff_of_acme.get("/admin/billing/organization/").content.decode()
    assert "Acme" in organizations and "Globex" not in organizations
    keys = staff_of_acme.get("/admin/billing/apikey/").content.decode()
    assert "acme-key" in keys and "globex-key" not in keys
    other_key = ApiKey.objects.get(name="globex-key")
    assert staff_of_acme.get(f"/admin/billing/apikey/{other_key.pk}/change/").status_code in (302, 404)
    assert staff_of_acme.get(f"/admin/billing/organization/{other_organization.pk}/change/").status_code in (302, 404)


def test_adding_a_key_in_the_admin_shows_the_secret_once_and_stores_its_digest(superuser_client, organization):
    response = superuser_client.post(
        "/admin/billing/apikey/add/", {"organization": organization.pk, "name": "from admin"}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"] if "shown once" in str(m)]
    assert len(shown) == 1
    raw_key = shown[0].rsplit(" ", 1)[-1]
    stored = ApiKey.objects.get(name="from admin")
    assert stored.key_digest == ApiKey.digest(raw_key)
    assert raw_key not in superuser_client.get(f"/admin/billing/apikey/{stored.pk}/change/").content.decode()


def test_issue_key_action_and_secrets_are_read_only(superuser_client, organization):
    before = ApiKey.objects.filter(organization=organization).count()
    superuser_client.post(
        "/admin/billing/organization/",
        {"action": "issue_api_key", "_selected_action": [organization.pk]},
        follow=True,
    )
    assert ApiKey.objects.filter(organization=organization).count() == before + 1
    original = Organization.objects.get(pk=organization.pk).webhook_hmac_key
    page = superuser_client.get(f"/admin/billing/organization/{organization.pk}/change/").content.decode()
    assert 'name="webhook_hmac_key"' not in page
    assert original in page  # shown, not editable


def test_organizations_of_two_names_are_independent():
    first, second = OrganizationFactory(name="One"), OrganizationFactory(name="Two")
    assert first.webhook_hmac_key != second.webhook_hmac_key


def test_sequences_are_visible_but_not_editable(superuser_client, organization):
    with transaction.atomic():
        assert sequence_next(organization=organization, name="customer") == 1
        assert sequence_next(organization=organization, name="customer") == 2
    sequence = Sequence.objects.get(organization=organization, name="customer")
    assert superuser_client.get("/admin/billing/sequence/").status_code == 200
    assert superuser_client.post(f"/admin/billing/sequence/{sequence.pk}/change/", {"value": 0}).status_code == 403
    assert Sequence.objects.get(pk=sequence.pk).value == 2
