"""One subscription that cannot be billed (a fee beyond what an invoice can hold) never stops the others: it is
named, logged and left for a later run; everything else is billed."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import CommandError

from billing.bulk_copy import DecimalOutOfRange, instances_insert
from invoicing.models import Fee, Invoice
from invoicing.services.cycle import subscriptions_bill
from plans.models import Charge, Subscription
from tests.factories.invoicing import InvoiceFactory
from tests.factories.subscriptions import SubscriptionCustomerFactory
from tests.invoicing.billing_client import (
    bill,
    create_metric,
    create_plan,
    event,
    invoices_of,
    send_events,
    standard_charge,
    subscribe,
)
from tests.invoicing.pay_in_advance_client import in_advance_amounts, post_events, run_billing_tasks_inline

pytestmark = pytest.mark.django_db(transaction=False)
MARCH = datetime(2022, 3, 1, tzinfo=UTC)


@pytest.fixture
def huge_and_fine(api):
    """Two subscriptions of one organization on a 1,000-per-call plan: one sent 10**18 calls (a usage value events
    and fees hold, but its amount has 22 integer digits where invoices hold 14), the other 3."""
    metric = create_metric(api)
    create_plan(api, charges=[standard_charge(metric, amount="1000")])
    for name in ("huge", "fine"):
        subscribe(api, external_id=f"sub_{name}", customer=f"cust_{name}", at=MARCH)
    send_events(
        api,
        [
            event("t1", datetime(2022, 3, 20, tzinfo=UTC), subscription="sub_huge", calls=10**18),
            event("t2", datetime(2022, 3, 20, tzinfo=UTC), subscription="sub_fine", calls=3),
        ],
    )


def test_bill_bills_the_others_and_names_the_subscription_it_could_not_bill(huge_and_fine, capsys):
    with pytest.raises(CommandError, match="1 subscriptions could not be billed"):
        bill(datetime(2022, 5, 1, 1, tzinfo=UTC))

    [march, april] = invoices_of("sub_fine")
    assert march.total_amount == Decimal("3031.00") and april.total_amount == Decimal("31.00")
    assert invoices_of("sub_huge") == []  # neither March nor, waiting behind it, April
    assert Fee.objects.filter(subscription__external_id="sub_huge").count() == 0


def test_the_batch_task_bills_the_others_and_reports_the_failure(huge_and_fine):
    failures = []

    invoices = subscriptions_bill(
        subscription_ids=list(Subscription.objects.values_list("id", flat=True)),
        at=datetime(2022, 4, 1, 1, tzinfo=UTC),
        on_failure=failures.append,
    )

    assert [invoice.customer.external_id for invoice in invoices] == ["cust_fine"]
    [failure] = failures
    assert (failure.external_id, failure.moment_at) == ("sub_huge", datetime(2022, 4, 1, tzinfo=UTC))
    assert "Invoice.fees_amount" in failure.reason and "20 digits with 6 decimal places" in failure.reason


def test_the_subscription_is_billed_once_what_made_it_unbillable_is_corrected(huge_and_fine):
    with pytest.raises(CommandError):
        bill(datetime(2022, 4, 1, 1, tzinfo=UTC))
    Charge.objects.update(properties={"amount": "0.0000000001"})  # 10**18 calls now cost 100,000,000

    bill(datetime(2022, 4, 1, 1, tzinfo=UTC))

    [invoice] = invoices_of("sub_huge")
    assert invoice.total_amount == Decimal("100000031.00")


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        (Decimal("99999999999999.999999"), True),
        (Decimal("99999999999999.9999995"), False),  # rounds up to 10**14 at 6 places
        (Decimal("100000000000000"), False),
        (Decimal("1E+30"), False),
        (Decimal("NaN"), False),
        (Decimal("0.0000001"), True),
        (0, True),
    ],
)
def test_a_decimal_is_refused_before_insert_when_its_column_cannot_hold_it(organization, value, fits):
    customer = SubscriptionCustomerFactory(organization=organization)
    amounts = dict.fromkeys(
        ("fees_amount", "sub_total_excluding_taxes_amount", "sub_total_including_taxes_amount", "total_amount"), value
    )
    invoice = InvoiceFactory.build(organization=organization, customer=customer, **amounts)
    if fits:
        instances_insert(Invoice, [invoice])
        assert Invoice.objects.filter(pk=invoice.pk).exists()
    else:
        with pytest.raises(DecimalOutOfRange, match="Invoice.fees_amount"):
            instances_insert(Invoice, [invoice])
        assert not Invoice.objects.exists()


@pytest.mark.parametrize("invoiceable", [True, False])
def test_an_event_fee_too_large_billed_in_advance_leaves_the_batchs_other_fees_billed(
    api, monkeypatch, django_capture_on_commit_callbacks, invoiceable
):
    run_billing_tasks_inline(monkeypatch)
    cache.clear()  # the codes billed in advance are cached per organization
    metric = create_metric(api)
    charge = {
        "billable_metric_id": metric["lago_id"],
        "charge_model": "standard",
        "properties": {"amount": "1000"},
        "pay_in_advance": True,
        "invoiceable": invoiceable,
    }
    create_plan(api, charges=[charge])
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    day = datetime(2026, 3, 5, tzinfo=UTC)

    post_events(
        api,
        django_capture_on_commit_callbacks,
        [event("t_huge", day, calls=10**18), event("t_fine", day, calls=2), event("t_also", day, calls=1)],
    )

    assert in_advance_amounts() == {"t_fine": Decimal("2000.000000"), "t_also": Decimal("1000.000000")}
