"""GET /api/v1/events and /api/v1/events/:transaction_id: filtered, paginated, newest first, organization-scoped."""

from datetime import UTC, datetime

import pytest
from lago_python_client.models.event import EventResponse

from tests.factories.metering import EventFactory, event_payload, frozen_now, usage_catalog

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"


def at(hour: int) -> datetime:
    return datetime(2026, 1, 1, hour, tzinfo=UTC)


@pytest.fixture
def events(organization, other_organization):
    """Six events of Acme at hours 1..6, and one of another organization."""
    rows = [
        EventFactory(organization=organization, transaction_id="a", code="calls", timestamp=at(1)),
        EventFactory(
            organization=organization,
            transaction_id="b",
            code="calls",
            timestamp=at(2),
            diagnostics="subscription_not_found",
        ),
        EventFactory(
            organization=organization, transaction_id="c", code="bytes", timestamp=at(3), diagnostics="property_missing"
        ),
        EventFactory(
            organization=organization,
            transaction_id="d",
            code="bytes",
            timestamp=at(4),
            external_subscription_id="sub_2",
            diagnostics="billable_metric_not_found,subscription_not_found",
        ),
        EventFactory(
            organization=organization,
            transaction_id="e",
            code="calls",
            timestamp=at(5),
            external_subscription_id="sub_2",
        ),
        EventFactory(organization=organization, transaction_id="f", code="calls", timestamp=at(6)),
        EventFactory(organization=other_organization, transaction_id="theirs", code="calls", timestamp=at(7)),
    ]
    return {row.transaction_id: row for row in rows}


def listed(api, **params) -> list[str]:
    response = api.get(EVENTS, params)
    assert response.status_code == 200, response.content
    for event in response.json()["events"]:
        EventResponse.parse_obj(event)
    return [event["transaction_id"] for event in response.json()["events"]]


def test_lists_newest_first_with_lago_meta(api, events):
    response = api.get(EVENTS, {"per_page": 4, "page": 2})

    assert [event["transaction_id"] for event in response.json()["events"]] == ["b", "a"]
    assert response.json()["meta"] == {
        "current_page": 2,
        "next_page": None,
        "prev_page": 1,
        "total_pages": 2,
        "total_count": 6,
    }
    assert listed(api) == ["f", "e", "d", "c", "b", "a"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"external_subscription_id": "sub_2"}, ["e", "d"]),
        ({"code": "bytes"}, ["d", "c"]),
        ({"code": "calls", "external_subscription_id": "sub_1"}, ["f", "b", "a"]),
        ({"timestamp_from": "2026-01-01T03:00:00Z"}, ["f", "e", "d", "c"]),
        ({"timestamp_to": "2026-01-01T02:00:00Z"}, ["b", "a"]),
        ({"timestamp_from": str(int(at(2).timestamp())), "timestamp_to": str(int(at(4).timestamp()))}, ["d", "c", "b"]),
        ({"timestamp_from": "2026-01-01T05:00:00"}, ["f", "e"]),  # naive ISO is UTC
        ({"diagnostic": "subscription_not_found"}, ["d", "b"]),
        ({"diagnostic": "billable_metric_not_found"}, ["d"]),
        ({"diagnostic": "property_missing"}, ["c"]),
        ({"diagnostic": "value_out_of_range"}, []),
        ({"with_diagnostics": "true"}, ["d", "c", "b"]),
        ({"with_diagnostics": "false"}, ["f", "e", "a"]),
        ({"with_diagnostics": "true", "code": "calls"}, ["b"]),
        ({"code": "theirs"}, []),
    ],
)
def test_filters(api, events, params, expected):
    assert listed(api, **params) == expected


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"timestamp_from": "yesterday"}, {"timestamp_from": ["invalid_date"]}),
        ({"timestamp_to": "2026-13-01T00:00:00Z"}, {"timestamp_to": ["invalid_date"]}),
        ({"diagnostic": "unknown_code"}, {"diagnostic": ["value_is_invalid"]}),
        ({"with_diagnostics": "yes"}, {"with_diagnostics": ["value_is_invalid"]}),
        ({"page": "0"}, {"page": ["invalid_value"]}),
        ({"external_subscription_id": "a\x00b"}, {"external_subscription_id": ["null_characters_not_allowed"]}),
    ],
)
def test_bad_filters_are_refused(api, events, params, errors):
    response = api.get(EVENTS, params)

    assert response.status_code == 422
    assert response.json()["error_details"] == errors


def test_get_by_transaction_id(api, events):
    response = api.get(f"{EVENTS}/b")

    assert response.status_code == 200
    body = response.json()["event"]
    EventResponse.parse_obj(body)
    assert (body["lago_id"], body["transaction_id"], body["diagnostics"]) == (
        str(events["b"].id),
        "b",
        ["subscription_not_found"],
    )


def test_get_picks_the_subscription_when_a_transaction_id_is_shared(api, organization):
    EventFactory(organization=organization, transaction_id="shared", external_subscription_id="sub_1", code="one")
    EventFactory(organization=organization, transaction_id="shared", external_subscription_id="sub_2", code="two")

    response = api.get(f"{EVENTS}/shared", {"external_subscription_id": "sub_1"})

    assert response.json()["event"]["code"] == "one"


def test_a_transaction_id_with_a_slash_is_addressable(api, organization):
    EventFactory(organization=organization, transaction_id="order/42")

    assert api.get(f"{EVENTS}/order/42").json()["event"]["transaction_id"] == "order/42"


@pytest.mark.parametrize("path", ["missing", "theirs", "a\x00b"])
def test_missing_and_other_organizations_events_are_not_found(api, events, path):
    response = api.get(f"{EVENTS}/{path}")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found", "code": "event_not_found"}


def test_another_organization_lists_only_its_own(other_api, events):
    assert listed(other_api) == ["theirs"]
    assert other_api.get(f"{EVENTS}/a").status_code == 404


def test_an_ingested_event_reads_back_as_answered(api, organization, monkeypatch):
    frozen_now(monkeypatch)
    _metric, subscription = usage_catalog(organization)
    posted = api.post(EVENTS, {"event": event_payload(transaction_id="tr_1", precise_total_amount_cents="0.10")})

    fetched = api.get(f"{EVENTS}/tr_1")

    assert fetched.json()["event"] == posted.json()["event"]
    assert fetched.json()["event"]["lago_customer_id"] == str(subscription.customer_id)
    assert fetched.json()["event"]["precise_total_amount_cents"] == "0.1"
