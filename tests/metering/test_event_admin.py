"""The event admin: read-only pages over the event store, filtered exactly, scoped to a staff user's organization."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from billing.services import organization_member_set
from metering import selectors
from metering.services import events_ingest
from metering.stores.base import EventListFilters, StoredEvent, UsageStoreUnavailable
from metering.stores.sql import SqlEventStore
from tests.factories.metering import NOW, NOW_SECONDS, EventFactory, event_payload, frozen_now, usage_catalog

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:metering_event_changelist")
DETAIL = reverse("admin:metering_event_detail")


@pytest.fixture(autouse=True)
def now(monkeypatch):
    return frozen_now(monkeypatch)


@pytest.fixture
def catalog(organization):
    """Metric api_calls (sum of `calls`) and subscription sub_1 of Acme."""
    return usage_catalog(organization)


def ingest(organization, transaction_id: str, minutes_ago: int, **fields):
    payload = event_payload(transaction_id=transaction_id, timestamp=NOW_SECONDS - 60 * minutes_ago, **fields)
    return events_ingest(organization=organization, raw_events=[payload]).events[0]


@pytest.fixture
def events(catalog, organization, other_organization):
    """Acme's events, oldest first, with the diagnostics ingestion gave them; and one event of Globex."""
    return {
        "clean": ingest(organization, "clean", 4, precise_total_amount_cents="12.5"),
        "missing": ingest(organization, "missing", 3, properties={"region": "eu"}),
        "unknown": ingest(organization, "unknown", 2, code="bytes", external_subscription_id="sub_2"),
        "orphan": ingest(organization, "orphan", 1, external_subscription_id="sub_2"),
        "theirs": ingest(other_organization, "theirs", 1),
    }


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.test", password=None))
    return client


def staff_user(username: str, *, can_view: bool = True) -> User:
    staff = User.objects.create_user(username, password=None, is_staff=True)
    if can_view:
        staff.user_permissions.add(Permission.objects.get(content_type__app_label="metering", codename="view_event"))
    return staff


@pytest.fixture
def clerk_client(client, organization):
    """A staff member of Acme, allowed to view events."""
    clerk = staff_user("clerk")
    organization_member_set(user=clerk, organization=organization)
    client.force_login(clerk)
    return client


def listing(client, **params):
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return response


def shown(client, **params) -> list[str]:
    return [detail.event.transaction_id for detail in listing(client, **params).context["page"].events]


def detail_url(organization, external_subscription_id: str, transaction_id: str) -> str:
    query = {
        "organization": organization.pk,
        "external_subscription_id": external_subscription_id,
        "transaction_id": transaction_id,
    }
    return f"{DETAIL}?{urlencode(query)}"


def iso(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def test_the_list_shows_newest_first_with_the_stores_total(superuser_client, events):
    response = listing(superuser_client)

    assert shown(superuser_client) == ["orphan", "unknown", "missing", "clean"]
    assert response.context["page"].total == 4
    content = response.content.decode()
    assert "4 events" in content
    assert "billable_metric_not_found, subscription_not_found" in content
    assert detail_url(response.context["organization"], "sub_2", "orphan").replace("&", "&amp;") in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"diagnostic": "subscription_not_found"}, {"unknown", "orphan"}),
        ({"diagnostic": "property_missing"}, {"missing"}),
        ({"diagnostic": "billable_metric_not_found"}, {"unknown"}),
        ({"diagnostic": "none"}, {"clean"}),
        ({"diagnostic": "any"}, {"missing", "unknown", "orphan"}),
        ({"code": "bytes"}, {"unknown"}),
        ({"code": "api"}, set()),  # exact, not a search
        ({"external_subscription_id": "sub_2"}, {"unknown", "orphan"}),
        ({"transaction_id": "missing"}, {"missing"}),
        ({"timestamp_from": iso(2)}, {"unknown", "orphan"}),  # inclusive
        ({"timestamp_to": iso(3)}, {"clean", "missing"}),  # inclusive
        ({"timestamp_from": iso(3), "timestamp_to": iso(2)}, {"missing", "unknown"}),
        ({"timestamp_from": "2026-11-21T18:58:30+01:00"}, {"orphan"}),  # an offset is honoured
        ({"diagnostic": "subscription_not_found", "code": "api_calls"}, {"orphan"}),
    ],
)
def test_filters(superuser_client, events, params, expected):
    assert set(shown(superuser_client, **params)) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"timestamp_from": "yesterday"}, "timestamp_from"),
        ({"timestamp_to": "2026-13-45T00:00:00"}, "timestamp_to"),
        ({"diagnostic": "unheard_of"}, "diagnostic"),
        ({"code": "api\x00calls"}, "code"),
        ({"transaction_id": "x" * 256}, "transaction_id"),
        ({"organization": "not-a-uuid"}, "organization"),
        ({"p": "0"}, "p"),
        ({"p": "last"}, "p"),
    ],
)
def test_bad_filter_input_shows_an_error_instead_of_events(superuser_client, events, params, field):
    response = listing(superuser_client, **params)

    assert field in response.context["form"].errors
    assert response.context.get("page") is None
    assert b"Please correct the filters below." in response.content


