"""The ingestion hot path's plain SQL reads give exactly what the ORM gives, on SQLite as on PostgreSQL."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metering.plain_rows import PlainQuery, plain_rows, plain_rows_together
from plans.models import BillableMetric, Subscription
from tests.factories.plans import BillableMetricFactory
from tests.factories.subscriptions import SubscriptionFactory

pytestmark = pytest.mark.django_db

SUBSCRIPTION_FIELDS = ("external_id", "id", "customer", "status", "started_at", "terminated_at")


@pytest.fixture
def subscriptions(organization, other_organization):
    return [
        SubscriptionFactory(
            organization=organization,
            external_id="sub 'quoted'",
            started_at=datetime(2026, 1, 1, 8, 30, 15, 123456, tzinfo=UTC),
        ),
        SubscriptionFactory(
            organization=organization,
            external_id="sub 'quoted'",
            status=Subscription.Status.TERMINATED,
            started_at=datetime(2025, 6, 1, tzinfo=UTC),
            terminated_at=datetime(2026, 1, 1, 8, 30, 15, 123456, tzinfo=UTC),
        ),
        SubscriptionFactory(organization=organization, external_id="pending", status=Subscription.Status.PENDING),
        SubscriptionFactory(organization=organization, external_id="not asked"),
        SubscriptionFactory(organization=other_organization, external_id="sub 'quoted'"),
    ]


def test_subscription_rows_are_the_orms_with_uuids_and_aware_datetimes(organization, subscriptions):
    asked = ["sub 'quoted'", "pending", "unknown", "pending"]

    rows = plain_rows(Subscription, SUBSCRIPTION_FIELDS, organization_id=organization.id, among=("external_id", asked))

    expected = Subscription.objects.filter(organization=organization, external_id__in=asked).values_list(
        "external_id", "id", "customer_id", "status", "started_at", "terminated_at"
    )
    assert sorted(rows, key=str) == sorted(expected, key=str)
    assert len(rows) == 3
    started = {row[4] for row in rows if row[4] is not None}
    assert started == {datetime(2026, 1, 1, 8, 30, 15, 123456, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)}
    assert all(moment.utcoffset().total_seconds() == 0 for moment in started)


def test_rows_come_in_the_asked_order(organization, subscriptions):
    rows = plain_rows(
        Subscription,
        ("external_id", "started_at"),
        organization_id=organization.id,
        among=("external_id", ["sub 'quoted'"]),
        order_by="started_at",
    )

    assert [row[1] for row in rows] == [
        datetime(2025, 6, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 8, 30, 15, 123456, tzinfo=UTC),
    ]


def test_metric_rows_and_nothing_asked(organization, other_organization):
    BillableMetricFactory(organization=organization, code="calls", aggregation_type="sum_agg", field_name="n")
    BillableMetricFactory(organization=other_organization, code="calls")

    rows = plain_rows(
        BillableMetric,
        ("code", "aggregation_type", "field_name"),
        organization_id=organization.id,
        among=("code", ["calls", "other"]),
    )

    assert rows == [("calls", "sum_agg", "n")]
    assert plain_rows(BillableMetric, ("code",), organization_id=organization.id, among=("code", [])) == []


def test_queries_run_together_answer_as_each_alone_in_one_round_trip_on_postgresql(organization, subscriptions):
    BillableMetricFactory(organization=organization, code="calls", aggregation_type="sum_agg", field_name="n")
    queries = [
        PlainQuery(Subscription, SUBSCRIPTION_FIELDS, organization.id, ("external_id", ["sub 'quoted'"]), "started_at"),
        PlainQuery(BillableMetric, ("code",), organization.id, ("code", [])),  # nothing asked: no statement
        PlainQuery(BillableMetric, ("code", "aggregation_type", "field_name"), organization.id, ("code", ["calls"])),
        PlainQuery(Subscription, ("external_id", "status"), organization.id, ("external_id", ["pending", "x"])),
    ]
    alone = [
        plain_rows(
            query.model, query.fields, organization_id=organization.id, among=query.among, order_by=query.order_by
        )
        for query in queries
    ]

    with CaptureQueriesContext(connection) as statements:
        together = plain_rows_together(*queries)

    assert together == alone
    assert [len(rows) for rows in together] == [2, 0, 1, 1]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 3)
