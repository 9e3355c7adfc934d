"""Invoices, fees and applied taxes made directly with the ORM, with totals kept consistent (a database check)."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from django.db import transaction

from billing.money import round_to_minor_unit
from billing.services import sequence_allocate
from invoicing.models import Fee, FeeAppliedTax, Invoice, InvoiceAppliedTax, InvoiceSubscription
from invoicing.numbering import invoice_number
from invoicing.services.cycle import subscriptions_bill
from invoicing.services.issuing import INVOICE_SEQUENCE
from tests.factories.billing import OrganizationFactory
from tests.factories.subscriptions import SubscriptionCustomerFactory, SubscriptionFactory

PERIOD_START = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 2, 1, tzinfo=UTC)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An invoice without fees: all its amounts are zero until `invoice_with_fees` fills them. Its number comes from
    the organization's real counter, so it never collides with an invoice the billing cycle issues."""

    class Meta:
        model = Invoice

    organization = factory.SubFactory(OrganizationFactory)
    customer = factory.SubFactory(SubscriptionCustomerFactory, organization=factory.SelfAttribute("..organization"))
    sequential_id = factory.LazyAttribute(
        lambda invoice: sequence_allocate(organization=invoice.organization, name=INVOICE_SEQUENCE, count=1)[0]
    )
    number = factory.LazyAttribute(
        lambda invoice: invoice_number(
            organization=invoice.organization, issuing_date=invoice.issuing_date, sequential_id=invoice.sequential_id
        )
    )
    status = Invoice.Status.FINALIZED
    currency = "USD"
    issuing_date = date(2026, 2, 1)
    net_payment_term = 0
    payment_due_date = factory.LazyAttribute(lambda invoice: invoice.issuing_date + timedelta(invoice.net_payment_term))

    @classmethod
    def _generate(cls, strategy, params):
        with transaction.atomic():  # the counter is allocated under a row lock
            return super()._generate(strategy, params)


class InvoiceSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceSubscription

    invoice = factory.SubFactory(InvoiceFactory)
    subscription = factory.SubFactory(
        SubscriptionFactory,
        organization=factory.SelfAttribute("..invoice.organization"),
        customer=factory.SelfAttribute("..invoice.customer"),
    )
    reason = InvoiceSubscription.Reason.PERIODIC
    billed_at = PERIOD_END
    from_datetime = PERIOD_START
    to_datetime = PERIOD_END
    charges_from_datetime = PERIOD_START
    charges_to_datetime = PERIOD_END


class FeeFactory(factory.django.DjangoModelFactory):
    """A subscription fee of 10.00 for January 2026, without taxes."""

    class Meta:
        model = Fee

    invoice = factory.SubFactory(InvoiceFactory)
    organization = factory.SelfAttribute("invoice.organization")
    subscription = factory.SubFactory(
        SubscriptionFactory,
        organization=factory.SelfAttribute("..invoice.organization"),
        customer=factory.SelfAttribute("..invoice.customer"),
    )
    fee_type = Fee.FeeType.SUBSCRIPTION
    item_code = factory.LazyAttribute(lambda fee: fee.subscription.plan.code)
    item_name = factory.LazyAttribute(lambda fee: fee.subscription.plan.name)
    currency = factory.SelfAttribute("invoice.currency")
    units = Decimal(1)
    precise_amount = Decimal("10.00")
    amount = factory.LazyAttribute(lambda fee: round_to_minor_unit(fee.precise_amount, fee.currency))
    precise_unit_amount = factory.LazyAttribute(lambda fee: fee.precise_amount / fee.units if fee.units else 0)
    from_datetime = PERIOD_START
    to_datetime = PERIOD_END


def invoice_with_fees(
    *,
    fees: Sequence[dict] = ({},),
    taxes: Sequence[tuple[str, Decimal]] = (),
    subscription=None,
    **invoice_fields,
) -> Invoice:
    """An invoice billing one subscription (with its billing period), with one fee per dict of FeeFactory fields and
    each tax (code, rate in percent) applied to every fee; the totals are the sums of the rounded lines."""
    invoice = InvoiceFactory(**invoice_fields)
    link = InvoiceSubscriptionFactory(
        invoice=invoice,
        **({"subscription": subscription} if subscription is not None else {}),
    )
    fee_rows = [FeeFactory(invoice=invoice, subscription=link.subscription, **fields) for fields in fees]
    per_tax: dict[str, list[Decimal]] = {code: [Decimal(0), Decimal(0)] for code, _rate in taxes}
    for fee in fee_rows:
        for code, rate in taxes:
            amount = round_to_minor_unit(fee.amount * rate / 100, fee.currency)
            FeeAppliedTax.objects.create(fee=fee, tax_code=code, tax_name=code.upper(), tax_rate=rate, amount=amount)
            per_tax[code][0] += amount
            per_tax[code][1] += fee.amount
            fee.taxes_amount += amount
            fee.taxes_rate += rate
        fee.save()
    for code, rate in taxes:
        amount, base = per_tax[code]
        InvoiceAppliedTax.objects.create(
            invoice=invoice, tax_code=code, tax_name=code.upper(), tax_rate=rate, amount=amount, fees_amount=base
        )
    fees_amount = sum((fee.amount for fee in fee_rows), Decimal(0))
    taxes_amount = sum((fee.taxes_amount for fee in fee_rows), Decimal(0))
    invoice.fees_amount = invoice.sub_total_excluding_taxes_amount = fees_amount
    invoice.taxes_amount = taxes_amount
    invoice.sub_total_including_taxes_amount = invoice.total_amount = fees_amount + taxes_amount
    invoice.save()
    return invoice


def billed_draft_invoice(organization) -> Invoice:
    """January's invoice of a 10.00 USD monthly plan, issued by the billing cycle itself (so that refreshing it
    re-rates a real billing moment) and held as a draft by the customer's 3-day grace period."""
    subscription = SubscriptionFactory(
        organization=organization,
        external_id="sub_draft",
        subscription_at=PERIOD_START,
        customer__external_id="cust_draft",
        customer__invoice_grace_period=3,
    )
    [invoice] = subscriptions_bill(subscription_ids=[subscription.id], at=PERIOD_END)
    return invoice
