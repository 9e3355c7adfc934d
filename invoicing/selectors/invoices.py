"""Reads of invoices and fees for the API and the admin: lookups by lago_id and filtered lists, each loaded with
everything its representation reads in a fixed number of queries."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet

from billing.errors import NotFound
from billing.models import Organization
from invoicing.models import Fee, FeeAppliedTax, Invoice, InvoiceSubscription
from plans.selectors.subscriptions import subscriptions_with_details
from taxes.selectors import taxes_prefetch

SEARCHED_CUSTOMER_FIELDS = ("name", "firstname", "lastname", "email", "external_id")


@dataclass(frozen=True)
class InvoiceFilters:
    """Lago's invoice list filters; None leaves a filter out. Dates are inclusive."""

    external_customer_id: str | None = None
    status: str | None = None
    payment_status: str | None = None
    invoice_type: str | None = None
    currency: str | None = None
    issuing_date_from: date | None = None
    issuing_date_to: date | None = None
    payment_overdue: bool | None = None
    search_term: str | None = None


@dataclass(frozen=True)
class FeeFilters:
    """Lago's fee list filters; None leaves a filter out. Instants are inclusive."""

    external_subscription_id: str | None = None
    external_customer_id: str | None = None
    fee_type: str | None = None
    billable_metric_code: str | None = None
    event_transaction_id: str | None = None
    currency: str | None = None
    payment_status: str | None = None
    created_at_from: datetime | None = None
    created_at_to: datetime | None = None


def _fees_with_details(queryset: QuerySet[Fee] | None = None) -> QuerySet[Fee]:
    """Fees with the rows their representation reads: charge, filter, true-up fee, subscription and taxes."""
    queryset = Fee.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "charge", "charge_filter", "true_up_fee", "subscription__plan__minimum_commitment", "subscription__customer"
    ).prefetch_related(Prefetch("applied_taxes", queryset=FeeAppliedTax.objects.order_by("tax_code")))


def _invoices_with_details(queryset: QuerySet[Invoice], *, detailed: bool) -> QuerySet[Invoice]:
    """A list renders the customer, metadata and taxes of each invoice; `detailed` adds the fees, the subscriptions
    and their billing periods, as Lago's invoice endpoint does."""
    queryset = queryset.select_related("customer__organization").prefetch_related(
        "customer__metadata", taxes_prefetch("customer__taxes"), "applied_taxes"
    )
    if not detailed:
        return queryset
    links = InvoiceSubscription.objects.order_by("billed_at", "id").prefetch_related(
        Prefetch("subscription", queryset=subscriptions_with_details())
    )
    return queryset.prefetch_related(
        Prefetch("fees", queryset=_fees_with_details().order_by("created_at", "id")),
        Prefetch("invoice_subscriptions", queryset=links),
    )


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def invoice_get(*, organization: Organization, lago_id: str, detailed: bool = True) -> Invoice:
    """The organization's invoice with this lago_id; `detailed` loads everything Lago's invoice object shows."""
    invoice_id = _as_uuid(lago_id)
    invoice = None
    if invoice_id is not None:
        queryset = Invoice.objects.filter(organization=organization, pk=invoice_id)
        invoice = (_invoices_with_details(queryset, detailed=True) if detailed else queryset).first()
    if invoice is None:
        raise NotFound("invoice")
    return invoice


def invoice_list(*, organization: Organization, filters: InvoiceFilters | None = None) -> QuerySet[Invoice]:
    """Latest issuing date first, then the latest number."""
    filters = filters or InvoiceFilters()
    queryset = Invoice.objects.filter(organization=organization)
    exact = {
        "customer__external_id": filters.external_customer_id,
        "status": filters.status,
        "payment_status": filters.payment_status,
        "invoice_type": filters.invoice_type,
        "currency": filters.currency,
        "issuing_date__gte": filters.issuing_date_from,
        "issuing_date__lte": filters.issuing_date_to,
        "payment_overdue": filters.payment_overdue,
    }
    queryset = queryset.filter(**{lookup: value for lookup, value in exact.items() if value is not None})
    if filters.search_term:
        matches = Q(number__icontains=filters.search_term)
        for field in SEARCHED_CUSTOMER_FIELDS:
            matches |= Q(**{f"customer__{field}__icontains": filters.search_term})
        queryset = queryset.filter(matches)
    return _invoices_with_details(queryset, detailed=False).order_by("-issuing_date", "-sequential_id")


def fee_get(*, organization: Organization, lago_id: str) -> Fee:
    fee_id = _as_uuid(lago_id)
    fee = None
    if fee_id is not None:
        fee = _fee_rows(organization).filter(pk=fee_id).first()
    if fee is None:
        raise NotFound("fee")
    return fee


def fee_list(*, organization: Organization, filters: FeeFilters | None = None) -> QuerySet[Fee]:
    """Newest first."""
    filters = filters or FeeFilters()
    exact = {
        "subscription__external_id": filters.external_subscription_id,
        "fee_type": filters.fee_type,
        "event_transaction_id": filters.event_transaction_id,
        "currency": filters.currency,
        "created_at__gte": filters.created_at_from,
        "created_at__lte": filters.created_at_to,
    }
    queryset = _fee_rows(organization).filter(**{lookup: value for lookup, value in exact.items() if value is not None})
    if filters.billable_metric_code is not None:
        queryset = queryset.filter(fee_type=Fee.FeeType.CHARGE, item_code=filters.billable_metric_code)
    if filters.external_customer_id is not None:
        queryset = queryset.filter(
            Q(invoice__customer__external_id=filters.external_customer_id)
            | Q(invoice__isnull=True, subscription__customer__external_id=filters.external_customer_id)
        )
    if filters.payment_status is not None:
        paid_as = Q(invoice__payment_status=filters.payment_status)
        if filters.payment_status == Invoice.PaymentStatus.PENDING:
            paid_as |= Q(invoice__isnull=True)  # a fee on no invoice is pending, as its representation says
        queryset = queryset.filter(paid_as)
    return queryset.order_by("-created_at", "-id")


def _fee_rows(organization: Organization) -> QuerySet[Fee]:
    # A fee names its invoice's payment status (a fee paid in advance may have no invoice).
    return _fees_with_details(Fee.objects.filter(organization=organization)).select_related("invoice__customer")
