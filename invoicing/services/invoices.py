"""An invoice's life after issuing: refresh while draft, finalize, void, payment status and metadata."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from billing.errors import NotAllowed, ValidationFailed
from billing.models import Organization
from invoicing.hooks import InvoiceEvent, invoices_changed
from invoicing.models import Invoice, InvoiceSubscription
from invoicing.rating import RatedMoment, moments_rate
from invoicing.selectors.billing import commitment_billed_before, subscriptions_load
from invoicing.services.issuing import (
    fee_rows,
    fee_rows_create,
    invoice_tax_rows,
    invoice_totals,
    moment_link_fields,
)
from plans.billing_schedule import BillingMoment, billing_moments
from plans.selectors.billing_terms import subscription_terms
from taxes.selectors import tax_resolver

logger = structlog.get_logger(__name__)
Status = Invoice.Status
PaymentStatus = Invoice.PaymentStatus
ONE_MICROSECOND = timedelta(microseconds=1)


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("organization", "customer").get(pk=invoice.pk)


@transaction.atomic
def invoice_refresh(*, invoice: Invoice) -> Invoice:
    """Re-rates a draft with the usage known now (late events); a finalized or voided invoice, and the invoice of an
    event billed in advance, are left as they are."""
    invoice = _locked(invoice)
    if invoice.status != Status.DRAFT:
        return invoice
    links = list(invoice.invoice_subscriptions.all())
    if any(link.reason == InvoiceSubscription.Reason.IN_ADVANCE_CHARGE for link in links):
        return invoice  # it bills one event, priced when the event came: there is no later usage to add
    subscriptions = {s.id: s for s in subscriptions_load(subscription_ids=[link.subscription_id for link in links])}
    rated: list[RatedMoment] = []
    for link in links:
        subscription = subscriptions[link.subscription_id]
        moment = _moment_at(subscription, link.billed_at)
        if moment is None:
            logger.warning("invoice.refresh_moment_gone", invoice_id=str(invoice.id), billed_at=link.billed_at)
            return invoice
        pairs = [(subscription, moment)]
        rated.extend(
            moments_rate(
                pairs,
                resolver=tax_resolver(organization=invoice.organization),
                commitment_billed_before=commitment_billed_before(pairs, excluding_invoice=invoice),
            )
        )
        InvoiceSubscription.objects.filter(pk=link.pk).update(**moment_link_fields(moment))
    invoice.fees.all().delete()
    invoice.applied_taxes.all().delete()
    drafts = [draft for item in rated for draft in item.fees]
    fees, fee_taxes = fee_rows(invoice, drafts)
    fee_rows_create(fees, fee_taxes, invoice_tax_rows(invoice, drafts))
    for name, value in invoice_totals(drafts).items():
        setattr(invoice, name, value)
    invoice.save()
    return invoice


def _moment_at(subscription, billed_at: datetime) -> BillingMoment | None:
    terms = subscription_terms(subscription=subscription)
    moments = billing_moments(terms, after=billed_at - ONE_MICROSECOND, until=billed_at)
    return moments[0] if moments and moments[0].at == billed_at else None


@transaction.atomic
def invoice_finalize(*, invoice: Invoice, now: datetime | None = None) -> Invoice:
    """Refreshes a draft one last time and finalizes it; finalizing a finalized invoice changes nothing."""
    invoice = invoice_refresh(invoice=invoice)
    if invoice.status == Status.FINALIZED:
        return invoice
    if invoice.status != Status.DRAFT:
        raise NotAllowed("invoice_not_draft")
    invoice.status = Status.FINALIZED
    invoice.finalized_at = now or timezone.now()
    invoice.finalize_at = None
    if invoice.total_amount == 0:
        invoice.payment_status = PaymentStatus.SUCCEEDED
    invoice.save(update_fields=["status", "finalized_at", "finalize_at", "payment_status", "updated_at"])
    invoices_changed(InvoiceEvent.FINALIZED, [invoice.id])
    return invoice


def drafts_finalize_due(*, at: datetime, organization: Organization | None = None) -> int:
    """Finalizes the drafts whose grace period is over at `at`, each in its own transaction."""
    due = Invoice.objects.filter(status=Status.DRAFT, finalize_at__lte=at)
    if organization is not None:
        due = due.filter(organization=organization)
    finalized = 0
    for invoice in due.order_by("finalize_at", "id"):
        finalized += invoice_finalize(invoice=invoice).status == Status.FINALIZED
    return finalized


@transaction.atomic
def invoice_void(*, invoice: Invoice, now: datetime | None = None) -> Invoice:
    """Voids a finalized invoice, paid or not (a paid one is refunded by the VOIDED listeners). Its billing claims
    stay: the period is not billed again."""
    invoice = _locked(invoice)
    if invoice.status == Status.VOIDED:
        return invoice
    if invoice.status != Status.FINALIZED:
        raise NotAllowed("not_voidable")
    invoice.status = Status.VOIDED
    invoice.voided_at = now or timezone.now()
    invoice.save(update_fields=["status", "voided_at", "updated_at"])
    invoices_changed(InvoiceEvent.VOIDED, [invoice.id])
    return invoice


@transaction.atomic
def invoice_mark_overdue(*, invoice: Invoice) -> Invoice:
    """Marks a finalized, unpaid invoice overdue (its collection was given up on); an overdue, paid or voided invoice
    is left as it is."""
    invoice = _locked(invoice)
    if invoice.status == Status.FINALIZED and invoice.payment_status != PaymentStatus.SUCCEEDED:
        invoice.payment_overdue = True
        invoice.save(update_fields=["payment_overdue", "updated_at"])
    return invoice


@transaction.atomic
def invoice_update(
    *, invoice: Invoice, payment_status: str | None = None, metadata: list[dict[str, Any]] | None = None
) -> Invoice:
    """Sets the payment status (finalized invoices only) and upserts metadata items by id (new ones get an id)."""
    invoice = _locked(invoice)
    if payment_status is not None and payment_status != invoice.payment_status:
        if invoice.status != Status.FINALIZED:
            raise ValidationFailed.single("payment_status", "invoice_not_finalized")
        invoice.payment_status = payment_status
        if payment_status == PaymentStatus.SUCCEEDED:
            invoice.payment_overdue = False  # paid after dunning gave up: no longer overdue
        invoices_changed(InvoiceEvent.PAYMENT_STATUS_UPDATED, [invoice.id])
    if metadata is not None:
        invoice.metadata = _metadata_merged(invoice.metadata, metadata)
    invoice.save()
    return invoice


def _metadata_merged(current: list[dict[str, Any]], changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {item["id"]: dict(item) for item in current}
    for change in changes:
        item_id = change.get("id")
        if item_id is not None and item_id not in by_id:
            raise ValidationFailed.single("metadata", "metadata_not_found")
        item_id = item_id or str(uuid.uuid4())
        by_id[item_id] = {"id": item_id, "key": change["key"], "value": change["value"]}
    return list(by_id.values())
