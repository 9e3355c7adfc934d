"""Aggregation latency: count, sum and unique_count of one subscription with a million events in its period.

The data set is bulk-loaded (the ingestion benchmark measures ingestion and the flusher): into ClickHouse as the
rows the store's flusher builds, and into PostgreSQL as already-flushed inbox rows, which are the SQL store's table.
So the SQL store aggregates the very same events, for comparison, and both stores must give the same results.

It also times the flusher's check for the keys ClickHouse already holds, for a flush of new events of that
subscription: the one flusher step whose cost grows with a subscription's history.

unique_count is timed twice: on the main data set, whose events only add values (the rollup path), and on a tenth
as many events of another code where one event in REMOVE_EVERY removes its value (operation_type), which the
ClickHouse store recomputes from raw events.
"""

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from django.db import connection, transaction
from psycopg.types.json import Jsonb

from bench.servers import BenchServers
from billing.services import organization_create
from metering.models import Event
from metering.stores.base import Aggregation, EventRecord, EventStore, SubscriptionWindow, UsageQuery, UsageResult
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.flusher import clickhouse_row, known_keys
from metering.stores.clickhouse.rows import EVENT_COLUMNS, rows_columns
from metering.stores.sql import SqlEventStore
from metering.stores.sql.events import event_row

SUBSCRIPTION_ID = "bench-aggregation-subscription"
PERIOD = timedelta(days=30)
DISTINCT_USERS = 20_000
REMOVE_EVERY = 20
P95_TARGET_MS = 50
MERGES_TIMEOUT_SECONDS = 60
KNOWN_KEYS_BATCH = 15_000  # a flush's events under sustained ingestion
T = TypeVar("T")


@dataclass(frozen=True)
class DataSet:
    """Events of one code for the benchmarked subscription, spread evenly over its period: values 0-99 and users
    cycling through DISTINCT_USERS; with removes_every, every n-th event removes its user."""

    code: str
    events: int
    aggregations: dict[str, Aggregation]
    removes_every: int | None = None


def data_sets(events: int) -> list[DataSet]:
    return [
        DataSet(
            code="bench_usage",
            events=events,
            aggregations={
                "count": Aggregation(aggregation_type="count_agg"),
                "sum": Aggregation(aggregation_type="sum_agg", field_name="value"),
                "unique_count": Aggregation(aggregation_type="unique_count_agg", field_name="user_id"),
            },
        ),
        DataSet(
            code="bench_seats",
            events=events // 10,
            aggregations={
                "unique_count_with_removes": Aggregation(aggregation_type="unique_count_agg", field_name="user_id")
            },
            removes_every=REMOVE_EVERY,
        ),
    ]


@dataclass(frozen=True)
class Timing:
    """Timed runs per aggregation after untimed warm-ups; past the budget, runs stop (the count is reported)."""

    runs: int
    warmups: int
    budget_seconds: float


def aggregation_bench(servers: BenchServers, *, events: int, batch_size: int, timings: dict[str, Timing]) -> dict:
    organization, _key = organization_create(name="bench-aggregation")
    window = _period()
    clickhouse_store = ClickHouseEventStore.from_url(servers.clickhouse_url)
    sets = data_sets(events)
    load = _load(clickhouse_store, organization.id, window, sets, batch_size=batch_size)
    stores: dict[str, EventStore] = {"clickhouse": clickhouse_store, "postgresql": SqlEventStore()}
    figures: dict[str, dict] = {name: {} for name in stores}
    answers: dict[str, dict[str, UsageResult]] = {name: {} for name in stores}
    problems = []
    for data_set in sets:
        for label, aggregation in data_set.aggregations.items():
            query = UsageQuery(
                organization_id=organization.id, code=data_set.code, aggregation=aggregation, windows=[window]
            )
            for name, store in stores.items():
                results, summary = _timed(lambda query=query, store=store: store.aggregate(query), timings[name])
                (answer,) = results
                answers[name][label] = answer
                figures[name][label] = {
                    "events": data_set.events,
                    **summary,
                    "units": str(answer.units),
                    "events_count": answer.events_count,
                }
            if answers["clickhouse"][label] != answers["postgresql"][label]:
                problems.append(
                    f"{label}: ClickHouse answers {answers['clickhouse'][label]}, "
                    f"PostgreSQL {answers['postgresql'][label]}"
                )
            # Every event of a data set counts: all carry a numeric value and a user.
            if answers["clickhouse"][label].events_count != data_set.events:
                problems.append(f"{label}: counted {answers['clickhouse'][label].events_count} of {data_set.events}")
    known_keys_timing = _known_keys_check(clickhouse_store, organization.id, window, sets[0], timings["clickhouse"])
    return {
        "events": events,
        "subscription": SUBSCRIPTION_ID,
        "flusher_known_keys": known_keys_timing,
        "window": {"from": window.from_datetime.isoformat(), "to": window.to_datetime.isoformat()},
        "data_sets": [{**asdict(data_set), "aggregations": list(data_set.aggregations)} for data_set in sets],
        "load": load,
        "timings": {name: asdict(timing) for name, timing in timings.items()},
        "p95_target_ms": P95_TARGET_MS,
        "stores": figures,
        "problems": problems,
    }


def _period() -> SubscriptionWindow:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)
    return SubscriptionWindow(
        external_subscription_id=SUBSCRIPTION_ID, from_datetime=start, to_datetime=start + PERIOD, recurring_from=start
    )


