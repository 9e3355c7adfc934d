"""The billing cycle: invoices per second through `manage.py bill` and through the Celery path, at several sizes, and
the latency of current usage for a subscription with a million events in its period.

Per size: an organization with N subscriptions on one monthly calendar plan with three charges (standard on a count,
graduated on a sum, package on a unique count), started at the beginning of the previous month, and N x
events-per-subscription events spread over the subscriptions and the period, loaded into ClickHouse. Both paths bill
the same data: `bill` first (in this process), then the invoices are removed and a Celery worker bills them again
from one `invoicing.billing_tick`. Each run must give exactly N invoices of one plan fee and three charge fees, and a
few subscriptions' totals are checked against the usage replayed from the event function.

PDFs excluded: what a finalized invoice enqueues (its PDF, webhook and payment collection) is published to Redis as in
production, but routed to a queue no worker consumes (bench.billing_settings), counted and purged after each run.
"""

import contextlib
import functools
import io
import os
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import override_settings

from bench.aggregation import summary_ms
from bench.billing_data import (
    BillingDataSet,
    events_load,
    expected_usage,
    external_id,
    month_start,
    next_month,
    organization_with_plan,
    subscriptions_bulk_create,
)
from bench.billing_settings import CELERY_TASK_ROUTES, FOLLOW_UP_QUEUE
from bench.cpu import OTHER, CpuMeter
from bench.servers import BenchServers, CeleryWorker, celery_worker
from billing.celery import app
from customers.models import Customer
from invoicing.models import Fee, Invoice, InvoiceSubscription
from invoicing.selectors.current_usage import current_usage
from metering.stores import get_event_store
from metering.stores.clickhouse import ClickHouseEventStore
from plans.models import Subscription

INVOICES_PER_S_TARGET = 300
CURRENT_USAGE_P95_TARGET_MS = 50
USAGE_WARMUPS = 3
# "Flat" cost per invoice: the larger run may cost at most this much more per invoice than the smallest.
FLAT_RATIO_TARGET = 1.2
WORKER_CONCURRENCY = 2
SPOT_CHECKS = 5
BILL_AFTER_PERIOD = timedelta(hours=1)
CELERY_MIN_TIMEOUT_SECONDS = 120
WORKER_SETTINGS_MODULE = "bench.billing_settings"
FOLLOW_UPS_SETTLE_SECONDS = 1


@dataclass(frozen=True)
class BillingOptions:
    sizes: list[int]
    events_per_subscription: int
    usage_events: int
    usage_runs: int


def billing_bench(servers: BenchServers, options: BillingOptions) -> dict:
    """Measures every size through both paths, then current usage; returns the figures (problems listed, not raised)."""
    period_start = month_start(month_start(datetime.now(UTC)) - timedelta(days=1))
    problems: list[str] = []
    runs = {}
    with (
        _clickhouse_store_and_redis_cache(servers) as store,
        celery_worker(servers, concurrency=WORKER_CONCURRENCY, settings_module=WORKER_SETTINGS_MODULE) as worker,
        _celery_broker(worker),
    ):
        paths = {"bill": _bill_command, "celery": functools.partial(_celery_tick, worker=worker)}
        for size in options.sizes:
            data, load = _data_set(store, size, options.events_per_subscription, period_start)
            runs[str(size)] = {"load": load}
            for path, bill in paths.items():
                figures = _timed_path(servers, data, bill, worker_pid=worker.pid if path == "celery" else None)
                figures["follow_up_tasks_parked"] = _follow_ups_purge(worker)
                figures["problems"] = _verify(data)
                if path == "celery" and figures["problems"]:
                    figures["problems"] += [f"worker log: {line}" for line in worker.errors()]
                problems += [f"{size} subscriptions, {path}: {problem}" for problem in figures["problems"]]
                runs[str(size)][path] = figures
                _invoices_remove()
            _retire(data)
        usage = _current_usage_bench(store, options)
    problems += [f"current usage: {problem}" for problem in usage["problems"]]
    figures = {
        "events_per_subscription": options.events_per_subscription,
        "period": {"from": period_start.isoformat(), "to": next_month(period_start).isoformat()},
        "worker_concurrency": WORKER_CONCURRENCY,
        "targets": {
            "invoices_per_s": INVOICES_PER_S_TARGET,
            "cost_ratio_at_most": FLAT_RATIO_TARGET,
            "current_usage_p95_ms": CURRENT_USAGE_P95_TARGET_MS,
        },
        "runs": runs,
        "cost_ratio": _cost_ratios(runs, options.sizes),
        "current_usage": usage,
        "problems": problems,
    }
    figures["missed_targets"] = missed_targets(figures)
    return figures


