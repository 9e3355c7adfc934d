"""The billing benchmark's data set: one organization, three metrics, a monthly calendar plan with three charges, N
customers and subscriptions bulk-created with the ORM, and events bulk-loaded straight into ClickHouse as the rows the
flusher builds (the ingestion benchmark measures ingestion and the flusher).

Every event is a pure function of (subscription number, event number), so the usage a subscription should be billed
for is recomputed here from the same function, independently of the event store and of rating.
"""

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from billing.models import Organization
from billing.services import organization_create
from customers.models import Customer
from metering.stores.clickhouse import ClickHouseEventStore
from metering.stores.clickhouse.ddl import EVENTS_TABLE
from metering.stores.clickhouse.rows import EVENT_COLUMNS, queued_row
from metering.stores.clickhouse.timestamps import microseconds
from plans.models import Plan, Subscription
from plans.services.billable_metrics import billable_metric_create
from plans.services.plans import ChargeSpec, plan_create

PLAN_CODE = "bench_monthly"
PLAN_AMOUNT = Decimal("10.00")
CURRENCY = "USD"
# code -> (aggregation type, field name); events cycle through the codes in this order.
METRICS = {
    "bench_calls": ("count_agg", ""),
    "bench_volume": ("sum_agg", "value"),
    "bench_seats": ("unique_count_agg", "user_id"),
}
CODES = tuple(METRICS)
CALLS_PRICE = Decimal("0.02")  # standard, per call
VOLUME_FIRST_TIER = (Decimal(1000), Decimal("0.001"), Decimal(1))  # graduated: (last unit, per unit, flat amount)
VOLUME_NEXT_PER_UNIT = Decimal("0.0005")
SEATS_PACKAGE = (5, Decimal(2))  # package: (size, price per started package)
VALUES = 100
USERS = 12
ROWS_PER_INSERT = 100_000
# The columns of the flusher's row that derive from the event's properties (and amount and diagnostics), after its
# seven identity and time columns.
PROPERTY_COLUMNS = slice(EVENT_COLUMNS.index("properties"), None)
MERGES_TIMEOUT_SECONDS = 120
CENT = Decimal("0.01")


@dataclass(frozen=True)
class BillingDataSet:
    organization: Organization
    subscriptions: int
    events_per_subscription: int
    period_start: datetime
    period_end: datetime

    @property
    def events(self) -> int:
        return self.subscriptions * self.events_per_subscription


def month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(start: datetime) -> datetime:
    return month_start(start + timedelta(days=32))


def external_id(number: int) -> str:
    return f"bench-sub-{number}"


def event_properties(subscription: int, event: int) -> dict:
    return {"value": (subscription + event) % VALUES, "user_id": f"user-{(subscription + event) % USERS}"}


def organization_with_plan(*, name: str) -> tuple[Organization, Plan]:
    """An organization with the three metrics and the plan (standard, graduated and package charges), through the
    services, so the charges' properties are validated as the API would."""
    organization, _key = organization_create(name=name)
    metrics = {
        code: billable_metric_create(
            organization=organization, name=code, code=code, aggregation_type=aggregation, field_name=field_name
        )
        for code, (aggregation, field_name) in METRICS.items()
    }
    last_unit, first_per_unit, first_flat = VOLUME_FIRST_TIER
    package_size, package_price = SEATS_PACKAGE
    charges = [
        ChargeSpec(
            billable_metric_id=metrics["bench_calls"].id,
            charge_model="standard",
            properties={"amount": str(CALLS_PRICE)},
        ),
        ChargeSpec(
            billable_metric_id=metrics["bench_volume"].id,
            charge_model="graduated",
            properties={
                "graduated_ranges": [
                    {
                        "from_value": 0,
                        "to_value": int(last_unit),
                        "per_unit_amount": str(first_per_unit),
                        "flat_amount": str(first_flat),
                    },
                    {
                        "from_value": int(last_unit) + 1,
                        "to_value": None,
                        "per_unit_amount": str(VOLUME_NEXT_PER_UNIT),
                        "flat_amount": "0",
                    },
                ]
            },
        ),
        ChargeSpec(
            billable_metric_id=metrics["bench_seats"].id,
            charge_model="package",
            properties={"amount": str(package_price), "package_size": package_size, "free_units": 0},
        ),
    ]
    plan = plan_create(
        organization=organization,
        name="Bench monthly",
        code=PLAN_CODE,
        interval="monthly",
        amount_cents=int(PLAN_AMOUNT * 100),
        amount_currency=CURRENCY,
        charges=charges,
    )
    return organization, plan


