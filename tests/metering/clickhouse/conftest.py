import pytest

from metering.stores.clickhouse import ClickHouseEventStore
from tests.metering.clickhouse.engines import chdb_transport, server_transport

ENGINES = {"clickhouse": server_transport, "chdb": chdb_transport}


class CountingTransport:
    """A transport that records the queries it runs (and can fail right after an insert, like a crash would)."""

    def __init__(self, transport, *, crash_after_insert: bool = False):
        self.transport = transport
        self.database = transport.database
        self.concurrent = transport.concurrent
        self.crash_after_insert = crash_after_insert
        self.queries: list[str] = []

    def execute(self, query, params=None):
        self.queries.append(query)
        return self.transport.execute(query, params)

    def iterate(self, query, params=None):
        self.queries.append(query)
        return self.transport.iterate(query, params)

    def insert(self, table, columns, rows):
        self.transport.insert(table, columns, rows)
        if self.crash_after_insert:
            raise RuntimeError("the flusher died before marking its batch flushed")

    def insert_columns(self, table, columns, values):
        self.transport.insert_columns(table, columns, values)
        if self.crash_after_insert:
            raise RuntimeError("the flusher died before marking its batch flushed")


@pytest.fixture(params=sorted(ENGINES))
def transport(request, db):
    """The migrated test database of the 18.16 server (through clickhouse-driver) or of chdb."""
    return ENGINES[request.param](request.config)


@pytest.fixture
def store(transport) -> ClickHouseEventStore:
    return ClickHouseEventStore(transport)
