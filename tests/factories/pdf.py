"""Invoices as their PDFs are tested: an issuer and a customer with full addresses, and a typical ten-line invoice
(the plan's fee and nine charge fees, some per filter or pricing group) with two tax rates."""

from datetime import UTC, datetime
from decimal import Decimal

from billing.models import Organization
from invoicing.models import Invoice
from tests.factories.invoicing import invoice_with_fees
from tests.factories.subscriptions import SubscriptionCustomerFactory

TAXES = (("vat", Decimal("20")), ("city", Decimal("2.5")))
TEN_LINES = (
    {"item_name": "Premium plan", "units": Decimal(1), "precise_amount": Decimal("1234.56")},
    {"item_name": "API calls", "fee_type": "charge", "units": Decimal("1520"), "precise_amount": Decimal("15.20")},
    {
        "item_name": "Compute",
        "fee_type": "charge",
        "filter_values": {"region": ["eu-west"]},
        "units": Decimal("12.5"),
        "precise_amount": Decimal("25.00"),
    },
    {
        "item_name": "Compute",
        "fee_type": "charge",
        "filter_values": {"region": ["us-east"]},
        "units": Decimal("4"),
        "precise_amount": Decimal("8.00"),
    },
    {
        "item_name": "Seats",
        "fee_type": "charge",
        "grouped_by": {"workspace": "research"},
        "units": Decimal("3"),
        "precise_amount": Decimal("30.00"),
    },
    {"item_name": "Storage", "fee_type": "charge", "units": Decimal("250"), "precise_amount": Decimal("5.00")},
    {"item_name": "Bandwidth", "fee_type": "charge", "units": Decimal("42"), "precise_amount": Decimal("4.20")},
    {"item_name": "Support", "fee_type": "charge", "units": Decimal("2"), "precise_amount": Decimal("100.00")},
    {"item_name": "Backups", "fee_type": "charge", "units": Decimal("7"), "precise_amount": Decimal("3.50")},
    {"item_name": "Emails", "fee_type": "charge", "units": Decimal("10000"), "precise_amount": Decimal("1.00")},
)


def issuer(organization: Organization) -> Organization:
    organization.legal_name = "Acme Billing GmbH"
    organization.address_line1 = "Hauptstraße 5"
    organization.zipcode = "10115"
    organization.city = "Berlin"
    organization.country = "DE"
    organization.tax_identification_number = "DE123456789"
    organization.email = "billing@acme.test"
    organization.save()
    return organization


def ten_line_invoice(organization: Organization, *, currency: str = "USD", document_locale: str = "", **fields):
    """Issued 1 February 2026 for January, to a customer in Paris."""
    customer = SubscriptionCustomerFactory(
        organization=organization,
        external_id=f"globex_{currency.lower()}_{document_locale or 'default'}",
        name="Globex Corporation",
        address_line1="12 rue de la Paix",
        zipcode="75002",
        city="Paris",
        country="FR",
        tax_identification_number="FR40303265045",
        document_locale=document_locale,
        currency=currency,
    )
    fees = [{"from_datetime": datetime(2026, 1, 1, tzinfo=UTC), **line} for line in TEN_LINES]
    return invoice_with_fees(
        organization=organization, customer=customer, currency=currency, fees=fees, taxes=TAXES, **fields
    )


def invoice_of_many_lines(organization: Organization, lines: int) -> Invoice:
    fees = [{"item_name": f"Metered item {number:03d}", "fee_type": "charge"} for number in range(1, lines + 1)]
    return invoice_with_fees(organization=organization, fees=fees, taxes=TAXES[:1])
