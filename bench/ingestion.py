"""Ingestion throughput: wrk POSTing 100-event batches to gunicorn, for the bare baseline view, the SQL store on
PostgreSQL and the ClickHouse store (Redis inbox plus a flusher loop forwarding to ClickHouse)."""

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from bench.cpu import OTHER, CpuMeter
from bench.servers import BenchServers, WebServer, flusher_loop, gunicorn
from bench.tenants import Tenant, tenant_create
from bench.urls import BASELINE_PATH, FLOOR_PATHS
from bench.wrk import EventBatches, Load, WrkResult, wrk_run
from metering.stores.base import Aggregation, EventListFilters, SubscriptionWindow, UsageQuery
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.inbox import RedisEventInbox
from metering.stores.clickhouse.transport import DriverTransport
from metering.stores.sql import SqlEventStore

BATCH_PATH = "api/v1/events/batch"
TARGETS = {"clickhouse_events_per_s": 20_000, "postgresql_events_per_s": 10_000, "ratio_to_baseline": 0.5}
SETTLE_POLL_SECONDS = 0.25
DRAIN_TIMEOUT_SECONDS = 180


@dataclass
class ConfigurationResult:
    name: str
    events_per_s: float
    requests: int
    requests_sent: int
    seconds: float
    latency_ms: dict[str, float]
    socket_errors: dict[str, int]
    cpu_cores: dict[str, float]
    # events/s scaled to every core of the machine going to the benchmark's own processes: what an idle machine
    # would give if throughput grows with the CPU it gets (a projection; the shared machine's figure is events_per_s)
    projected_idle_events_per_s: float | None
    events_stored: int | None = None
    ratio_to_baseline: float | None = None
    clickhouse: dict | None = None
    problems: list[str] = field(default_factory=list)


CONFIGURATIONS = ("baseline", "postgresql", "clickhouse")
FLOOR_CONFIGURATIONS = tuple(FLOOR_PATHS)


def ingestion_bench(
    servers: BenchServers, *, load: Load, warmup: Load, configurations: Sequence[str] = CONFIGURATIONS
) -> dict:
    """Figures per configuration, the baseline first: the others' ratios are to it."""
    now = datetime.now(UTC)
    timestamp = int(now.timestamp()) - 60
    results = []
    for name in configurations:
        if name == "baseline":
            results.append(_baseline(servers, load=load, warmup=warmup, timestamp=timestamp))
            continue
        tenant = tenant_create(name=f"bench-ingestion-{name}", subscription_at=now - timedelta(days=1))
        if name in FLOOR_PATHS:
            measure = partial(_floor, name=name)
        else:
            measure = _sql_store if name == "postgresql" else _clickhouse_store
        results.append(measure(servers, tenant, load=load, warmup=warmup, timestamp=timestamp))
    baseline = results[0] if configurations[0] == "baseline" else None
    for result in results:
        if baseline is not None and baseline.events_per_s:
            result.ratio_to_baseline = result.events_per_s / baseline.events_per_s
    return {
        "server": f"gunicorn, {servers.web_workers} sync workers, DEBUG off, CONN_MAX_AGE 600, loopback",
        "load": {**asdict(load), "generator": "wrk + bench/wrk/events_batch.lua", "warmup_seconds": warmup.seconds},
        "targets": TARGETS,
        "configurations": {result.name: asdict(result) for result in results},
    }


def _batches(tenant: Tenant | None, *, run_tag: str, timestamp: int) -> EventBatches:
    return EventBatches(
        run_tag=run_tag,
        api_key=tenant.api_key if tenant else "",
        external_subscription_id=tenant.external_subscription_id if tenant else "bench-subscription",
        code=tenant.code if tenant else "bench_calls",
        timestamp=timestamp,
    )


