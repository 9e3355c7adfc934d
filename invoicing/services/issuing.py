"""Turning rated moments into stored invoices: numbers, totals, fees and applied taxes, in bulk.

A batch is written in one transaction. The unique constraints on InvoiceSubscription decide whether a moment was
billed already: if the batch hits one (a retried or concurrent task), it rolls back whole and is replayed one moment at
a time, skipping exactly the moments another run billed. Any other integrity error is a bug and propagates. An event
billed in advance is no billing moment: its fee's unique constraint (charge, subscription, event) decides instead.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import structlog
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q

from billing.bulk_copy import DecimalOutOfRange, instances_insert
from billing.models import Organization
from billing.services import sequence_allocate
from invoicing.hooks import InvoiceEvent, invoices_changed
from invoicing.models import Fee, FeeAppliedTax, Invoice, InvoiceAppliedTax, InvoiceSubscription
from invoicing.numbering import invoice_number
from invoicing.rating import FeeDraft, RatedMoment

logger = structlog.get_logger(__name__)
INVOICE_SEQUENCE = "invoice"
# What makes one subscription's moment (or one event's fee) unbillable without being anyone else's problem: an amount
# beyond what an invoice can hold (usage far outside its metric's scale), or arithmetic that cannot be carried out.
# Anything else (an outage, a bug) propagates, and the task is retried.
UNBILLABLE = (DecimalOutOfRange, DataError, ArithmeticError)
Item = TypeVar("Item")
Issued = TypeVar("Issued")


def each_alone_on_failure(
    issue: Callable[[list[Item]], list[Issued]], items: list[Item], failed: Callable[[Item, Exception], None]
) -> list[Issued]:
    """issue(items) together; if that is UNBILLABLE, each item alone, so that the items that can be billed are and
    failed(item, error) hears of each one that cannot."""
    try:
        return issue(items)
    except UNBILLABLE as error:
        if len(items) == 1:
            failed(items[0], error)
            return []
    issued: list[Issued] = []
    for item in items:
        try:
            issued.extend(issue([item]))
        except UNBILLABLE as error:
            failed(item, error)
    return issued


def rated_moments_issue(*, organization: Organization, rated: Sequence[RatedMoment], now: datetime) -> list[Invoice]:
    """One invoice per rated moment; moments already billed are skipped. Returns the invoices created."""
    if not rated:
        return []
    try:
        with transaction.atomic():
            return _issue(organization, rated, now)
    except IntegrityError:
        logger.info("billing.batch_conflict", size=len(rated))
    issued = []
    for item in rated:
        try:
            with transaction.atomic():
                issued.extend(_issue(organization, [item], now))
        except IntegrityError:
            if not _already_billed(item):
                raise
            logger.info("billing.already_billed", subscription_id=str(item.subscription.id), at=item.moment.at)
    return issued


def _already_billed(item: RatedMoment) -> bool:
    moment = item.moment
    if moment.reason == InvoiceSubscription.Reason.IN_ADVANCE_CHARGE:
        return any(fee_already_stored(draft) for draft in item.fees)
    clash = Q(billed_at=moment.at)
    if moment.plan_fee is not None:
        clash |= Q(from_datetime=moment.plan_fee.billed.start)
    if moment.charges is not None:
        clash |= Q(charges_from_datetime=moment.charges.start)
    return InvoiceSubscription.objects.filter(clash, subscription=item.subscription).exists()


def _issue(organization: Organization, rated: Sequence[RatedMoment], now: datetime) -> list[Invoice]:
    sequential_ids = sequence_allocate(organization=organization, name=INVOICE_SEQUENCE, count=len(rated))
    invoices, links, fees, fee_taxes, invoice_taxes = [], [], [], [], []
    for item, sequential_id in zip(rated, sequential_ids, strict=True):
        invoice = _invoice(organization, item, sequential_id=sequential_id, now=now)
        invoices.append(invoice)
        links.append(_link(invoice, item))
        item_fees, item_fee_taxes = fee_rows(invoice, item.fees)
        fees.extend(item_fees)
        fee_taxes.extend(item_fee_taxes)
        invoice_taxes.extend(invoice_tax_rows(invoice, item.fees))
    instances_insert(Invoice, invoices)
    instances_insert(InvoiceSubscription, links)
    fee_rows_create(fees, fee_taxes, invoice_taxes)
    for event, status in (
        (InvoiceEvent.FINALIZED, Invoice.Status.FINALIZED),
        (InvoiceEvent.DRAFTED, Invoice.Status.DRAFT),
    ):
        invoices_changed(event, [invoice.id for invoice in invoices if invoice.status == status])
    return invoices


def fee_rows(invoice: Invoice | None, drafts: Sequence[FeeDraft]) -> tuple[list[Fee], list[FeeAppliedTax]]:
    """Unsaved Fee and FeeAppliedTax rows for an invoice's drafts (or for fees on no invoice), true-up fees linked to
    their parents."""
    fees = [_fee(invoice, draft) for draft in drafts]
    by_draft = {id(draft): fee for draft, fee in zip(drafts, fees, strict=True)}
    fee_taxes = []
    for draft, fee in zip(drafts, fees, strict=True):
        if draft.true_up_parent is not None:
            fee.true_up_parent = by_draft[id(draft.true_up_parent)]
        fee_taxes.extend(_fee_taxes(fee, draft))
    return fees, fee_taxes


def uninvoiced_fees_create(*, drafts: Sequence[FeeDraft]) -> list[Fee]:
    """Stores fees of events on no invoice (charges paid in advance that are not invoiceable); a fee whose event was
    billed already (a retried or concurrent task) is skipped. Returns the fees created."""
    if not drafts:
        return []
    try:
        with transaction.atomic():
            return _uninvoiced_fees_create(drafts)
    except IntegrityError:
        logger.info("billing.in_advance_batch_conflict", size=len(drafts))
    created = []
    for draft in drafts:
        try:
            with transaction.atomic():
                created.extend(_uninvoiced_fees_create([draft]))
        except IntegrityError:
            if not fee_already_stored(draft):
                raise
            logger.info("billing.event_already_billed", event_transaction_id=draft.event_transaction_id)
    return created


def _uninvoiced_fees_create(drafts: Sequence[FeeDraft]) -> list[Fee]:
    fees, fee_taxes = fee_rows(None, drafts)
    fee_rows_create(fees, fee_taxes, [])
    return fees


def fee_already_stored(draft: FeeDraft) -> bool:
    """Whether the event a draft bills in advance has its fee already."""
    return Fee.objects.filter(
        subscription=draft.subscription, charge=draft.charge, event_transaction_id=draft.event_transaction_id
    ).exists()


def fee_rows_create(fees: list[Fee], fee_taxes: list[FeeAppliedTax], invoice_taxes: list[InvoiceAppliedTax]) -> None:
    # True-up fees point at their parent: parents first.
    instances_insert(Fee, [fee for fee in fees if fee.true_up_parent is None])
    instances_insert(Fee, [fee for fee in fees if fee.true_up_parent is not None])
    instances_insert(FeeAppliedTax, fee_taxes)
    instances_insert(InvoiceAppliedTax, invoice_taxes)


def invoice_totals(fees: Sequence[FeeDraft]) -> dict[str, Decimal]:
    fees_amount = sum((draft.amount for draft in fees), Decimal(0))
    taxes_amount = sum((draft.taxes_amount for draft in fees), Decimal(0))
    coupons_amount = Decimal(0)
    sub_total = fees_amount - coupons_amount
    return {
        "fees_amount": fees_amount,
        "coupons_amount": coupons_amount,
        "sub_total_excluding_taxes_amount": sub_total,
        "taxes_amount": taxes_amount,
        "sub_total_including_taxes_amount": sub_total + taxes_amount,
        "total_amount": sub_total + taxes_amount,
    }


def _invoice(organization: Organization, item: RatedMoment, *, sequential_id: int, now: datetime) -> Invoice:
    subscription = item.subscription
    customer = subscription.customer
    issuing_date = item.moment.at.astimezone(ZoneInfo(customer.applicable_timezone)).date()
    net_payment_term = customer.applicable_net_payment_term
    grace_days = customer.applicable_invoice_grace_period
    totals = invoice_totals(item.fees)
    finalized = grace_days == 0
    return Invoice(
        organization=organization,
        customer=customer,
        sequential_id=sequential_id,
        number=invoice_number(organization=organization, issuing_date=issuing_date, sequential_id=sequential_id),
        invoice_type=Invoice.InvoiceType.SUBSCRIPTION,
        status=Invoice.Status.FINALIZED if finalized else Invoice.Status.DRAFT,
        payment_status=(
            Invoice.PaymentStatus.SUCCEEDED
            if finalized and totals["total_amount"] == 0
            else Invoice.PaymentStatus.PENDING
        ),
        currency=subscription.plan.amount_currency,
        issuing_date=issuing_date,
        payment_due_date=issuing_date + timedelta(days=net_payment_term),
        net_payment_term=net_payment_term,
        finalize_at=None if finalized else item.moment.at + timedelta(days=grace_days),
        finalized_at=now if finalized else None,
        **totals,
    )


def _link(invoice: Invoice, item: RatedMoment) -> InvoiceSubscription:
    return InvoiceSubscription(invoice=invoice, subscription=item.subscription, **moment_link_fields(item.moment))


def moment_link_fields(moment) -> dict:
    return {
        "reason": moment.reason,
        "billed_at": moment.at,
        "from_datetime": moment.plan_fee.billed.start if moment.plan_fee else None,
        "to_datetime": moment.plan_fee.billed.end if moment.plan_fee else None,
        "charges_from_datetime": moment.charges.start if moment.charges else None,
        "charges_to_datetime": moment.charges.end if moment.charges else None,
    }


def _fee(invoice: Invoice | None, draft: FeeDraft) -> Fee:
    return Fee(
        organization_id=draft.subscription.organization_id,
        invoice=invoice,
        subscription=draft.subscription,
        fee_type=draft.fee_type,
        charge=draft.charge,
        charge_filter=draft.charge_filter,
        item_code=draft.item_code,
        item_name=draft.item_name,
        invoice_display_name=draft.invoice_display_name,
        charge_model=draft.charge_model,
        filter_values=draft.filter_values,
        grouped_by=draft.grouped_by,
        pay_in_advance=draft.pay_in_advance,
        event_transaction_id=draft.event_transaction_id,
        units=draft.units,
        events_count=draft.events_count,
        currency=draft.currency,
        precise_amount=draft.precise_amount,
        amount=draft.amount,
        precise_unit_amount=draft.precise_unit_amount,
        taxes_rate=draft.taxes_rate,
        taxes_amount=draft.taxes_amount,
        from_datetime=draft.from_datetime,
        to_datetime=draft.to_datetime,
    )


def _fee_taxes(fee: Fee, draft: FeeDraft) -> list[FeeAppliedTax]:
    return [
        FeeAppliedTax(
            fee=fee,
            tax_id=tax.tax_id,
            tax_code=tax.code,
            tax_name=tax.name,
            tax_rate=tax.rate,
            tax_description=tax.description,
            amount=tax.amount,
        )
        for tax in draft.taxes
    ]


def invoice_tax_rows(invoice: Invoice, fees: Sequence[FeeDraft]) -> list[InvoiceAppliedTax]:
    per_code: dict[str, list] = defaultdict(lambda: [None, Decimal(0), Decimal(0)])
    for draft in fees:
        for tax in draft.taxes:
            entry = per_code[tax.code]
            entry[0] = tax
            entry[1] += tax.amount
            entry[2] += draft.amount
    return [
        InvoiceAppliedTax(
            invoice=invoice,
            tax_id=tax.tax_id,
            tax_code=tax.code,
            tax_name=tax.name,
            tax_rate=tax.rate,
            tax_description=tax.description,
            amount=amount,
            fees_amount=base,
        )
        for tax, amount, base in per_code.values()
    ]