def _records(organization_id: UUID, window: SubscriptionWindow, data_set: DataSet, *, start: int, stop: int):
    step = (window.to_datetime - window.from_datetime) / data_set.events
    ingested_at = datetime.now(UTC)
    for index in range(start, stop):
        properties = {"value": index % 100, "user_id": f"user-{index % DISTINCT_USERS}"}
        if data_set.removes_every and index % data_set.removes_every == data_set.removes_every - 1:
            properties["operation_type"] = "remove"
        yield EventRecord(
            organization_id=organization_id,
            transaction_id=f"{data_set.code}-{index}",
            external_subscription_id=SUBSCRIPTION_ID,
            code=data_set.code,
            timestamp=window.from_datetime + step * index,
            properties=properties,
            precise_total_amount_cents=None,
            ingested_at=ingested_at,
        )


def _batches(
    organization_id: UUID, window: SubscriptionWindow, data_set: DataSet, *, batch_size: int
) -> Iterator[list[EventRecord]]:
    for start in range(0, data_set.events, batch_size):
        stop = min(data_set.events, start + batch_size)
        yield list(_records(organization_id, window, data_set, start=start, stop=stop))


def _inbox_copy(rows: list[Event]) -> None:
    fields = Event._meta.concrete_fields
    statement = f"COPY {Event._meta.db_table} ({', '.join(field.column for field in fields)}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = (getattr(row, field.attname) for field in fields)
            copy.write_row([Jsonb(value) if isinstance(value, dict) else value for value in values])


def _load(
    store: ClickHouseEventStore, organization_id: UUID, window: SubscriptionWindow, sets: list[DataSet], *, batch_size
) -> dict:
    """Each batch into ClickHouse through the rows the flusher builds (its materialized views keep the rollups), and
    into the inbox as already-flushed rows (COPY), so that both stores hold the same events."""
    seconds = {"clickhouse": 0.0, "inbox": 0.0}
    for data_set in sets:
        for batch in _batches(organization_id, window, data_set, batch_size=batch_size):
            rows = [event_row(record) for record in batch]  # already forwarded: nothing queued
            started = time.monotonic()
            store.transport.insert(EVENTS_TABLE, EVENT_COLUMNS, [clickhouse_row(row) for row in rows])
            inserted = time.monotonic()
            _inbox_copy(rows)
            seconds["clickhouse"] += inserted - started
            seconds["inbox"] += time.monotonic() - inserted
    events = sum(data_set.events for data_set in sets)
    merges_seconds = _settle(store)
    return {
        "path": (
            "ClickHouse: the flusher's rows (metering.stores.clickhouse.flusher.clickhouse_row) inserted in batches; "
            "PostgreSQL: the same events as already-flushed inbox rows, by COPY"
        ),
        "batch_size": batch_size,
        "events": events,
        "clickhouse_seconds": round(seconds["clickhouse"], 2),
        "clickhouse_events_per_s": round(events / seconds["clickhouse"]),
        "inbox_copy_seconds": round(seconds["inbox"], 2),
        "settling": (
            f"waited {merges_seconds:.1f} s for ClickHouse's background merges of the fresh parts; "
            "VACUUM ANALYZE on the PostgreSQL table"
        ),
    }


def _known_keys_check(
    store: ClickHouseEventStore, organization_id: UUID, window: SubscriptionWindow, data_set: DataSet, timing: Timing
) -> dict:
    """The flusher's check for keys ClickHouse already holds, for a flush of new events of the subscription: it reads
    the subscription's whole history (a repeat past the inbox's window may carry any timestamp)."""
    fresh = DataSet(code=data_set.code, events=KNOWN_KEYS_BATCH, aggregations={})
    records = [
        replace(record, transaction_id=f"fresh-{record.transaction_id}")
        for record in _records(organization_id, window, fresh, start=0, stop=KNOWN_KEYS_BATCH)
    ]
    columns = rows_columns(clickhouse_row(event_row(record)) for record in records)
    found, summary = _timed(lambda: known_keys(store.transport, columns), timing)
    return {"history_events": data_set.events, "batch_events": KNOWN_KEYS_BATCH, "found": len(found), **summary}


def _settle(store: ClickHouseEventStore) -> float:
    """Lets both databases reach the state a month of accumulated data would be in, so that timings do not include
    merging the parts just inserted or a table without planner statistics; returns the seconds waited for merges."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Event._meta.db_table}")
    started = time.monotonic()
    while time.monotonic() - started < MERGES_TIMEOUT_SECONDS:
        ((merging,),) = store.transport.execute("SELECT count() FROM system.merges")
        if not merging:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def _timed(call: Callable[[], T], timing: Timing) -> tuple[T, dict]:
    """The first answer and the latency summary of the timed runs (at least one; the budget cuts slow ones short)."""
    answer = call() if timing.warmups else None
    for _ in range(timing.warmups - 1):
        call()
    durations = []
    deadline = time.monotonic() + timing.budget_seconds
    while len(durations) < timing.runs and (not durations or time.monotonic() < deadline):
        started = time.perf_counter()
        result = call()
        durations.append((time.perf_counter() - started) * 1000)
        answer = result if answer is None else answer
    return answer, summary_ms(durations)


def summary_ms(durations: list[float]) -> dict:
    """p50/p95 (inclusive quantiles: within the samples' range), min, max and the number of runs, in ms."""
    runs = len(durations)
    # quantiles needs two samples; a single run is its own p50 and p95.
    percentiles = statistics.quantiles(durations * 2 if runs == 1 else durations, n=100, method="inclusive")
    return {
        "runs": runs,
        "p50_ms": round(percentiles[49], 2),
        "p95_ms": round(percentiles[94], 2),
        "min_ms": round(min(durations), 2),
        "max_ms": round(max(durations), 2),
    }
