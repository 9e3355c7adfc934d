"""The ClickHouse store: events are first appended to a durable Redis inbox (which refuses repeated transaction_ids
within the deduplication window, so that ingestion never depends on ClickHouse being up), then forwarded by the
flusher; events and usage are read from ClickHouse, after the organization's waiting events are flushed."""

from collections.abc import Sequence
from uuid import UUID

from metering.stores.base import EventRecord, InsertOutcome
from metering.stores.clickhouse.aggregation import ClickHouseUsageAggregation
from metering.stores.clickhouse.flusher import events_flush
from metering.stores.clickhouse.inbox import RedisEventInbox
from metering.stores.clickhouse.reads import ClickHouseEventReads
from metering.stores.clickhouse.schema import schema_migrate
from metering.stores.clickhouse.transport import DriverTransport, Transport


class ClickHouseEventStore(ClickHouseEventReads, ClickHouseUsageAggregation):
    def __init__(self, transport: Transport, inbox: RedisEventInbox | None = None):
        """inbox: by default the configured Redis, in the ClickHouse database's namespace."""
        self.transport = transport
        self.inbox = inbox or RedisEventInbox.configured(database=transport.database)

    def insert(self, events: Sequence[EventRecord]) -> InsertOutcome:
        duplicates = self.inbox.append(events)
        return InsertOutcome(stored=0 if duplicates else len(events), duplicates=duplicates)

    @classmethod
    def from_url(cls, url: str) -> "ClickHouseEventStore":
        """clickhouse://user:password@host:port/database (native protocol)."""
        return cls(DriverTransport.from_url(url))

    def flush(
        self, *, organization_id: UUID | None = None, wait_for_locked: bool = False, follow_seconds: float = 0
    ) -> int:
        return events_flush(
            transport=self.transport,
            inbox=self.inbox,
            organization_id=organization_id,
            wait_for_locked=wait_for_locked,
            follow_seconds=follow_seconds,
        )

    def flush_for_reading(self, organization_id: UUID) -> None:
        """Forwards the organization's waiting events, waiting for a flusher that holds them, so that a read (of
        usage or of events) sees every event acknowledged before it."""
        self.flush(organization_id=organization_id, wait_for_locked=True)

    def migrate(self) -> list[str]:
        return schema_migrate(transport=self.transport)
