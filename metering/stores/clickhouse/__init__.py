"""The ClickHouse store: events are first written to the SQL Event table (the durable, idempotent inbox, so that
ingestion never depends on ClickHouse being up), then forwarded by the flusher; usage is read from ClickHouse."""

from typing import ClassVar
from uuid import UUID

from metering.stores.clickhouse.aggregation import ClickHouseUsageAggregation
from metering.stores.clickhouse.flusher import events_flush
from metering.stores.clickhouse.reads import ClickHouseEventReads
from metering.stores.clickhouse.schema import schema_migrate
from metering.stores.clickhouse.transport import DriverTransport, Transport
from metering.stores.sql.events import SqlEventWrites


class ClickHouseEventStore(ClickHouseEventReads, SqlEventWrites, ClickHouseUsageAggregation):
    queues_for_forwarding: ClassVar[bool] = True

    def __init__(self, transport: Transport):
        self.transport = transport

    @classmethod
    def from_url(cls, url: str) -> "ClickHouseEventStore":
        """clickhouse://user:password@host:port/database (native protocol)."""
        return cls(DriverTransport.from_url(url))

    def flush(self, *, organization_id: UUID | None = None, wait_for_locked: bool = False) -> int:
        return events_flush(transport=self.transport, organization_id=organization_id, wait_for_locked=wait_for_locked)

    def migrate(self) -> list[str]:
        return schema_migrate(transport=self.transport)
