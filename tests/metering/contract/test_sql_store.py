"""The SQL store: a bounded number of queries for many windows, tie order whatever the collation, selectors."""

from datetime import timedelta
from decimal import Decimal

import pytest

from metering.stores import get_event_store
from metering.stores.base import Aggregation, EventRecord, UsageQuery
from metering.stores.sql import SqlEventStore
from metering.usage_selectors import usage_aggregate, usage_event_values
from tests.metering.contract.builders import CODE, at, window

AGGREGATIONS = [
    Aggregation("count_agg"),
    Aggregation("sum_agg", "value"),
    Aggregation("unique_count_agg", "value"),
    Aggregation("weighted_sum_agg", "value", recurring=True),
]


def store_one_event_per_subscription(organization, count: int) -> None:
    SqlEventStore().insert(
        [
            EventRecord(
                organization_id=organization.id,
                transaction_id="tx",
                external_subscription_id=f"sub_{index}",
                code=CODE,
                timestamp=at(index % 50),
                properties={"value": 2},
                precise_total_amount_cents=None,
                ingested_at=at(index % 50),
            )
            for index in range(count)
        ]
    )


def usage_query(organization, aggregation: Aggregation, count: int, *, same_range: bool) -> UsageQuery:
    # Distinct ranges cost each subscription its own bounds; shared ones let subscriptions share one condition.
    windows = [
        window(f"sub_{index}", start=0 if same_range else -index, end=100, recurring_from=-1000)
        for index in range(count)
    ]
    return UsageQuery(organization_id=organization.id, code=CODE, aggregation=aggregation, windows=windows)


@pytest.mark.parametrize("aggregation", AGGREGATIONS, ids=lambda aggregation: aggregation.aggregation_type)
@pytest.mark.parametrize("same_range", [True, False], ids=["shared range", "own ranges"])
@pytest.mark.parametrize("count", [1, 300])
def test_one_query_for_up_to_300_windows(organization, django_assert_num_queries, aggregation, same_range, count):
    store_one_event_per_subscription(organization, count)
    query = usage_query(organization, aggregation, count, same_range=same_range)

    with django_assert_num_queries(1):
        results = SqlEventStore().aggregate(query)

    assert len(results) == count
    assert {result.events_count for result in results} == {1}


def test_a_thousand_windows_take_a_handful_of_queries(organization, django_assert_max_num_queries):
    store_one_event_per_subscription(organization, 1000)
    query = usage_query(organization, Aggregation("sum_agg", "value"), 1000, same_range=False)

    with django_assert_max_num_queries(4):
        results = SqlEventStore().aggregate(query)

    assert {result.units for result in results} == {Decimal(2)}
    assert len(results) == 1000


def test_event_values_of_300_windows_take_one_query(organization, django_assert_num_queries):
    store_one_event_per_subscription(organization, 300)
    query = usage_query(organization, Aggregation("sum_agg", "value"), 300, same_range=False)

    with django_assert_num_queries(1):
        values = SqlEventStore().event_values(query)

    assert values == sorted((f"sub_{index}", None, Decimal(2)) for index in range(300))


def test_ties_are_ordered_by_transaction_id_by_code_point_whatever_the_collation(organization):
    # PostgreSQL collations may sort "B" after "a"; stores order ties by code point: "B" < "a".
    store = SqlEventStore()
    base = {"organization_id": organization.id, "external_subscription_id": "sub_a", "code": CODE}
    moment = at(5)
    store.insert(
        [
            EventRecord(
                transaction_id="a",
                timestamp=moment,
                ingested_at=moment,
                properties={"value": 1},
                precise_total_amount_cents=None,
                **base,
            ),
            EventRecord(
                transaction_id="B",
                timestamp=moment,
                ingested_at=moment,
                properties={"value": 2},
                precise_total_amount_cents=None,
                **base,
            ),
            EventRecord(
                transaction_id="c",
                timestamp=moment - timedelta(seconds=1),
                ingested_at=moment,
                properties={"value": 3},
                precise_total_amount_cents=None,
                **base,
            ),
        ]
    )
    query = UsageQuery(
        organization_id=organization.id, code=CODE, aggregation=Aggregation("latest_agg", "value"), windows=[window()]
    )

    assert [result.units for result in store.aggregate(query)] == [Decimal(1)]


@pytest.fixture
def sql_store_configured(settings):
    settings.CLICKHOUSE_URL = ""
    get_event_store.cache_clear()
    yield
    get_event_store.cache_clear()


def test_usage_selectors_ask_the_configured_store(organization, sql_store_configured):
    store_one_event_per_subscription(organization, 2)
    query = usage_query(organization, Aggregation("sum_agg", "value"), 2, same_range=True)

    assert [(result.external_subscription_id, result.units) for result in usage_aggregate(query=query)] == [
        ("sub_0", Decimal(2)),
        ("sub_1", Decimal(2)),
    ]
    assert usage_event_values(query=query) == [("sub_0", None, Decimal(2)), ("sub_1", None, Decimal(2))]