@contextlib.contextmanager
def _clickhouse_store_and_redis_cache(servers: BenchServers) -> Iterator[ClickHouseEventStore]:
    """This process as a production one: the ClickHouse event store and Django's cache on Redis (database 0)."""
    caches = {"default": {"BACKEND": "billing.cache.ReusedClientRedisCache", "LOCATION": servers.redis_url}}
    with override_settings(CLICKHOUSE_URL=servers.clickhouse_url, CACHES=caches):
        get_event_store.cache_clear()
        try:
            yield get_event_store()
        finally:
            get_event_store.cache_clear()


@contextlib.contextmanager
def _celery_broker(worker: CeleryWorker) -> Iterator[None]:
    """This process's Celery app on the worker's broker, with the worker's routes (see bench.billing_settings)."""
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_routes")}
    app.conf.update(broker_url=worker.broker_url, broker_transport_options={}, task_routes=CELERY_TASK_ROUTES)
    try:
        yield
    finally:
        app.conf.update(saved)


def _follow_ups_purge(worker: CeleryWorker) -> int:
    """Empties the parked follow-up queue once it stops growing (a batch enqueues after its commit, so just after its
    invoices appear); returns how many tasks the run enqueued there."""
    with app.connection_for_write(worker.broker_url) as broker:
        channel = broker.default_channel
        previous, parked = -1, channel.queue_declare(FOLLOW_UP_QUEUE).message_count
        while parked != previous:
            time.sleep(FOLLOW_UPS_SETTLE_SECONDS)
            previous, parked = parked, channel.queue_declare(FOLLOW_UP_QUEUE).message_count
        return channel.queue_purge(FOLLOW_UP_QUEUE) or 0


def _data_set(
    store: ClickHouseEventStore, size: int, events_per_subscription: int, period_start: datetime
) -> tuple[BillingDataSet, dict]:
    started = time.monotonic()
    organization, plan = organization_with_plan(name=f"bench-billing-{size}")
    subscriptions_bulk_create(organization=organization, plan=plan, count=size, started_at=period_start)
    created = time.monotonic() - started
    data = BillingDataSet(
        organization=organization,
        subscriptions=size,
        events_per_subscription=events_per_subscription,
        period_start=period_start,
        period_end=next_month(period_start),
    )
    return data, {"subscriptions_created_seconds": round(created, 1), **events_load(store, data)}


def _bill_command(data: BillingDataSet) -> None:
    call_command(
        "bill",
        at=data.period_end + BILL_AFTER_PERIOD,
        organization=data.organization.name,
        verbosity=0,
        stdout=io.StringIO(),
    )


def _celery_tick(data: BillingDataSet, worker: CeleryWorker) -> None:
    """Sends the hourly tick (as beat would) and waits until every subscription has its invoice."""
    at = (data.period_end + BILL_AFTER_PERIOD).isoformat()
    with app.connection_for_write(worker.broker_url) as broker:
        app.send_task("invoicing.billing_tick", args=[at], connection=broker)
    deadline = time.monotonic() + max(CELERY_MIN_TIMEOUT_SECONDS, data.subscriptions / 20)
    invoices = Invoice.objects.filter(organization=data.organization)
    while invoices.count() < data.subscriptions and time.monotonic() < deadline:
        time.sleep(0.25)


