"""Rating on the ClickHouse store: current usage (its queries started side by side, taxes read meanwhile) and a
billing run give exactly what they give on the SQL store, for count, sum, unique_count with removes and filters."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from invoicing.models import Fee
from metering.stores import get_event_store
from metering.stores.clickhouse import ClickHouseEventStore
from tests.invoicing.billing_client import (
    bill,
    create_metric,
    create_plan,
    event,
    invoices_of,
    ok,
    send_events,
    standard_charge,
    subscribe,
)
from tests.metering.clickhouse.engines import server_transport, server_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def use_store(settings, request):
    """use_store("clickhouse" | "sql"): the configured event store from then on (and a cold current-usage cache)."""
    url = server_url(server_transport(request.config).database)

    def use(name: str) -> None:
        settings.CLICKHOUSE_URL = url if name == "clickhouse" else ""
        get_event_store.cache_clear()
        cache.clear()

    yield use
    get_event_store.cache_clear()


@pytest.fixture
def metered(api, clock, use_store):
    use_store("clickhouse")  # ingestion queues the events for the flusher, as in production
    calls = create_metric(api, code="calls", aggregation_type="count_agg")
    volume = create_metric(api, code="volume", field_name="bytes", filters=[{"key": "region", "values": ["eu"]}])
    seats = create_metric(api, code="seats", aggregation_type="unique_count_agg", field_name="user")
    ok(
        api.post(
            "/api/v1/taxes",
            {"tax": {"name": "VAT", "code": "vat", "rate": 20, "applied_to_organization": True}},
            format="json",
        )
    )
    volume_charge = standard_charge(volume, amount="0.01")
    volume_charge["filters"] = [{"properties": {"amount": "0.03"}, "values": {"region": ["eu"]}}]
    create_plan(
        api, amount_cents=1000, charges=[standard_charge(calls, "0.5"), volume_charge, standard_charge(seats, "4")]
    )
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 20)
    day = lambda number, hour=0: datetime(2026, 3, number, hour, 30, tzinfo=UTC)  # noqa: E731 - a table of moments
    events = [
        event("c1", day(2), code="calls"),
        event("c2", day(3, 23), code="calls"),
        event("v1", day(4), code="volume", bytes=120, region="eu"),
        event("v2", day(5), code="volume", bytes="7.5"),
        event("s1", day(6), code="seats", user="ann"),
        event("s2", day(7), code="seats", user="bob"),
        event("s3", day(8), code="seats", user="ann", operation_type="remove"),
        event("s4", day(9), code="seats", user="cid"),
        event("old", datetime(2026, 2, 27, tzinfo=UTC), code="calls"),  # before the period
    ]
    send_events(api, events)
    use_store("sql")  # the same events in the SQL store, which the tests compare with
    send_events(api, events)
    use_store("clickhouse")


def _usage(api) -> dict:
    return ok(api.get("/api/v1/customers/cust_1/current_usage", {"external_subscription_id": "sub_1"}))


def test_current_usage_on_clickhouse_is_the_sql_stores(api, organization, metered, use_store):
    store = get_event_store()
    assert store.inbox.backlog(organization.id) == 9
    on_clickhouse = _usage(api)["customer_usage"]
    assert store.inbox.backlog(organization.id) == 0  # forwarded to ClickHouse before its queries ran
    use_store("sql")
    on_sql = _usage(api)["customer_usage"]

    assert on_clickhouse == on_sql
    # calls 2 x 0.50; volume eu 120 x 0.03 + 7.5 x 0.01; seats bob and cid x 4.00; VAT 20%
    assert (on_clickhouse["amount_cents"], on_clickhouse["taxes_amount_cents"]) == (100 + 360 + 8 + 800, 254)


def test_a_billing_run_on_clickhouse_bills_what_the_sql_store_would(api, metered, use_store):
    estimate = _usage(api)["customer_usage"]
    assert isinstance(get_event_store(), ClickHouseEventStore)

    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    [invoice] = invoices_of("sub_1")
    charges = Fee.objects.filter(invoice=invoice, fee_type="charge")
    assert sum(fee.amount for fee in charges) * 100 == estimate["amount_cents"]
    assert {fee.item_code: fee.units for fee in charges if fee.charge_filter_id is None} == {
        "calls": 2,
        "volume": 7.5,
        "seats": 2,
    }