def test_a_superuser_picks_the_organization_first_by_name_by_default(
    superuser_client, events, organization, other_organization
):
    response = listing(superuser_client)

    assert response.context["organization"] == organization  # Acme before Globex
    assert "Globex" in response.content.decode()  # a choice of the select
    assert shown(superuser_client, organization=other_organization.pk) == ["theirs"]


def test_a_superuser_without_any_organization_is_told_so(superuser_client):
    response = listing(superuser_client)

    assert response.context.get("page") is None
    assert b"No organization yet" in response.content


def test_a_staff_member_sees_only_its_organizations_events(clerk_client, events, other_organization):
    response = listing(clerk_client)

    assert shown(clerk_client) == ["orphan", "unknown", "missing", "clean"]
    assert "organization" not in response.context["form"].fields
    assert shown(clerk_client, organization=other_organization.pk) == ["orphan", "unknown", "missing", "clean"]
    assert shown(clerk_client, transaction_id="theirs") == []


def test_a_staff_member_cannot_open_another_organizations_event(clerk_client, events, organization, other_organization):
    assert clerk_client.get(detail_url(other_organization, "sub_1", "theirs")).status_code == 404
    assert clerk_client.get(detail_url(organization, "sub_1", "theirs")).status_code == 404
    assert clerk_client.get(detail_url(other_organization, "sub_1", "clean")).status_code == 200  # always theirs


def test_the_detail_page_shows_every_field_and_what_the_event_was_linked_to(superuser_client, events, catalog):
    _metric, subscription = catalog
    clean = events["clean"]

    response = superuser_client.get(detail_url(subscription.organization, "sub_1", "clean"))

    assert response.status_code == 200
    event = response.context["event"]
    assert event.lago_id == clean.event.lago_id
    assert event.precise_total_amount_cents == Decimal("12.5")
    assert response.context["detail"].lago_subscription_id == subscription.id
    content = response.content.decode()
    for shown_value in (
        str(clean.event.lago_id),
        "api_calls",
        "&quot;calls&quot;: 3",
        "12.5",
        "None (counted)",
        reverse("admin:plans_subscription_change", args=[subscription.id]),
        reverse("admin:customers_customer_change", args=[subscription.customer_id]),
    ):
        assert shown_value in content


def test_the_detail_page_of_an_event_no_subscription_covers(superuser_client, events, organization):
    response = superuser_client.get(detail_url(organization, "sub_2", "unknown"))

    assert response.status_code == 200
    assert response.context["detail"].lago_subscription_id is None
    assert b"billable_metric_not_found, subscription_not_found" in response.content


@pytest.mark.parametrize(
    "query",
    [
        {"external_subscription_id": "sub_1", "transaction_id": "nope"},
        {"external_subscription_id": "sub_2", "transaction_id": "clean"},
        {"external_subscription_id": "sub_1"},
        {"external_subscription_id": "sub_1", "transaction_id": "clean", "organization": "not-a-uuid"},
    ],
)
def test_the_detail_page_of_an_unknown_event_is_not_found(superuser_client, events, organization, query):
    assert superuser_client.get(DETAIL, {"organization": organization.pk, **query}).status_code == 404


