"""The configured event store: ClickHouse when CLICKHOUSE_URL is set, else the SQL store over the main database."""

from functools import cache

from django.conf import settings

from metering.stores.base import EventStore


@cache
def get_event_store() -> EventStore:
    if settings.CLICKHOUSE_URL:
        from metering.stores.clickhouse import ClickHouseEventStore

        return ClickHouseEventStore.from_url(settings.CLICKHOUSE_URL)
    from metering.stores.sql import SqlEventStore

    return SqlEventStore()
