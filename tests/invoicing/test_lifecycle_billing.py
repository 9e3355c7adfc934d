"""Proration and lifecycle through the API and `bill`: terminations, upgrades, pay in advance, trials, grace periods,
commitments, taxes and timezones. Amounts worked by hand in the comments."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from invoicing.models import Invoice
from tests.invoicing.billing_client import (
    bill,
    create_metric,
    create_plan,
    event,
    fee_amounts,
    invoices_of,
    ok,
    send_events,
    standard_charge,
    subscribe,
)

pytestmark = pytest.mark.django_db

D = Decimal


def test_a_termination_bills_at_once_with_the_plan_fee_prorated_to_the_days_used(api, clock):
    metric = create_metric(api)
    create_plan(api, amount_cents=3100, charges=[standard_charge(metric, amount="1")])
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 20, 10)
    send_events(api, [event("t1", datetime(2026, 3, 5, tzinfo=UTC), calls=3)])
    ok(api.delete("/api/v1/subscriptions/sub_1"))

    bill(datetime(2026, 3, 20, 11, tzinfo=UTC))

    [invoice] = invoices_of("sub_1")
    # 31.00 x 20/31 (1st to 20th) = 20.00; usage 3 x 1.00
    assert fee_amounts(invoice) == {("subscription", "monthly"): D("20.00"), ("charge", "api_calls"): D("3.00")}
    assert invoice.invoice_subscriptions.get().reason == "subscription_terminating"
    bill(datetime(2026, 5, 1, 1, tzinfo=UTC))
    assert len(invoices_of("sub_1")) == 1  # nothing after the termination


def test_an_upgrade_bills_the_old_plan_for_its_days_and_the_new_one_for_the_rest(api, clock):
    create_plan(api, code="basic", amount_cents=3100)
    create_plan(api, code="premium", amount_cents=6200)
    subscribe(api, plan_code="basic", at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 11, 12)
    subscribe(api, plan_code="premium")

    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    old, new = invoices_of("sub_1")
    # basic: 31.00 x 11/31 (1st to 11th) = 11.00; premium: 62.00 x 21/31 (11th to 31st) = 42.00
    assert fee_amounts(old) == {("subscription", "basic"): D("11.00")}
    assert fee_amounts(new) == {("subscription", "premium"): D("42.00")}


def test_pay_in_advance_bills_the_period_at_its_start_and_the_usage_at_its_end(api, clock):
    metric = create_metric(api)
    create_plan(api, amount_cents=3100, pay_in_advance=True, charges=[standard_charge(metric, amount="1")])
    clock.set(2026, 3, 15, 9)
    subscribe(api, at=datetime(2026, 3, 15, 9, tzinfo=UTC))

    bill(datetime(2026, 3, 15, 10, tzinfo=UTC))
    [starting] = invoices_of("sub_1")
    assert fee_amounts(starting) == {("subscription", "monthly"): D("17.00")}  # 17/31 in advance, no usage yet

    clock.set(2026, 4, 1, 1)
    send_events(api, [event("t1", datetime(2026, 3, 16, tzinfo=UTC), calls=2)])
    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))
    _, periodic = invoices_of("sub_1")
    # April in advance (31.00) and March's usage (2 x 1.00)
    assert fee_amounts(periodic) == {("subscription", "monthly"): D("31.00"), ("charge", "api_calls"): D("2.00")}
    plan_fee = periodic.fees.get(fee_type="subscription")
    assert (plan_fee.from_datetime, plan_fee.pay_in_advance) == (datetime(2026, 4, 1, tzinfo=UTC), True)


def test_no_plan_fee_during_a_trial_and_billing_starts_at_its_end(api, clock):
    create_plan(api, amount_cents=3100, trial_period=10)
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))

    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    [invoice] = invoices_of("sub_1")
    assert fee_amounts(invoice) == {("subscription", "monthly"): D("21.00")}  # trial to the 11th: 21/31 x 31.00


def test_a_grace_period_keeps_the_invoice_draft_and_late_events_reach_it(api, clock):
    metric = create_metric(api)
    create_plan(api, amount_cents=0, charges=[standard_charge(metric, amount="1")])
    ok(
        api.post(
            "/api/v1/customers",
            {"customer": {"external_id": "cust_1", "billing_configuration": {"invoice_grace_period": 3}}},
            format="json",
        )
    )
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 31)
    send_events(api, [event("t1", datetime(2026, 3, 10, tzinfo=UTC), calls=5)])

    clock.set(2026, 4, 1, 1)
    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))
    [draft] = invoices_of("sub_1")
    assert (draft.status, draft.total_amount) == (Invoice.Status.DRAFT, D("5.00"))

    send_events(api, [event("late", datetime(2026, 3, 31, 23, tzinfo=UTC), calls=2)])
    bill(datetime(2026, 4, 4, 1, tzinfo=UTC))
    draft.refresh_from_db()
    assert (draft.status, draft.total_amount) == (Invoice.Status.FINALIZED, D("7.00"))


def test_a_minimum_commitment_is_trued_up_when_usage_falls_short(api, clock):
    metric = create_metric(api)
    create_plan(
        api,
        amount_cents=1000,
        charges=[standard_charge(metric, amount="1")],
        minimum_commitment={"amount_cents": 5000},
    )
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 31)
    send_events(api, [event("t1", datetime(2026, 3, 10, tzinfo=UTC), calls=5)])

    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    [invoice] = invoices_of("sub_1")
    # 10.00 plan + 5.00 usage = 15.00 billed against a 50.00 commitment: 35.00 true-up
    assert fee_amounts(invoice)[("commitment", "monthly")] == D("35.00")
    assert invoice.total_amount == D("50.00")


def test_taxes_apply_per_fee_and_the_total_is_the_rounded_lines(api, clock):
    metric = create_metric(api)
    ok(
        api.post(
            "/api/v1/taxes",
            {"tax": {"name": "VAT", "code": "vat", "rate": 20, "applied_to_organization": True}},
            format="json",
        )
    )
    ok(api.post("/api/v1/taxes", {"tax": {"name": "Local", "code": "local", "rate": 2.5}}, format="json"))
    create_plan(api, amount_cents=1001, charges=[standard_charge(metric, amount="0.333", tax_codes=["local"])])
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 31)
    send_events(api, [event("t1", datetime(2026, 3, 10, tzinfo=UTC), calls=10)])

    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    [invoice] = invoices_of("sub_1")
    plan_fee = invoice.fees.get(fee_type="subscription")
    charge_fee = invoice.fees.get(fee_type="charge")
    # plan 10.01 x 20% = 2.002 -> 2.00; usage 10 x 0.333 = 3.33, x 2.5% = 0.08325 -> 0.08
    assert (plan_fee.amount, plan_fee.taxes_amount) == (D("10.01"), D("2.00"))
    assert (charge_fee.amount, charge_fee.taxes_amount) == (D("3.33"), D("0.08"))
    assert (invoice.fees_amount, invoice.taxes_amount, invoice.total_amount) == (D("13.34"), D("2.08"), D("15.42"))
    assert {tax.tax_code: tax.amount for tax in invoice.applied_taxes.all()} == {"vat": D("2.00"), "local": D("0.08")}


def test_periods_end_at_midnight_in_the_customers_timezone(api, clock):
    create_plan(api, amount_cents=3100)
    ok(
        api.post(
            "/api/v1/customers", {"customer": {"external_id": "cust_1", "timezone": "America/New_York"}}, format="json"
        )
    )
    subscribe(api, at=datetime(2026, 3, 1, 5, tzinfo=UTC))  # midnight in New York (EST)

    bill(datetime(2026, 4, 1, 3, 59, tzinfo=UTC))  # still March 31st in New York (EDT, UTC-4)
    assert invoices_of("sub_1") == []
    bill(datetime(2026, 4, 1, 4, 1, tzinfo=UTC))
    [invoice] = invoices_of("sub_1")
    assert (invoice.issuing_date.isoformat(), invoice.total_amount) == ("2026-04-01", D("31.00"))


def test_a_percentage_charge_prices_each_event(api, clock):
    metric = create_metric(api, code="payments", field_name="amount")
    charge = {
        "billable_metric_id": metric["lago_id"],
        "charge_model": "percentage",
        "properties": {"rate": "2", "fixed_amount": "0.10", "free_units_per_events": 1},
    }
    create_plan(api, amount_cents=0, charges=[charge])
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 31)
    send_events(
        api,
        [
            event("p1", datetime(2026, 3, 2, tzinfo=UTC), code="payments", amount=100),
            event("p2", datetime(2026, 3, 3, tzinfo=UTC), code="payments", amount=50),
            event("p3", datetime(2026, 3, 4, tzinfo=UTC), code="payments", amount=200),
        ],
    )

    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    [invoice] = invoices_of("sub_1")
    # the first event is free; then 50 x 2% + 0.10 = 1.10 and 200 x 2% + 0.10 = 4.10
    assert fee_amounts(invoice)[("charge", "payments")] == D("5.20")


def test_an_upgrade_during_the_trial_does_not_start_a_new_trial(api, clock):
    create_plan(api, code="basic", amount_cents=3100, trial_period=10)
    create_plan(api, code="premium", amount_cents=6200, trial_period=10)
    subscribe(api, plan_code="basic", at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 5)
    subscribe(api, plan_code="premium")

    bill(datetime(2026, 4, 1, 1, tzinfo=UTC))

    old, new = invoices_of("sub_1")
    assert fee_amounts(old) == {}  # ended inside the trial
    # the trial still ends on the 11th: 62.00 x 21/31
    assert fee_amounts(new) == {("subscription", "premium"): D("42.00")}


def test_a_yearly_plan_billing_charges_monthly_invoices_usage_every_month(api, clock):
    metric = create_metric(api)
    create_plan(
        api,
        code="yearly",
        interval="yearly",
        amount_cents=120_000,
        pay_in_advance=True,
        bill_charges_monthly=True,
        charges=[standard_charge(metric, amount="1")],
    )
    clock.set(2026, 1, 1)
    subscribe(api, plan_code="yearly", at=datetime(2026, 1, 1, tzinfo=UTC))
    clock.set(2026, 3, 2)
    send_events(
        api,
        [
            event("jan", datetime(2026, 1, 15, tzinfo=UTC), calls=3),
            event("feb", datetime(2026, 2, 15, tzinfo=UTC), calls=4),
        ],
    )

    bill(datetime(2026, 3, 1, 1, tzinfo=UTC))

    starting, january, february = invoices_of("sub_1")
    assert fee_amounts(starting) == {("subscription", "yearly"): D("1200.00")}  # the year, in advance
    assert fee_amounts(january) == {("charge", "api_calls"): D("3.00")}
    assert fee_amounts(february) == {("charge", "api_calls"): D("4.00")}


def test_a_downgrade_takes_over_at_the_end_of_the_period(api, clock):
    create_plan(api, code="premium", amount_cents=6200)
    create_plan(api, code="starter", amount_cents=3100)
    subscribe(api, plan_code="premium", at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 15)
    subscribe(api, plan_code="starter")  # cheaper: waits for April 1st

    clock.set(2026, 5, 1, 1)
    bill(datetime(2026, 5, 1, 1, tzinfo=UTC))

    premium_march, starter_april = invoices_of("sub_1")
    assert fee_amounts(premium_march) == {("subscription", "premium"): D("62.00")}  # the whole of March
    assert premium_march.invoice_subscriptions.get().reason == "subscription_terminating"
    assert fee_amounts(starter_april) == {("subscription", "starter"): D("31.00")}
    assert starter_april.issuing_date.isoformat() == "2026-05-01"
