"""Diagnostics: events that may never be counted are stored anyway, and say why, per event."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metering.models import Event
from plans.models import Subscription
from tests.factories.metering import NOW, NOW_SECONDS, event_payload, frozen_now
from tests.factories.plans import BillableMetricFactory
from tests.factories.subscriptions import SubscriptionFactory

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/events/batch"
HOUR = 3600


@pytest.fixture(autouse=True)
def now(monkeypatch):
    return frozen_now(monkeypatch)


@pytest.fixture
def metrics(organization):
    for code, aggregation_type in [
        ("calls", "count_agg"),
        ("bytes", "sum_agg"),
        ("peak", "max_agg"),
        ("seats", "latest_agg"),
        ("storage", "weighted_sum_agg"),
        ("users", "unique_count_agg"),
    ]:
        field_name = "" if aggregation_type == "count_agg" else "value"
        BillableMetricFactory(
            organization=organization, code=code, aggregation_type=aggregation_type, field_name=field_name
        )


@pytest.fixture
def subscription(organization):
    return SubscriptionFactory(organization=organization, external_id="sub_1", subscription_at=NOW - timedelta(days=10))


def diagnose(api, **event) -> list[str]:
    response = api.post("/api/v1/events", {"event": event_payload(**event)}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()["event"]
    assert Event.objects.get(transaction_id=body["transaction_id"]).diagnostics == ",".join(body["diagnostics"])
    return body["diagnostics"]


@pytest.mark.parametrize(
    ("code", "properties", "expected"),
    [
        ("calls", {}, []),
        ("calls", {"value": "x"}, []),
        ("bytes", {"value": 10}, []),
        ("bytes", {"value": "10.5"}, []),
        ("bytes", {"value": -0.25}, []),
        ("bytes", {}, ["property_missing"]),
        ("bytes", {"value": None}, ["property_missing"]),
        ("bytes", {"other": 1}, ["property_missing"]),
        ("bytes", {"value": "ten"}, ["property_not_numeric"]),
        ("bytes", {"value": True}, ["property_not_numeric"]),
        ("bytes", {"value": "1e3"}, ["property_not_numeric"]),
        ("bytes", {"value": "1" * 27}, ["value_out_of_range"]),
        ("bytes", {"value": 10**26}, ["value_out_of_range"]),
        ("bytes", {"value": "9" * 26}, []),  # big numbers as strings: JSON parsers read huge integers as floats
        ("peak", {"value": "abc"}, ["property_not_numeric"]),
        ("seats", {}, ["property_missing"]),
        ("storage", {"value": "x"}, ["property_not_numeric"]),
        ("users", {"value": "user_1"}, []),
        ("users", {"value": True}, []),
        ("users", {}, ["property_missing"]),
        ("unknown", {"value": 1}, ["billable_metric_not_found"]),
    ],
)
def test_property_and_metric_diagnostics(api, metrics, subscription, code, properties, expected):
    assert diagnose(api, code=code, properties=properties) == expected


def test_equal_values_of_other_types_are_diagnosed_apart(api, metrics, subscription):
    """The diagnosis remembers values it has seen; True == 1 == 1.0 as keys, but True is not a number."""
    answers = [
        diagnose(api, transaction_id=f"tr_{index}", code="bytes", properties={"value": value})
        for index, value in enumerate([1, True, 1.0, True, "1", 1])
    ]

    assert answers == [[], ["property_not_numeric"], [], ["property_not_numeric"], [], []]


def test_an_unknown_subscription(api, metrics):
    assert diagnose(api, code="calls", external_subscription_id="nobody") == ["subscription_not_found"]


def test_codes_are_sorted_and_all_listed(api):
    assert diagnose(api, code="nothing", external_subscription_id="nobody") == [
        "billable_metric_not_found",
        "subscription_not_found",
    ]


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-10 * 24 * HOUR - 1, ["subscription_not_active_at_timestamp"]),  # before it started
        (-10 * 24 * HOUR, []),  # the instant it started
        (-60, []),
        (+HOUR, []),  # an active subscription stays open ahead of now
    ],
)
def test_active_subscription_window(api, metrics, subscription, offset, expected):
    assert diagnose(api, code="calls", timestamp=NOW_SECONDS + offset) == expected


def test_a_terminated_subscription_covers_its_past_only(api, metrics, subscription):
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.TERMINATED, terminated_at=NOW - timedelta(days=1)
    )

    assert diagnose(api, code="calls", timestamp=NOW_SECONDS - 2 * 24 * HOUR) == []
    assert diagnose(api, code="calls", timestamp=NOW_SECONDS - 24 * HOUR) == ["subscription_not_active_at_timestamp"]


def test_after_a_plan_change_either_row_covers_its_span(api, organization, metrics, subscription):
    changed_at = NOW - timedelta(days=2)
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.TERMINATED, terminated_at=changed_at
    )
    successor = SubscriptionFactory(
        organization=organization, external_id="sub_1", subscription_at=changed_at, customer=subscription.customer
    )

    before = api.post("/api/v1/events", {"event": event_payload(code="calls", timestamp=NOW_SECONDS - 3 * 86400)})
    after = api.post("/api/v1/events", {"event": event_payload(code="calls", timestamp=NOW_SECONDS - 86400)})

    assert before.json()["event"]["lago_subscription_id"] == str(subscription.pk)
    assert after.json()["event"]["lago_subscription_id"] == str(successor.pk)
    assert before.json()["event"]["diagnostics"] == after.json()["event"]["diagnostics"] == []


@pytest.mark.parametrize("status", [Subscription.Status.PENDING, Subscription.Status.CANCELED])
def test_pending_or_canceled_subscriptions_never_cover(api, organization, metrics, status):
    SubscriptionFactory(
        organization=organization,
        external_id="sub_1",
        status=status,
        started_at=NOW - timedelta(days=5),
        subscription_at=NOW - timedelta(days=5),
    )

    assert diagnose(api, code="calls") == ["subscription_not_active_at_timestamp"]


def test_another_organizations_metric_and_subscription_do_not_count(api, other_organization, subscription):
    BillableMetricFactory(organization=other_organization, code="theirs", aggregation_type="count_agg", field_name="")
    SubscriptionFactory(organization=other_organization, external_id="their_sub")

    assert diagnose(api, code="theirs") == ["billable_metric_not_found"]
    assert diagnose(api, code="theirs", external_subscription_id="their_sub") == [
        "billable_metric_not_found",
        "subscription_not_found",
    ]


def _reads_of_a_batch(api, size: int, prefix: str) -> tuple[list[str], dict]:
    events = [
        event_payload(transaction_id=f"{prefix}-{index}", code="bytes", properties={"value": index})
        if index % 2
        else event_payload(transaction_id=f"{prefix}-{index}", code="bytes")
        for index in range(size)
    ]
    with CaptureQueriesContext(connection) as context:
        response = api.post(BATCH, {"events": events}, format="json")
    assert response.status_code == 200, response.content
    reads = [query["sql"] for query in context.captured_queries if query["sql"].lstrip().upper().startswith("SELECT")]
    return reads, response.json()


def test_a_batch_is_diagnosed_per_event_in_a_fixed_number_of_queries(api, metrics, subscription):
    """Reads (auth key and organization, metrics, subscriptions) do not grow with the batch. (The insert is one
    statement on PostgreSQL; SQLite's bulk insert is cut into chunks by its variable limit.)"""
    _reads_of_a_batch(api, 1, "first")  # the first request also fills caches (API key, in-advance metric codes)
    small_reads, _small = _reads_of_a_batch(api, 10, "small")
    reads, body = _reads_of_a_batch(api, 100, "large")

    assert len(reads) == len(small_reads) <= 4
    diagnostics = [event["diagnostics"] for event in body["events"]]
    assert diagnostics == [[] if index % 2 else ["property_missing"] for index in range(100)]


def test_the_event_list_filters_ingested_events_by_diagnostic(api, metrics, subscription):
    events = [
        event_payload(transaction_id="clean", code="bytes", properties={"value": 1}),
        event_payload(transaction_id="missing", code="bytes", properties={}),
        event_payload(
            transaction_id="orphan", code="bytes", properties={"value": "x"}, external_subscription_id="nobody"
        ),
    ]
    assert api.post(BATCH, {"events": events}, format="json").status_code == 200

    def listed(**params):
        return [event["transaction_id"] for event in api.get("/api/v1/events", params).json()["events"]]

    assert listed(diagnostic="property_missing") == ["missing"]
    assert listed(diagnostic="subscription_not_found") == ["orphan"]
    assert listed(diagnostic="property_not_numeric") == ["orphan"]
    assert sorted(listed(with_diagnostics="true")) == ["missing", "orphan"]
    assert listed(with_diagnostics="false") == ["clean"]