def subscriptions_bulk_create(
    *, organization: Organization, plan: Plan, count: int, started_at: datetime, batch_size: int = 5000
) -> None:
    """`count` customers, each with an active calendar subscription started at `started_at` (ORM bulk_create)."""
    for first in range(0, count, batch_size):
        numbers = range(first, min(count, first + batch_size))
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(
                    organization=organization,
                    external_id=f"bench-customer-{number}",
                    sequential_id=number + 1,
                    slug=f"bench-{number + 1:06d}",
                    name=f"Bench customer {number}",
                    currency=CURRENCY,
                )
                for number in numbers
            )
            Subscription.objects.bulk_create(
                Subscription(
                    organization=organization,
                    customer=customer,
                    plan=plan,
                    external_id=external_id(number),
                    status=Subscription.Status.ACTIVE,
                    billing_time=Subscription.BillingTime.CALENDAR,
                    subscription_at=started_at,
                    started_at=started_at,
                )
                for number, customer in zip(numbers, customers, strict=True)
            )
    with connection.cursor() as cursor:
        for model in (Customer, Subscription):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _rows(data_set: BillingDataSet, *, first: int, stop: int, ingested_at_us: int) -> Iterator[tuple]:
    """The flusher's rows of events first..stop-1 of the organization's sequence: event i belongs to subscription
    i % N and is that subscription's event i // N, so every subscription's events spread over the whole period.

    Events take only VALUES x USERS distinct property sets: the flusher's row is built once per set and its property
    columns reused, with each event's own identity, time and ids."""
    organization_id = str(data_set.organization.id)
    subscriptions = data_set.subscriptions
    start_us = microseconds(data_set.period_start)
    period_us = microseconds(data_set.period_end) - start_us
    property_columns: dict[str, tuple] = {}
    for index in range(first, stop):
        event, subscription = divmod(index, subscriptions)
        text = json.dumps(event_properties(subscription, event))
        queued = (
            organization_id,
            CODES[event % len(CODES)],
            external_id(subscription),
            start_us + period_us * index // data_set.events,
            f"{subscription}-{event}",
            ingested_at_us,
            str(uuid.UUID(int=index + 1)),
            text,
            None,
            "",
        )
        if text not in property_columns:
            property_columns[text] = queued_row(queued)[PROPERTY_COLUMNS]
        yield queued[:7] + property_columns[text]


def events_load(store: ClickHouseEventStore, data_set: BillingDataSet) -> dict:
    """Inserts the data set's events into ClickHouse (whose materialized views keep the rollups), then waits for its
    background merges; returns the load figures."""
    ingested_at_us = microseconds(datetime.now(UTC))
    building = inserting = 0.0
    for first in range(0, data_set.events, ROWS_PER_INSERT):
        started = time.monotonic()
        rows = list(
            _rows(
                data_set, first=first, stop=min(data_set.events, first + ROWS_PER_INSERT), ingested_at_us=ingested_at_us
            )
        )
        built = time.monotonic()
        store.transport.insert(EVENTS_TABLE, EVENT_COLUMNS, rows)
        building += built - started
        inserting += time.monotonic() - built
    merges = merges_settle(store)
    return {
        "events": data_set.events,
        "rows_built_seconds": round(building, 1),
        "clickhouse_insert_seconds": round(inserting, 1),
        "clickhouse_events_per_s": round(data_set.events / inserting) if inserting else None,
        "merges_waited_seconds": round(merges, 1),
    }


def merges_settle(store: ClickHouseEventStore) -> float:
    """Waits for ClickHouse's background merges of the fresh parts, as a month of accumulated data would be merged;
    returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < MERGES_TIMEOUT_SECONDS:
        ((merging,),) = store.transport.execute("SELECT count() FROM system.merges")
        if not merging:
            break
        time.sleep(0.5)
    return time.monotonic() - started


@dataclass(frozen=True)
class ExpectedUsage:
    calls: int
    volume: int
    seats: int

    @property
    def fees(self) -> list[Decimal]:
        """Plan fee and charge fees, each rounded half-up to the cent, as the invoice stores them."""
        last_unit, first_per_unit, first_flat = VOLUME_FIRST_TIER
        volume = Decimal(self.volume)
        graduated = first_flat + min(volume, last_unit) * first_per_unit
        graduated += max(volume - last_unit, Decimal(0)) * VOLUME_NEXT_PER_UNIT
        package_size, package_price = SEATS_PACKAGE
        packages = -(-self.seats // package_size)
        amounts = [PLAN_AMOUNT, self.calls * CALLS_PRICE, graduated, packages * package_price]
        return [amount.quantize(CENT, rounding=ROUND_HALF_UP) for amount in amounts]

    @property
    def total(self) -> Decimal:
        return sum(self.fees, Decimal(0))


def expected_usage(data_set: BillingDataSet, subscription: int) -> ExpectedUsage:
    """The usage of one subscription, replayed from the event function (no store involved)."""
    calls = volume = 0
    users = set()
    for event in range(data_set.events_per_subscription):
        properties = event_properties(subscription, event)
        code = CODES[event % len(CODES)]
        if code == "bench_calls":
            calls += 1
        elif code == "bench_volume":
            volume += properties["value"]
        else:
            users.add(properties["user_id"])
    return ExpectedUsage(calls=calls, volume=volume, seats=len(users))