def _timed_path(
    servers: BenchServers, data: BillingDataSet, bill: Callable[[BillingDataSet], None], *, worker_pid: int | None
) -> dict:
    roots = {"postgresql": servers.postgres_pid, "clickhouse": servers.clickhouse_pid, "celery worker": worker_pid}
    load_before = os.getloadavg()
    own_before = _own_cpu_seconds()
    with CpuMeter(roots) as meter:
        started = time.perf_counter()
        bill(data)
        seconds = time.perf_counter() - started
    invoices = Invoice.objects.filter(organization=data.organization).count()
    own_cores = (_own_cpu_seconds() - own_before) / seconds
    cores = {name: value for name, value in meter.cores.items() if name != "wrk"}
    # This process's own CPU is in the machine's busy time: take it out of "other processes".
    cores[OTHER] = round(max(0.0, cores[OTHER] - own_cores), 2)
    cores = {"this process": round(own_cores, 2), **cores}
    # CPU time per invoice of the benchmark's own processes: unlike the wall-clock rate, it hardly moves with what
    # else the (shared) machine runs.
    cpu_ms = {name: used * seconds * 1000 / invoices for name, used in cores.items() if name != OTHER and invoices}
    return {
        "subscriptions": data.subscriptions,
        "invoices": invoices,
        "seconds": round(seconds, 2),
        "invoices_per_s": round(invoices / seconds, 1),
        "ms_per_invoice": round(seconds * 1000 / invoices, 3) if invoices else None,
        "cpu_cores": cores,
        "cpu_ms_per_invoice": {name: round(ms, 2) for name, ms in cpu_ms.items()},
        "load_average_before": load_before,
    }


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _verify(data: BillingDataSet) -> list[str]:
    """Exactly one invoice per subscription, each with one plan fee and three charge fees, and spot-checked totals."""
    problems = []
    invoices = Invoice.objects.filter(organization=data.organization)
    count = invoices.count()
    if count != data.subscriptions:
        problems.append(f"{count} invoices for {data.subscriptions} subscriptions")
    misshapen = (
        invoices.annotate(
            plan_fees=Count("fees", filter=Q(fees__fee_type=Fee.FeeType.SUBSCRIPTION)),
            charge_fees=Count("fees", filter=Q(fees__fee_type=Fee.FeeType.CHARGE)),
        )
        .exclude(plan_fees=1, charge_fees=3)
        .count()
    )
    if misshapen:
        problems.append(f"{misshapen} invoices without exactly 1 plan fee and 3 charge fees")
    billed_twice = (
        InvoiceSubscription.objects.filter(invoice__organization=data.organization)
        .values("subscription_id")
        .annotate(invoices=Count("id"))
        .filter(invoices__gt=1)
        .count()
    )
    if billed_twice:
        problems.append(f"{billed_twice} subscriptions billed more than once")
    step = max(1, data.subscriptions // SPOT_CHECKS)
    for number in range(0, data.subscriptions, step)[:SPOT_CHECKS]:
        expected = expected_usage(data, number).total
        billed = (
            invoices.filter(invoice_subscriptions__subscription__external_id=external_id(number))
            .values_list("total_amount", flat=True)
            .first()
        )
        if billed != expected:
            problems.append(f"{external_id(number)}: invoice total {billed}, expected {expected} from its events")
    return problems


def _invoices_remove() -> None:
    """Empties the invoicing tables (this benchmark's database holds nothing else of them), so the next path bills
    the same subscriptions again."""
    models = apps.get_app_config("invoicing").get_models()
    tables = [model._meta.db_table for model in models]
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _retire(data: BillingDataSet) -> None:
    """Removes a measured size's subscriptions, so that a larger run's tick does not also scan them."""
    Subscription.objects.filter(organization=data.organization).delete()
    Customer.objects.filter(organization=data.organization).delete()


def _cost_ratios(runs: dict, sizes: list[int]) -> dict:
    """ms per invoice of the largest size over the smallest's, per path (1.0 is perfectly flat)."""
    if len(sizes) < 2:
        return {}
    smallest, largest = runs[str(min(sizes))], runs[str(max(sizes))]
    ratios = {}
    for path in ("bill", "celery"):
        small, large = smallest[path]["ms_per_invoice"], largest[path]["ms_per_invoice"]
        ratios[path] = round(large / small, 2) if small and large else None
    return {"sizes": [min(sizes), max(sizes)], **ratios}


def _current_usage_bench(store: ClickHouseEventStore, options: BillingOptions) -> dict:
    """current_usage() of one subscription whose open period holds `usage_events` events (over the three metrics):
    cold (the cache cleared, untimed, before each call, so the computation) and warm (the cached answer), after a few
    untimed calls that open the connections a running server would hold."""
    period_start = month_start(datetime.now(UTC))
    organization, plan = organization_with_plan(name="bench-current-usage")
    subscriptions_bulk_create(organization=organization, plan=plan, count=1, started_at=period_start)
    data = BillingDataSet(
        organization=organization,
        subscriptions=1,
        events_per_subscription=options.usage_events,
        period_start=period_start,
        period_end=next_month(period_start),
    )
    load = events_load(store, data)

    def call() -> dict:
        return current_usage(
            organization=organization,
            external_customer_id="bench-customer-0",
            external_subscription_id=external_id(0),
        )

    for _ in range(USAGE_WARMUPS):  # a running server's connections (and ClickHouse query threads) are open
        cache.clear()
        call()
    cold_durations, answer = _durations(call, options.usage_runs, before_each=cache.clear)
    call()  # the cached answer for the warm runs
    warm_durations, _answer = _durations(call, options.usage_runs)
    expected = expected_usage(data, 0)
    problems = []
    if answer["amount_cents"] != int((expected.total - expected.fees[0]) * 100):
        problems.append(f"amount_cents {answer['amount_cents']}, expected {(expected.total - expected.fees[0]) * 100}")
    counted = sum(charge["events_count"] for charge in answer["charges_usage"])
    if counted != options.usage_events:
        problems.append(f"counted {counted} of {options.usage_events} events")
    return {
        "events": options.usage_events,
        "period": {"from": data.period_start.isoformat(), "to": data.period_end.isoformat()},
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "load": load,
        "cold": summary_ms(cold_durations),
        "warm": summary_ms(warm_durations),
        "amount_cents": answer["amount_cents"],
        "problems": problems,
    }


def _durations(
    call: Callable[[], dict], runs: int, *, before_each: Callable[[], object] | None = None
) -> tuple[list[float], dict]:
    """Milliseconds of each call; `before_each` runs untimed before it (clearing the cache for cold calls)."""
    durations, answer = [], None
    for _ in range(runs):
        if before_each is not None:
            before_each()
        started = time.perf_counter()
        result = call()
        durations.append((time.perf_counter() - started) * 1000)
        answer = answer or result
    return durations, answer


def missed_targets(figures: dict) -> list[str]:
    targets = figures["targets"]
    missed = []
    for size, run in figures["runs"].items():
        for path in ("bill", "celery"):
            rate = run[path]["invoices_per_s"]
            if rate < targets["invoices_per_s"]:
                missed.append(f"{size} subscriptions, {path}: {rate:,.0f} invoices/s < {targets['invoices_per_s']}")
    for path in ("bill", "celery"):
        ratio = figures["cost_ratio"].get(path)
        if ratio is not None and ratio > targets["cost_ratio_at_most"]:
            missed.append(f"{path}: cost per invoice x{ratio} from the smallest to the largest run")
    for mode in ("cold", "warm"):
        p95 = figures["current_usage"][mode]["p95_ms"]
        if p95 > targets["current_usage_p95_ms"]:
            missed.append(f"current usage ({mode}): p95 {p95} ms > {targets['current_usage_p95_ms']} ms")
    return missed
