"""The billing cycle end to end: catalog, subscriptions and events through the API, `bill --at`, invoices out."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from invoicing.models import Fee, Invoice, InvoiceSubscription
from tests.invoicing.billing_client import (
    bill,
    create_metric,
    create_plan,
    event,
    fee_amounts,
    invoices_of,
    send_events,
    standard_charge,
    subscribe,
)

pytestmark = pytest.mark.django_db(transaction=False)


def test_backdated_subscription_gets_its_prorated_first_invoice(api):
    """The issue's example: subscribed 2022-03-15 on a monthly calendar plan, billed at 2022-04-01T01:00Z."""
    metric = create_metric(api)
    create_plan(api, amount_cents=3100, charges=[standard_charge(metric, amount="0.5")])
    subscribe(api, at=datetime(2022, 3, 15, tzinfo=UTC))
    send_events(
        api,
        [
            event("t1", datetime(2022, 3, 20, tzinfo=UTC), calls=10),
            event("t2", datetime(2022, 3, 31, 23, 59, tzinfo=UTC), calls=4),
            event("t3", datetime(2022, 4, 1, 0, 30, tzinfo=UTC), calls=1000),  # next period: not on this invoice
        ],
    )

    bill(datetime(2022, 4, 1, 1, tzinfo=UTC))

    [invoice] = invoices_of("sub_1")
    # 31.00 x 17/31 days (15th to 31st) = 17.00; usage 14 x 0.50 = 7.00
    assert fee_amounts(invoice) == {
        ("subscription", "monthly"): Decimal("17.00"),
        ("charge", "api_calls"): Decimal("7.00"),
    }
    assert invoice.total_amount == Decimal("24.00")
    assert invoice.issuing_date.isoformat() == "2022-04-01"
    assert invoice.status == Invoice.Status.FINALIZED
    link = invoice.invoice_subscriptions.get()
    assert (link.from_datetime, link.to_datetime) == (
        datetime(2022, 3, 15, tzinfo=UTC),
        datetime(2022, 4, 1, tzinfo=UTC),
    )


def test_running_the_cycle_twice_bills_nothing_twice(api):
    metric = create_metric(api)
    create_plan(api, charges=[standard_charge(metric)])
    subscribe(api, at=datetime(2022, 3, 15, tzinfo=UTC))
    send_events(api, [event("t1", datetime(2022, 3, 20, tzinfo=UTC), calls=10)])

    bill(datetime(2022, 6, 1, 1, tzinfo=UTC))
    counts = (Invoice.objects.count(), Fee.objects.count(), InvoiceSubscription.objects.count())
    bill(datetime(2022, 6, 1, 1, tzinfo=UTC))
    bill(datetime(2022, 5, 1, 1, tzinfo=UTC))

    assert counts == (3, 6, 3)  # March (partial), April, May
    assert (Invoice.objects.count(), Fee.objects.count(), InvoiceSubscription.objects.count()) == counts
    numbers = list(Invoice.objects.order_by("sequential_id").values_list("sequential_id", flat=True))
    assert numbers == [1, 2, 3]


def test_a_backfill_bills_every_missed_period_in_order(api):
    create_plan(api, amount_cents=1000)
    subscribe(api, at=datetime(2022, 1, 1, tzinfo=UTC))

    bill(datetime(2022, 7, 1, 1, tzinfo=UTC))

    invoices = invoices_of("sub_1")
    assert [invoice.issuing_date.isoformat() for invoice in invoices] == [
        "2022-02-01",
        "2022-03-01",
        "2022-04-01",
        "2022-05-01",
        "2022-06-01",
        "2022-07-01",
    ]
    assert all(invoice.total_amount == Decimal("10.00") for invoice in invoices)


def test_bill_prints_a_summary(api):
    create_plan(api, amount_cents=1000)
    subscribe(api, at=datetime(2022, 3, 1, tzinfo=UTC))

    summary = bill(datetime(2022, 4, 1, 1, tzinfo=UTC))

    assert "1 subscriptions, 1 invoices (10.00 USD)" in summary


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--at=yesterday"], "is not an ISO 8601 instant"),
        (["--at=2022-04-01T01:00:00"], "needs a timezone"),
        (["--organization=Nobody"], "No organization named"),
    ],
)
def test_bill_refuses_bad_arguments_clearly(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("bill", *arguments, verbosity=0)
