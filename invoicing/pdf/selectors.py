"""The invoice as its PDF shows it: every row the template reads, loaded in a fixed number of queries, and every value
formatted for the document's locale (the customer's `document_locale`, else the organization's, else English)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from babel import Locale
from django.db.models import Prefetch

from billing.models import Organization
from customers.models import Customer
from invoicing.models import Fee, FeeAppliedTax, Invoice
from invoicing.pdf.formatting import (
    document_locale,
    format_day,
    format_money,
    format_quantity,
    format_rate,
    format_unit_price,
)


@dataclass(frozen=True)
class Party:
    """The issuer or the customer: a name, then the address lines and identifiers to print under it."""

    name: str
    address: tuple[str, ...]
    tax_identification_number: str
    legal_number: str
    email: str


@dataclass(frozen=True)
class DocumentLine:
    description: str
    labels: tuple[str, ...]  # the charge filter and pricing group the fee is for
    period: str
    units: str
    unit_price: str
    amount: str


@dataclass(frozen=True)
class DocumentTax:
    label: str
    base: str
    amount: str


@dataclass(frozen=True)
class InvoiceDocument:
    title: str
    number: str
    status: str
    currency: str
    language: str
    issuing_date: str
    payment_due_date: str
    issuer: Party
    customer: Party
    lines: tuple[DocumentLine, ...]
    fees_total: str
    coupons: str | None
    subtotal: str
    taxes: tuple[DocumentTax, ...]  # one per rate, the highest first
    taxes_total: str
    total: str
    amount_due: str


def invoice_for_document(*, invoice_id: UUID | str) -> Invoice | None:
    """The invoice with everything its document reads (organization, customer, fees and their taxes), or None."""
    fees = Fee.objects.select_related("charge_filter").prefetch_related(
        Prefetch("applied_taxes", queryset=FeeAppliedTax.objects.order_by("tax_code"))
    )
    return (
        Invoice.objects.select_related("organization", "customer__organization")
        .prefetch_related(Prefetch("fees", queryset=fees.order_by("created_at", "id")), "applied_taxes")
        .filter(pk=invoice_id)
        .first()
    )


def invoice_document(*, invoice: Invoice) -> InvoiceDocument:
    """`invoice` as loaded by `invoice_for_document`."""
    organization, customer = invoice.organization, invoice.customer
    locale = document_locale(customer.document_locale, organization.document_locale)
    zone = ZoneInfo(customer.applicable_timezone)

    def money(amount: Decimal) -> str:
        return format_money(amount, invoice.currency, locale)

    amount_due = Decimal(0) if invoice.payment_status == Invoice.PaymentStatus.SUCCEEDED else invoice.total_amount
    return InvoiceDocument(
        title=f"{organization.name} invoice {invoice.number}",
        number=invoice.number,
        status=invoice.status,
        currency=invoice.currency,
        language=str(locale).replace("_", "-"),
        issuing_date=format_day(invoice.issuing_date, locale),
        payment_due_date=format_day(invoice.payment_due_date, locale),
        issuer=_issuer(organization, locale),
        customer=_customer(customer, locale),
        lines=tuple(_line(fee, invoice.currency, locale, zone) for fee in invoice.fees.all()),
        fees_total=money(invoice.fees_amount),
        coupons=money(invoice.coupons_amount) if invoice.coupons_amount else None,
        subtotal=money(invoice.sub_total_excluding_taxes_amount),
        taxes=tuple(
            DocumentTax(
                label=f"{applied.tax_name} ({format_rate(applied.tax_rate, locale)})",
                base=money(applied.fees_amount),
                amount=money(applied.amount),
            )
            for applied in sorted(
                invoice.applied_taxes.all(), key=lambda applied: (-applied.tax_rate, applied.tax_code)
            )
        ),
        taxes_total=money(invoice.taxes_amount),
        total=money(invoice.total_amount),
        amount_due=money(amount_due),
    )


def _address(*, line1: str, line2: str, zipcode: str, city: str, state: str, country: str, locale: Locale):
    locality = " ".join(part for part in (zipcode, city) if part)
    lines = (line1, line2, ", ".join(part for part in (locality, state) if part))
    country_name = locale.territories.get(country.upper(), country) if country else ""
    return tuple(line for line in (*lines, country_name) if line)


def _issuer(organization: Organization, locale: Locale) -> Party:
    return Party(
        name=organization.legal_name or organization.name,
        address=_address(
            line1=organization.address_line1,
            line2=organization.address_line2,
            zipcode=organization.zipcode,
            city=organization.city,
            state=organization.state,
            country=organization.country,
            locale=locale,
        ),
        tax_identification_number=organization.tax_identification_number,
        legal_number=organization.legal_number,
        email=organization.email,
    )


def _customer(customer: Customer, locale: Locale) -> Party:
    person = " ".join(part for part in (customer.firstname, customer.lastname) if part)
    return Party(
        name=customer.legal_name or customer.name or person or customer.external_id,
        address=_address(
            line1=customer.address_line1,
            line2=customer.address_line2,
            zipcode=customer.zipcode,
            city=customer.city,
            state=customer.state,
            country=customer.country,
            locale=locale,
        ),
        tax_identification_number=customer.tax_identification_number,
        legal_number=customer.legal_number,
        email=customer.email.split(",")[0].strip(),
    )


def _line(fee: Fee, currency: str, locale: Locale, zone: ZoneInfo) -> DocumentLine:
    return DocumentLine(
        description=fee.invoice_display_name or fee.item_name,
        labels=_labels(fee),
        period=fee_period(fee.from_datetime, fee.to_datetime, locale, zone),
        units=format_quantity(fee.units, locale),
        unit_price=format_unit_price(fee.precise_unit_amount, currency, locale),
        amount=format_money(fee.amount, currency, locale),
    )


def _labels(fee: Fee) -> tuple[str, ...]:
    labels = []
    if fee.charge_filter is not None and fee.charge_filter.invoice_display_name:
        labels.append(fee.charge_filter.invoice_display_name)
    elif fee.filter_values:
        labels.append(", ".join(f"{key}: {', '.join(values)}" for key, values in sorted(fee.filter_values.items())))
    if fee.grouped_by:
        labels.append(", ".join(f"{key}: {value}" for key, value in sorted(fee.grouped_by.items()) if value))
    return tuple(label for label in labels if label)


def fee_period(start: datetime, end: datetime, locale: Locale, zone: ZoneInfo) -> str:
    """Periods are half-open: a month billed up to 1 February 00:00 ends on 31 January, in the customer's time zone."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date() if end > start else first
    if last == first:
        return format_day(first, locale)
    return f"{format_day(first, locale)} – {format_day(last, locale)}"