def _measured(
    servers: BenchServers, web: WebServer, target: str, *, load: Load, batches: EventBatches, flusher: int | None = None
) -> tuple[WrkResult, dict[str, float]]:
    roots = {
        "gunicorn": web.pid,
        "postgresql": servers.postgres_pid,
        "clickhouse": servers.clickhouse_pid,
        "flusher": flusher,
        "redis (inbox)": servers.inbox_pid,
        "redis (cache)": servers.redis_pid,
    }
    with CpuMeter(roots) as meter:
        run = wrk_run(url=target, load=load, batches=batches)
    return run, meter.cores


def _result(name: str, run: WrkResult, load: Load, cores: dict[str, float]) -> ConfigurationResult:
    result = ConfigurationResult(
        name=name,
        events_per_s=run.requests * load.batch_size / run.seconds,
        requests=run.requests,
        requests_sent=run.sent,
        seconds=run.seconds,
        latency_ms=run.latency_ms,
        socket_errors=run.socket_errors,
        cpu_cores=cores,
        projected_idle_events_per_s=_projected(run.requests * load.batch_size / run.seconds, cores),
    )
    if run.not_200:
        result.problems.append(f"{run.not_200} responses were not 200")
    if run.requests == 0:
        result.problems.append("no request was answered")
    return result


def _projected(events_per_s: float, cores: dict[str, float]) -> float | None:
    own = sum(used for component, used in cores.items() if component != OTHER)
    return events_per_s * os.cpu_count() / own if own else None


def _baseline(servers: BenchServers, *, load: Load, warmup: Load, timestamp: int) -> ConfigurationResult:
    with gunicorn(servers, name="baseline", clickhouse_store=False) as web:
        target = f"{web.url}/{BASELINE_PATH}"
        wrk_run(url=target, load=warmup, batches=_batches(None, run_tag="warmup", timestamp=timestamp))
        batches = _batches(None, run_tag="measure", timestamp=timestamp)
        run, cores = _measured(servers, web, target, load=load, batches=batches)
    return _result("baseline", run, load, cores)


def _floor(
    servers: BenchServers, tenant: Tenant, *, load: Load, warmup: Load, timestamp: int, name: str
) -> ConfigurationResult:
    """A floor (bench/floors.py) served as the ClickHouse store is: its workers and its inbox Redis."""
    with gunicorn(servers, name=name, clickhouse_store=True) as web:
        target = f"{web.url}/{FLOOR_PATHS[name]}"
        wrk_run(url=target, load=warmup, batches=_batches(tenant, run_tag="warmup", timestamp=timestamp))
        batches = _batches(tenant, run_tag="measure", timestamp=timestamp)
        run, cores = _measured(servers, web, target, load=load, batches=batches)
    return _result(name, run, load, cores)


def _stored_count(tenant: Tenant) -> int:
    _page, total = SqlEventStore().list(
        organization_id=tenant.organization_id, filters=EventListFilters(), offset=0, limit=0
    )
    return total


def _inbox(servers: BenchServers) -> RedisEventInbox:
    return RedisEventInbox.configured(database=DriverTransport.from_url(servers.clickhouse_url).database)


def _settled(read: Callable[[], int]) -> int:
    """The reading once it stops changing: requests in flight when wrk stopped are still being stored."""
    previous = read()
    while True:
        time.sleep(SETTLE_POLL_SECONDS)
        current = read()
        if current == previous:
            return current
        previous = current


def _check_stored(result: ConfigurationResult, run: WrkResult, stored: int, batch_size: int) -> None:
    """Every answered batch is stored whole; a batch still in flight when wrk stopped may be stored or not."""
    result.events_stored = stored
    if not run.requests * batch_size <= stored <= run.sent * batch_size or stored % batch_size:
        result.problems.append(
            f"{stored} events stored for {run.requests} answered and {run.sent} sent batches of {batch_size}"
        )


def _sql_store(
    servers: BenchServers, tenant: Tenant, *, load: Load, warmup: Load, timestamp: int
) -> ConfigurationResult:
    with gunicorn(servers, name="postgresql", clickhouse_store=False) as web:
        target = f"{web.url}/{BATCH_PATH}"
        wrk_run(url=target, load=warmup, batches=_batches(tenant, run_tag="warmup", timestamp=timestamp))
        before = _settled(lambda: _stored_count(tenant))
        batches = _batches(tenant, run_tag="measure", timestamp=timestamp)
        run, cores = _measured(servers, web, target, load=load, batches=batches)
        stored = _settled(lambda: _stored_count(tenant)) - before
    result = _result("postgresql", run, load, cores)
    _check_stored(result, run, stored, load.batch_size)
    return result


