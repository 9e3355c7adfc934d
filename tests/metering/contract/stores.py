"""The stores the contract suite runs against. To add one, register a factory: (pytest request) -> StoreUnderTest.

A factory fails when its server is missing (`make test` starts every one). Tests give every store fresh
organizations, so a store whose data outlives the test's database transaction stays isolated between tests.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest

from metering.stores.base import EventRecord, EventStore, InsertOutcome
from metering.stores.sql import SqlEventStore


@dataclass(frozen=True)
class StoreUnderTest:
    store: EventStore
    # Stores events so that the store's next aggregate sees them (a store that forwards them later flushes here).
    store_events: Callable[[Sequence[EventRecord]], InsertOutcome]


def sql_store(request: pytest.FixtureRequest) -> StoreUnderTest:
    store = SqlEventStore()
    return StoreUnderTest(store=store, store_events=store.insert)


def clickhouse_store(request: pytest.FixtureRequest) -> StoreUnderTest:
    """The ClickHouse store on the 18.16 server (TEST_CLICKHOUSE_URL, set by scripts/test_servers.py)."""
    from metering.stores.clickhouse import ClickHouseEventStore
    from tests.metering.clickhouse.engines import server_transport

    store = ClickHouseEventStore(server_transport(request.config))
    return StoreUnderTest(store=store, store_events=store.insert)


def chdb_store(request: pytest.FixtureRequest) -> StoreUnderTest:
    """The ClickHouse store's SQL on modern ClickHouse, in-process through chdb."""
    from metering.stores.clickhouse import ClickHouseEventStore
    from tests.metering.clickhouse.engines import chdb_transport

    store = ClickHouseEventStore(chdb_transport(request.config))
    return StoreUnderTest(store=store, store_events=store.insert)


STORE_FACTORIES: dict[str, Callable[[pytest.FixtureRequest], StoreUnderTest]] = {
    "sql": sql_store,
    "clickhouse": clickhouse_store,
    "chdb": chdb_store,
}
