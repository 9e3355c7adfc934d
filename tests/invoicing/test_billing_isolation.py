"""One subscription that cannot be billed (a fee beyond what an invoice can hold) never stops the others: it is
named, logged and left for a later run; everything else is billed."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError

from billing.bulk_copy import DecimalOutOfRange, instances_insert
from invoicing.models import Fee, Invoice
from invoicing.services.cycle import subscriptions_bill
from plans.models import Charge, Subscription
from tests.factories.invoicing import InvoiceFactory
from tests.factories.subscriptions import SubscriptionCustomerFactory
from tests.invoicing.billing_client import (
    bill,
    invoices_of,
)
from tests.invoicing.pay_in_advance_client import in_advance_amounts

pytestmark = pytest.mark.django_db(transaction=False)


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


@pytest.mark.parametrize("in_advance_failure", [True, False], indirect=True, ids=["invoiceable", "not_invoiceable"])
def test_an_event_fee_too_large_billed_in_advance_leaves_the_batchs_other_fees_billed(in_advance_failure):
    assert in_advance_amounts() == {"t_fine": Decimal("2000.000000")}
