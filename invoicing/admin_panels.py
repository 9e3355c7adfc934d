"""The customer's admin page shows each active subscription's current usage and the latest invoices."""

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from billing.errors import DomainError
from billing.money import from_cents, round_to_minor_unit
from customers.admin_panels import register_customer_panel
from customers.models import Customer
from invoicing.models import Invoice
from invoicing.selectors.current_usage import current_usage
from plans.models import Subscription

LATEST_INVOICES = 10


def current_usage_panel(customer: Customer) -> SafeString:
    subscriptions = Subscription.objects.filter(customer=customer, status=Subscription.Status.ACTIVE).order_by(
        "external_id"
    )
    rows = []
    for subscription in subscriptions:
        try:
            usage = current_usage(
                organization=customer.organization,
                external_customer_id=customer.external_id,
                external_subscription_id=subscription.external_id,
            )
        except DomainError as error:  # e.g. the usage store is unreachable: say so, keep the page
            rows.append((subscription.external_id, "-", str(error), "", ""))
            continue
        currency = usage["currency"]
        charges = ", ".join(
            f"{charge['billable_metric']['code']}: {charge['units']} units, "
            f"{from_cents(charge['amount_cents'], currency)} {currency}"
            for charge in usage["charges_usage"]
        )
        period = f"{usage['from_datetime'][:10]} to {usage['to_datetime'][:10]}"
        total = f"{from_cents(usage['total_amount_cents'], currency)} {currency}"
        rows.append((subscription.external_id, period, charges or "no charges", total, ""))
    if not rows:
        return format_html("<p>{}</p>", "No active subscription.")
    return format_html(
        "<table><tr><th>Subscription</th><th>Period</th><th>Charges</th><th>Total so far</th></tr>{}</table>",
        format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (row[:4] for row in rows)),
    )


def invoices_panel(customer: Customer) -> SafeString:
    invoices = Invoice.objects.filter(customer=customer).order_by("-issuing_date", "-sequential_id")[:LATEST_INVOICES]
    rows = [
        (
            reverse("admin:invoicing_invoice_change", args=[invoice.pk]),
            invoice.number,
            invoice.issuing_date,
            invoice.status,
            invoice.payment_status,
            f"{round_to_minor_unit(invoice.total_amount, invoice.currency)} {invoice.currency}",
        )
        for invoice in invoices
    ]
    if not rows:
        return format_html("<p>{}</p>", "No invoice yet.")
    return format_html(
        "<table><tr><th>Number</th><th>Issued</th><th>Status</th><th>Payment</th><th>Total</th></tr>{}</table>",
        format_html_join("", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>', rows),
    )


def register_panels() -> None:
    register_customer_panel(title="Current usage", render=current_usage_panel)
    register_customer_panel(title="Latest invoices", render=invoices_panel)
