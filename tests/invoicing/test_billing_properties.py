"""Properties of billing over generated catalogs, subscriptions and events (hypothesis):
an invoice's total is its rounded fees plus their taxes; nothing is negative; running the cycle again changes
nothing; an event outside a billed window never reaches that window's invoice."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.money import round_to_minor_unit
from invoicing.models import Fee, Invoice
from tests.invoicing.billing_client import bill, create_metric, create_plan, event, ok, send_events, subscribe

pytestmark = pytest.mark.django_db

PERIOD_START = datetime(2026, 3, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 4, 1, tzinfo=UTC)
BILL_AT = datetime(2026, 4, 1, 1, tzinfo=UTC)
counter = itertools.count()

charge_properties = st.one_of(
    st.builds(lambda amount: ("standard", {"amount": amount}), st.decimals("0", "5", places=4).map(str)),
    st.builds(
        lambda amount, size, free: ("package", {"amount": amount, "package_size": size, "free_units": free}),
        st.decimals("0", "50", places=2).map(str),
        st.integers(1, 20),
        st.integers(0, 10),
    ),
    st.builds(
        lambda unit, flat, edge: (
            "graduated",
            {
                "graduated_ranges": [
                    {"from_value": 0, "to_value": edge, "per_unit_amount": unit, "flat_amount": flat},
                    {"from_value": edge + 1, "to_value": None, "per_unit_amount": "0.01", "flat_amount": "0"},
                ]
            },
        ),
        st.decimals("0", "3", places=3).map(str),
        st.decimals("0", "10", places=2).map(str),
        st.integers(1, 50),
    ),
)
moments = st.integers(-10 * 86_400, 41 * 86_400).map(lambda seconds: PERIOD_START + timedelta(seconds=seconds))
usage = st.lists(st.tuples(moments, st.integers(0, 40)), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    charge=charge_properties,
    plan_cents=st.integers(0, 100_000),
    started_day=st.integers(1, 28),
    tax_rate=st.decimals("0", "30", places=2),
    events=usage,
)
def test_invoices_add_up_and_a_rerun_changes_nothing(api, charge, plan_cents, started_day, tax_rate, events):
    run = next(counter)
    code, subscription_id = f"m{run}", f"s{run}"
    model, properties = charge
    metric = create_metric(api, code=code)
    ok(api.post("/api/v1/taxes", {"tax": {"name": code, "code": code, "rate": float(tax_rate)}}, format="json"))
    create_plan(
        api,
        code=code,
        amount_cents=plan_cents,
        tax_codes=[code],
        charges=[{"billable_metric_id": metric["lago_id"], "charge_model": model, "properties": properties}],
    )
    started = datetime(2026, 3, started_day, 12, tzinfo=UTC)
    subscribe(api, plan_code=code, external_id=subscription_id, customer=f"c{run}", at=started)
    send_events(
        api,
        [
            event(f"{run}-{n}", at, code=code, subscription=subscription_id, calls=calls)
            for n, (at, calls) in enumerate(events)
        ],
    )

    bill(BILL_AT)
    invoices = list(Invoice.objects.filter(invoice_subscriptions__subscription__external_id=subscription_id))
    snapshot = sorted((invoice.number, invoice.total_amount) for invoice in invoices)
    bill(BILL_AT)
    assert (
        sorted(
            Invoice.objects.filter(invoice_subscriptions__subscription__external_id=subscription_id).values_list(
                "number", "total_amount"
            )
        )
        == snapshot
    )

    [invoice] = invoices
    fees = list(invoice.fees.all())
    assert invoice.fees_amount == sum(fee.amount for fee in fees)
    assert invoice.taxes_amount == sum(fee.taxes_amount for fee in fees)
    assert invoice.total_amount == invoice.fees_amount + invoice.taxes_amount
    for fee in fees:
        assert fee.amount == round_to_minor_unit(fee.precise_amount, "USD") >= 0
        assert fee.taxes_amount == round_to_minor_unit(fee.amount * tax_rate / 100, "USD")
    [charge_fee] = [fee for fee in fees if fee.fee_type == Fee.FeeType.CHARGE]
    window_start = started.replace(hour=12)
    inside = [calls for at, calls in events if window_start <= at < PERIOD_END]
    assert (charge_fee.units, charge_fee.events_count) == (sum(inside), len(inside))
