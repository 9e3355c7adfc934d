"""Charges paid in advance through the API: each event a charge counts is billed at once, on an invoice of its own
(or on none when the charge is not invoiceable), and the period's invoice leaves it out. Amounts worked by hand."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lago_python_client.models.customer_usage import CustomerUsageResponse

from invoicing.models import Fee, Invoice
from tests.invoicing.billing_client import (
    bill,
    create_metric,
    create_plan,
    event,
    fee_amounts,
    invoices_of,
    ok,
    standard_charge,
    subscribe,
)
from tests.invoicing.pay_in_advance_client import (
    event_fee,
    fees_of_event,
    in_advance_amounts,
    in_advance_invoices,
    post_events,
    run_billing_tasks_inline,
)

pytestmark = pytest.mark.django_db

D = Decimal
MARCH = datetime(2026, 3, 1, tzinfo=UTC)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def tasks(monkeypatch) -> list[tuple]:
    cache.clear()  # the codes billed in advance are cached per organization
    return run_billing_tasks_inline(monkeypatch)


@pytest.fixture
def post(api, django_capture_on_commit_callbacks):
    def post(*events: dict) -> None:
        post_events(api, django_capture_on_commit_callbacks, list(events))

    return post


def in_advance(metric: dict, charge_model: str, properties: dict, **extra) -> dict:
    return {
        "billable_metric_id": metric["lago_id"],
        "charge_model": charge_model,
        "properties": properties,
        "pay_in_advance": True,
        **extra,
    }


def subscribed(api, clock, *charges: dict, amount_cents: int = 3100) -> None:
    create_plan(api, amount_cents=amount_cents, charges=list(charges))
    subscribe(api, at=MARCH)
    clock.set(2026, 3, 20)


def test_a_standard_charge_bills_each_event_on_an_invoice_of_its_own(api, clock, post):
    metric = create_metric(api)
    subscribed(api, clock, in_advance(metric, "standard", {"amount": "2"}))

    post(event("t1", at(5), calls=3), event("t2", at(6), calls=5))

    first, second = in_advance_invoices()
    assert (fee_amounts(first), fee_amounts(second)) == (
        {("charge", "api_calls"): D("6.00")},
        {("charge", "api_calls"): D("10.00")},
    )
    assert (first.invoice_type, first.status, first.total_amount, first.issuing_date.day) == (
        Invoice.InvoiceType.SUBSCRIPTION,
        Invoice.Status.FINALIZED,
        D("6.00"),
        5,  # the event's day
    )
    fee = event_fee("t2")
    assert (fee.pay_in_advance, fee.units, fee.events_count) == (True, D(5), 1)
    assert (fee.from_datetime, fee.to_datetime) == (MARCH, datetime(2026, 4, 1, tzinfo=UTC))
    body = ok(api.get(f"/api/v1/invoices/{first.id}"))["invoice"]
    assert body["billing_periods"][0]["invoicing_reason"] == "in_advance_charge"
    assert body["subscriptions"][0]["external_id"] == "sub_1"
    assert [fee["event_transaction_id"] for fee in body["fees"]] == ["t1"]


def test_a_graduated_charge_prices_the_tier_an_event_crosses(api, clock, post):
    metric = create_metric(api)
    ranges = [
        {"from_value": 0, "to_value": 10, "per_unit_amount": "1", "flat_amount": "0"},
        {"from_value": 10, "to_value": None, "per_unit_amount": "0.5", "flat_amount": "0"},
    ]
    subscribed(api, clock, in_advance(metric, "graduated", {"graduated_ranges": ranges}))

    post(event("t1", at(5), calls=8), event("t2", at(6), calls=4), event("t3", at(7), calls=5))

    # 8 x 1.00; then 2 x 1.00 + 2 x 0.50 across the tier; then 5 x 0.50
    assert in_advance_amounts() == {"t1": D("8.00"), "t2": D("3.00"), "t3": D("2.50")}


def test_a_package_charge_bills_the_event_that_starts_a_package(api, clock, post):
    metric = create_metric(api)
    subscribed(api, clock, in_advance(metric, "package", {"amount": "10", "package_size": 100, "free_units": 0}))

    post(event("t1", at(5), calls=50), event("t2", at(6), calls=30), event("t3", at(7), calls=40))

    # 50 starts the first package, 80 stays in it, 120 starts the second
    assert in_advance_amounts() == {"t1": D("10.00"), "t2": D("0.00"), "t3": D("10.00")}


def test_a_percentage_charge_applies_the_per_event_rules_to_each_event(api, clock, post):
    metric = create_metric(api)
    properties = {"rate": "1", "fixed_amount": "0.1", "free_units_per_events": 1, "per_transaction_max_amount": "3"}
    subscribed(api, clock, in_advance(metric, "percentage", properties))

    post(event("t1", at(5), calls=100), event("t2", at(6), calls=200), event("t3", at(7), calls=1000))

    # the first event is free; then 1% + 0.10, at most 3.00 a transaction
    assert in_advance_amounts() == {"t1": D("0.00"), "t2": D("2.10"), "t3": D("3.00")}


def test_an_event_is_billed_at_the_price_of_the_most_specific_filter_it_matches(api, clock, post):
    metric = create_metric(
        api, filters=[{"key": "region", "values": ["eu", "us"]}, {"key": "tier", "values": ["gold"]}]
    )
    filters = [
        {"invoice_display_name": "Europe", "properties": {"amount": "2"}, "values": {"region": ["eu"]}},
        {"properties": {"amount": "5"}, "values": {"region": ["eu"], "tier": ["gold"]}},
    ]
    subscribed(api, clock, in_advance(metric, "standard", {"amount": "1"}, filters=filters))

    post(
        event("plain", at(5), calls=1),
        event("eu", at(6), calls=1, region="eu"),
        event("gold", at(7), calls=1, region="eu", tier="gold"),
    )

    assert in_advance_amounts() == {"plain": D("1.00"), "eu": D("2.00"), "gold": D("5.00")}
    assert event_fee("gold").charge_filter.values == {"region": ["eu"], "tier": ["gold"]}


def test_a_charge_that_is_not_invoiceable_stores_its_fees_on_no_invoice(api, clock, post):
    metric = create_metric(api)
    subscribed(api, clock, in_advance(metric, "standard", {"amount": "2"}, invoiceable=False))

    post(event("t1", at(5), calls=3))

    assert in_advance_invoices() == []
    [fee] = fees_of_event(api, "t1")
    assert (fee["lago_invoice_id"], fee["invoiceable"], fee["pay_in_advance"]) == (None, False, True)
    assert (fee["amount_cents"], fee["units"], fee["event_transaction_id"]) == (600, "3", "t1")
    assert (fee["external_customer_id"], fee["payment_status"]) == ("cust_1", "pending")
    assert ok(api.get(f"/api/v1/fees/{fee['lago_id']}"))["fee"]["lago_id"] == fee["lago_id"]
    listed = ok(api.get("/api/v1/fees", {"external_customer_id": "cust_1", "payment_status": "pending"}))["fees"]
    assert [item["lago_id"] for item in listed] == [fee["lago_id"]]


def test_the_fees_filter_by_event_reads_only_that_events_fees(api, other_api, clock, post):
    metric = create_metric(api)
    subscribed(api, clock, in_advance(metric, "standard", {"amount": "2"}))

    post(event("t1", at(5), calls=3), event("t2", at(6), calls=5))

    assert [fee["amount_cents"] for fee in fees_of_event(api, "t2")] == [1000]
    assert fees_of_event(api, "unknown") == []
    assert fees_of_event(other_api, "t2") == []  # another organization's fees are invisible


def test_the_period_invoice_leaves_out_what_was_billed_in_advance(api, clock, post):
    seats = create_metric(api, code="seats", aggregation_type="count_agg")
    calls = create_metric(api)
    subscribed(api, clock, in_advance(seats, "standard", {"amount": "10"}), standard_charge(calls, amount="1"))

    post(event("s1", at(5), code="seats"), event("s2", at(6), code="seats"), event("c1", at(7), calls=4))
    clock.set(2026, 4, 1, 1)
    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    periodic = next(invoice for invoice in invoices_of("sub_1") if invoice.fees.filter(fee_type="subscription"))
    assert fee_amounts(periodic) == {("subscription", "monthly"): D("31.00"), ("charge", "api_calls"): D("4.00")}
    assert in_advance_amounts() == {"s1": D("10.00"), "s2": D("10.00")}
    bill(datetime(2026, 5, 1, 1, tzinfo=UTC))
    assert Invoice.objects.filter(invoice_subscriptions__reason="subscription_periodic").count() == 2


def test_current_usage_keeps_showing_the_charges_paid_in_advance(api, clock, post):
    seats = create_metric(api, code="seats", aggregation_type="count_agg")
    subscribed(api, clock, in_advance(seats, "standard", {"amount": "10"}, invoiceable=False))

    post(event("s1", at(5), code="seats"), event("s2", at(6), code="seats"))

    body = ok(api.get("/api/v1/customers/cust_1/current_usage", {"external_subscription_id": "sub_1"}))
    CustomerUsageResponse.parse_obj(body["customer_usage"])
    [charge] = body["customer_usage"]["charges_usage"]
    assert (charge["billable_metric"]["code"], charge["units"], charge["amount_cents"]) == ("seats", "2", 2000)


def test_an_event_without_a_subscription_or_a_charge_paid_in_advance_bills_nothing(api, clock, post, tasks):
    metric = create_metric(api)
    create_metric(api, code="other")
    subscribed(api, clock, in_advance(metric, "standard", {"amount": "2"}))

    post(
        event("unknown_subscription", at(5), subscription="sub_404", calls=3),
        event("before_the_start", datetime(2026, 2, 20, tzinfo=UTC), calls=3),
        event("no_such_charge", at(5), code="other", calls=3),
        event("no_value", at(5)),
    )

    assert Fee.objects.count() == 0
    assert len(tasks) == 1
    [(_organization, keys)] = tasks
    assert {key[1] for key in keys} == {"unknown_subscription", "before_the_start", "no_value"}


def test_an_organization_without_charges_paid_in_advance_queues_nothing_and_reads_no_charge(api, clock, post, tasks):
    metric = create_metric(api)
    subscribed(api, clock, standard_charge(metric, amount="1"))
    post(event("t1", at(5), calls=3))  # the codes billed in advance (none) are cached now

    with CaptureQueriesContext(connection) as queries:
        post(event("t2", at(6), calls=3))

    assert tasks == []
    assert not [query for query in queries if "plans_charge" in query["sql"]]


def test_a_plan_change_is_seen_by_the_next_event(api, clock, post):
    metric = create_metric(api)
    subscribed(api, clock, standard_charge(metric, amount="1"))
    post(event("t1", at(5), calls=3))  # caches "no charge paid in advance"
    charges = [in_advance(metric, "standard", {"amount": "2"})]

    ok(api.put("/api/v1/plans/monthly", {"plan": {"charges": charges}}, format="json"))
    post(event("t2", at(6), calls=4))

    assert in_advance_amounts() == {"t2": D("8.00")}


def test_taxes_apply_to_a_fee_billed_in_advance(api, clock, post):
    ok(
        api.post(
            "/api/v1/taxes",
            {"tax": {"name": "VAT", "code": "vat", "rate": 20, "applied_to_organization": True}},
            format="json",
        )
    )
    metric = create_metric(api)
    subscribed(api, clock, in_advance(metric, "standard", {"amount": "2"}))

    post(event("t1", at(5), calls=3))

    [invoice] = in_advance_invoices()
    assert (invoice.fees_amount, invoice.taxes_amount, invoice.total_amount) == (D("6.00"), D("1.20"), D("7.20"))
    assert list(invoice.applied_taxes.values_list("tax_code", "amount")) == [("vat", D("1.20"))]


PERCENTAGE_TIERS = {
    "graduated_percentage_ranges": [{"from_value": 0, "to_value": None, "rate": "1", "flat_amount": "0"}]
}
VOLUME_TIERS = {"volume_ranges": [{"from_value": 0, "to_value": None, "per_unit_amount": "1", "flat_amount": "0"}]}


@pytest.mark.parametrize(
    ("aggregation_type", "charge_model", "properties", "accepted"),
    [
        ("count_agg", "standard", {"amount": "1"}, True),
        ("sum_agg", "package", {"amount": "1", "package_size": 10}, True),
        ("unique_count_agg", "graduated_percentage", PERCENTAGE_TIERS, True),
        ("max_agg", "standard", {"amount": "1"}, False),
        ("latest_agg", "standard", {"amount": "1"}, False),
        ("weighted_sum_agg", "standard", {"amount": "1"}, False),
        ("sum_agg", "volume", VOLUME_TIERS, False),
    ],
)
def test_only_what_lago_bills_in_advance_is_accepted(api, aggregation_type, charge_model, properties, accepted):
    extra = {"weighted_interval": "seconds"} if aggregation_type == "weighted_sum_agg" else {}
    metric = create_metric(api, aggregation_type=aggregation_type, **extra)
    body = {"name": "p", "code": "p", "interval": "monthly", "amount_cents": 0, "amount_currency": "USD"}
    body["charges"] = [in_advance(metric, charge_model, properties)]

    response = api.post("/api/v1/plans", {"plan": body}, format="json")

    if accepted:
        assert response.status_code == 200, response.content
        assert response.json()["plan"]["charges"][0]["pay_in_advance"] is True
    else:
        assert response.status_code == 422
        assert response.json()["error_details"] == {
            "charges.0.pay_in_advance": ["invalid_aggregation_type_or_charge_model"]
        }
        assert not ok(api.get("/api/v1/plans"))["plans"]  # a refused request writes nothing


def test_an_event_billed_in_advance_is_no_billing_moment_of_the_cycle(api, clock, post):
    metric = create_metric(api)
    create_plan(api, amount_cents=3100, pay_in_advance=True, charges=[in_advance(metric, "standard", {"amount": "2"})])
    subscribe(api, at=MARCH)
    clock.set(2026, 3, 5, 12)
    post(event("t1", at(5), calls=3))  # billed before the cycle billed the subscription's start

    bill(at(5, 13))

    starting = Invoice.objects.get(invoice_subscriptions__reason="subscription_starting")
    assert fee_amounts(starting) == {("subscription", "monthly"): D("31.00")}
    assert in_advance_amounts() == {"t1": D("6.00")}


def test_a_grace_period_holds_the_invoice_of_an_event_as_a_draft_until_it_ends(api, clock, post):
    metric = create_metric(api)
    subscribed(api, clock, in_advance(metric, "standard", {"amount": "2"}))
    customer = {"external_id": "cust_1", "billing_configuration": {"invoice_grace_period": 3}}
    ok(api.post("/api/v1/customers", {"customer": customer}, format="json"))

    post(event("t1", at(19), calls=3))
    [draft] = in_advance_invoices()
    assert draft.status == Invoice.Status.DRAFT
    bill(at(22, 1))

    [invoice] = in_advance_invoices()
    assert (invoice.status, fee_amounts(invoice)) == (Invoice.Status.FINALIZED, {("charge", "api_calls"): D("6.00")})