def _wait_drained(inbox: RedisEventInbox, tenant: Tenant, flusher: subprocess.Popen) -> float | None:
    """The monotonic time at which the flusher had forwarded every event of the tenant to ClickHouse; None if it
    had not within DRAIN_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while inbox.backlog(tenant.organization_id):
        if flusher.poll() is not None:
            raise RuntimeError(f"the flusher loop exited with {flusher.returncode}")
        if time.monotonic() > deadline:
            return None
        time.sleep(SETTLE_POLL_SECONDS / 5)
    return time.monotonic()


def _clickhouse_count(servers: BenchServers, tenant: Tenant, timestamp: int) -> int:
    at = datetime.fromtimestamp(timestamp, UTC)
    window = SubscriptionWindow(
        external_subscription_id=tenant.external_subscription_id,
        from_datetime=at,
        to_datetime=at + timedelta(seconds=1),
    )
    query = UsageQuery(
        organization_id=tenant.organization_id,
        code=tenant.code,
        aggregation=Aggregation(aggregation_type="count_agg"),
        windows=[window],
    )
    (result,) = ClickHouseEventStore.from_url(servers.clickhouse_url).aggregate(query)
    return result.events_count


def _clickhouse_store(
    servers: BenchServers, tenant: Tenant, *, load: Load, warmup: Load, timestamp: int
) -> ConfigurationResult:
    """HTTP acceptance into the inbox, and the rate at which the flusher loop gets those events into ClickHouse."""
    with flusher_loop(servers) as flusher, gunicorn(servers, name="clickhouse", clickhouse_store=True) as web:
        target = f"{web.url}/{BATCH_PATH}"
        wrk_run(url=target, load=warmup, batches=_batches(tenant, run_tag="warmup", timestamp=timestamp))
        inbox = _inbox(servers)
        accepted = lambda: inbox.appended(tenant.organization_id)  # noqa: E731 - read again and again
        before = _settled(accepted)
        _wait_drained(inbox, tenant, flusher)
        started = time.monotonic()
        batches = _batches(tenant, run_tag="measure", timestamp=timestamp)
        run, cores = _measured(servers, web, target, load=load, batches=batches, flusher=flusher.pid)
        load_ended = time.monotonic()
        # Read at once: the flusher keeps going while in-flight requests settle.
        accepted_when_load_ended = accepted() - before
        backlog_after_load = inbox.backlog(tenant.organization_id)
        stored = _settled(accepted) - before
        drained = _wait_drained(inbox, tenant, flusher)
    result = _result("clickhouse", run, load, cores)
    _check_stored(result, run, stored, load.batch_size)
    if drained is None:
        result.problems.append(f"the flusher left events in the inbox for over {DRAIN_TIMEOUT_SECONDS} s")
        return result
    in_clickhouse = _clickhouse_count(servers, tenant, timestamp)
    if in_clickhouse != before + stored:
        result.problems.append(f"ClickHouse counts {in_clickhouse} events, the inbox holds {before + stored}")
    result.clickhouse = {
        "flushed_during_load_events_per_s": (accepted_when_load_ended - backlog_after_load) / run.seconds,
        "backlog_when_load_ended": backlog_after_load,
        "drain_seconds_after_load": drained - load_ended,
        # The flusher alone (no HTTP load left), over the backlog the load left behind.
        "drain_events_per_s": backlog_after_load / (drained - load_ended) if backlog_after_load else None,
        "sustained_events_per_s": stored / (drained - started),
        "projected_idle_sustained_events_per_s": _projected(stored / (drained - started), cores),
        "events_counted_in_clickhouse": in_clickhouse,
    }
    return result