def test_a_superuser_names_the_organization_of_an_event(superuser_client, events):
    assert (
        superuser_client.get(DETAIL, {"external_subscription_id": "sub_1", "transaction_id": "clean"}).status_code
        == 404
    )


def test_pages_of_a_hundred(superuser_client, organization):
    EventFactory.create_batch(205, organization=organization)

    first, last = listing(superuser_client), listing(superuser_client, p=3)

    assert len(first.context["page"].events) == 100
    assert first.context["page"].total == 205
    assert first.context["next_query"] == "p=2"
    assert first.context["previous_query"] == ""
    assert len(last.context["page"].events) == 5
    assert last.context["next_query"] == ""
    assert b"Page 3 of 3" in last.content
    assert shown(superuser_client, p=4) == []


def test_a_page_link_keeps_the_filters(superuser_client, organization):
    EventFactory.create_batch(101, organization=organization, code="bytes")

    response = listing(superuser_client, code="bytes", p=1)

    assert response.context["next_query"] == "code=bytes&p=2"


def test_one_store_call_per_page(superuser_client, events, monkeypatch):
    calls = []
    original = SqlEventStore.list

    def counted(store, **kwargs):
        calls.append(kwargs)
        return original(store, **kwargs)

    monkeypatch.setattr(SqlEventStore, "list", counted)

    listing(superuser_client)

    assert len(calls) == 1


def test_the_pages_read_the_event_store_not_the_event_table(superuser_client, organization, monkeypatch):
    only_in_store = StoredEvent(
        organization_id=organization.id,
        transaction_id="elsewhere",
        external_subscription_id="sub_9",
        code="api_calls",
        timestamp=NOW,
        properties={},
        precise_total_amount_cents=None,
        ingested_at=NOW,
        diagnostics=("subscription_not_found",),
    )

    class OtherStore:
        def list(self, *, organization_id, filters: EventListFilters, offset, limit):
            return [only_in_store], 1

        def get(self, *, organization_id, transaction_id, external_subscription_id=None):
            return only_in_store if transaction_id == "elsewhere" else None

    monkeypatch.setattr(selectors, "get_event_store", OtherStore)

    assert shown(superuser_client) == ["elsewhere"]
    assert superuser_client.get(detail_url(organization, "sub_9", "elsewhere")).status_code == 200


def test_an_unavailable_store_shows_a_message(superuser_client, organization, monkeypatch):
    def unavailable(store, **kwargs):
        raise UsageStoreUnavailable("down")

    monkeypatch.setattr(SqlEventStore, "list", unavailable)

    response = listing(superuser_client)

    assert response.context.get("page") is None
    assert b"The event store cannot answer now" in response.content


def test_events_are_read_only(superuser_client, events, organization):
    detail = detail_url(organization, "sub_1", "clean")

    with pytest.raises(NoReverseMatch):
        reverse("admin:metering_event_add")
    for name in ("admin:metering_event_change", "admin:metering_event_delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[events["clean"].event.lago_id])
    assert superuser_client.post(CHANGELIST, {"action": "delete_selected"}).status_code == 405
    assert superuser_client.post(detail, {"code": "changed"}).status_code == 405
    assert shown(superuser_client, transaction_id="clean") == ["clean"]
    assert b"<form" not in superuser_client.get(detail).content.split(b'id="content-main"')[1]


def test_the_admin_index_lists_events_under_metering_without_an_add_link(superuser_client):
    response = superuser_client.get(reverse("admin:app_list", args=["metering"]))

    [metering] = response.context["app_list"]
    [events] = [model for model in metering["models"] if model["object_name"] == "Event"]
    assert events["admin_url"] == CHANGELIST
    assert events["add_url"] is None
    assert events["perms"] == {"add": False, "change": False, "delete": False, "view": True}


def test_viewing_events_needs_the_view_permission(client, organization, events):
    staff = staff_user("nosy", can_view=False)
    organization_member_set(user=staff, organization=organization)
    client.force_login(staff)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(detail_url(organization, "sub_1", "clean")).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client, organization):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
