"""The event admin: read-only, searchable, filterable by diagnostic, scoped to a staff user's organization."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from billing.services import organization_member_set
from tests.factories.metering import EventFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:metering_event_changelist")


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.test", "pw"))
    return client


@pytest.fixture
def events(organization, other_organization):
    return {
        "clean": EventFactory(organization=organization, transaction_id="clean", code="calls"),
        "missing": EventFactory(
            organization=organization,
            transaction_id="missing",
            code="bytes",
            diagnostics="property_missing,subscription_not_found",
        ),
        "unknown": EventFactory(
            organization=organization, transaction_id="unknown", diagnostics="subscription_not_found"
        ),
        "theirs": EventFactory(organization=other_organization, transaction_id="theirs", code="calls"),
    }


def shown(client, **params) -> set[str]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return {event.transaction_id for event in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"clean", "missing", "unknown", "theirs"}),
        ({"diagnostic": "subscription_not_found"}, {"missing", "unknown"}),
        ({"diagnostic": "property_missing"}, {"missing"}),
        ({"diagnostic": "none"}, {"clean", "theirs"}),
        ({"code": "bytes"}, {"missing"}),
        ({"q": "unknown"}, {"unknown"}),
        ({"q": "bytes"}, {"missing"}),
        ({"q": "sub_1"}, {"clean", "missing", "unknown", "theirs"}),
    ],
)
def test_changelist_filters_and_search(superuser_client, events, params, expected):
    assert shown(superuser_client, **params) == expected


def test_events_are_read_only(superuser_client, events):
    change = reverse("admin:metering_event_change", args=[events["missing"].pk])

    page = superuser_client.get(change)

    assert page.status_code == 200
    assert b"property_missing,subscription_not_found" in page.content
    assert not page.context["has_change_permission"]
    assert superuser_client.get(reverse("admin:metering_event_add")).status_code == 403
    assert superuser_client.post(change, {"code": "changed"}).status_code == 403
    events["missing"].refresh_from_db()
    assert events["missing"].code == "bytes"
    assert superuser_client.get(CHANGELIST).context["action_form"] is None  # not even "delete selected"


def test_staff_member_sees_only_its_organizations_events(client, organization, events):
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="metering", codename="view_event"))
    organization_member_set(user=staff, organization=organization)
    client.force_login(staff)

    assert shown(client) == {"clean", "missing", "unknown"}
    assert client.get(reverse("admin:metering_event_change", args=[events["theirs"].pk])).status_code == 302
