"""The insert into ClickHouse alone, for `--floors`: the CPU per event of the ClickHouse server (background merges
included) and of clickhouse-driver in this process, inserting the flusher's rows (`clickhouse_row`) at a few insert
sizes. It leaves out everything else the flusher does (reading the inbox, looking up known keys), so it is what any
ClickHouse store pays at the least."""

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from bench.cpu import process_tree_seconds
from bench.servers import BenchServers
from metering.stores.base import EventRecord
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.flusher import clickhouse_row
from metering.stores.clickhouse.rows import EVENT_COLUMNS
from metering.stores.sql.events import event_row

INSERT_SIZES = (5_000, 20_000, 100_000)
EVENTS_PER_SIZE = 300_000
SUBSCRIPTIONS = 50
MERGES_POLL_SECONDS = 0.2


def clickhouse_insert_cost(
    servers: BenchServers, *, events: int = EVENTS_PER_SIZE, sizes: tuple[int, ...] = INSERT_SIZES
) -> dict:
    store = ClickHouseEventStore.from_url(servers.clickhouse_url)
    figures = []
    for size in sizes:
        rows = _rows(events, tag=f"insert-{size}")
        _merges_settled(store)
        server_before = process_tree_seconds(servers.clickhouse_pid)
        client_started, started = time.process_time(), time.monotonic()
        for start in range(0, events, size):
            store.transport.insert(EVENTS_TABLE, EVENT_COLUMNS, rows[start : start + size])
        client_seconds, seconds = time.process_time() - client_started, time.monotonic() - started
        _merges_settled(store)
        server_seconds = process_tree_seconds(servers.clickhouse_pid) - server_before
        figures.append(
            {
                "rows_per_insert": size,
                "events": events,
                "seconds": round(seconds, 2),
                "server_us_per_event": round(server_seconds / events * 1e6, 1),
                "client_us_per_event": round(client_seconds / events * 1e6, 1),
            }
        )
    return {
        "path": "the flusher's rows, built beforehand, inserted through the store's transport into the events table "
        "(its materialized views keep the rollups); server CPU until background merges settle",
        "sizes": figures,
    }


def _rows(events: int, *, tag: str) -> list[tuple]:
    organization_id, now = uuid4(), datetime.now(UTC)
    return [
        clickhouse_row(
            event_row(
                EventRecord(
                    organization_id=organization_id,
                    transaction_id=f"{tag}-{index}",
                    external_subscription_id=f"sub-{index % SUBSCRIPTIONS}",
                    code="bench_calls",
                    timestamp=now - timedelta(seconds=index % 86_400),
                    properties={"value": index % 100, "user_id": f"user-{index % 1_000}"},
                    precise_total_amount_cents=None,
                    ingested_at=now,
                )
            )
        )
        for index in range(events)
    ]


def _merges_settled(store: ClickHouseEventStore) -> None:
    while store.transport.execute("SELECT count() FROM system.merges")[0][0]:
        time.sleep(MERGES_POLL_SECONDS)
