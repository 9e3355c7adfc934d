"""Many windows cost one query per aggregation, not one per window."""

import pytest

from metering.stores.base import Aggregation, UsageQuery
from metering.stores.clickhouse.flusher import KNOWN_TRANSACTIONS
from metering.stores.sql import SqlEventStore
from tests.metering.clickhouse.builders import CODE, at, record, store_in_both, window
from tests.metering.clickhouse.conftest import CountingTransport

SUBSCRIPTIONS = 60

QUERIES_PER_AGGREGATION = [
    (Aggregation("count_agg"), 1),
    (Aggregation("sum_agg", "value"), 1),
    (Aggregation("max_agg", "value"), 1),
    (Aggregation("unique_count_agg", "value"), 1),
    (Aggregation("latest_agg", "value"), 1),
    (Aggregation("weighted_sum_agg", "value", recurring=True), 1),
]


@pytest.mark.parametrize(("aggregation", "queries"), QUERIES_PER_AGGREGATION, ids=lambda item: str(item))
def test_many_windows_take_one_query(store, transport, organization, aggregation, queries):
    events = [
        record(organization.id, f"tx-{index}", at(hours=index % 7 + 0.5), {"value": index}, subscription=f"sub_{index}")
        for index in range(SUBSCRIPTIONS)
    ]
    store_in_both(store, events)
    windows = [
        window(at(hours=index % 3), at(hours=6 + index % 2), subscription=f"sub_{index}", recurring_from=at(hours=-1))
        for index in range(SUBSCRIPTIONS)
    ]
    query = UsageQuery(organization_id=organization.id, code=CODE, aggregation=aggregation, windows=windows)
    counting = CountingTransport(transport)
    store.transport = counting

    results = store.aggregate(query)

    assert len(results) == SUBSCRIPTIONS
    assert results == SqlEventStore().aggregate(query)
    usage_queries = [query for query in counting.queries if query != KNOWN_TRANSACTIONS]
    assert len(usage_queries) == queries
