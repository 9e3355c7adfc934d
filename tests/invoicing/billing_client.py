"""A client-side view of billing for tests: the catalog, subscriptions and events are made through the API, the
way a product would, and the cycle is run through `manage.py bill`."""

from datetime import datetime
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from invoicing.models import Invoice


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def create_metric(api, code="api_calls", aggregation_type="sum_agg", field_name="calls", **extra) -> dict:
    body = {"name": code, "code": code, "aggregation_type": aggregation_type, **extra}
    if aggregation_type != "count_agg":
        body["field_name"] = field_name
    return ok(api.post("/api/v1/billable_metrics", {"billable_metric": body}, format="json"))["billable_metric"]


def create_plan(api, code="monthly", amount_cents=3100, interval="monthly", charges=(), **extra) -> dict:
    body = {
        "name": code,
        "code": code,
        "interval": interval,
        "amount_cents": amount_cents,
        "amount_currency": extra.pop("amount_currency", "USD"),
        "charges": list(charges),
        **extra,
    }
    return ok(api.post("/api/v1/plans", {"plan": body}, format="json"))["plan"]


def standard_charge(metric: dict, amount="0.5", **extra) -> dict:
    return {
        "billable_metric_id": metric["lago_id"],
        "charge_model": "standard",
        "properties": {"amount": amount},
        **extra,
    }


def subscribe(api, plan_code="monthly", external_id="sub_1", customer="cust_1", at: datetime | None = None, **extra):
    body = {"external_customer_id": customer, "plan_code": plan_code, "external_id": external_id, **extra}
    if at is not None:
        body["subscription_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ok(api.post("/api/v1/subscriptions", {"subscription": body}, format="json"))["subscription"]


def send_events(api, events: list[dict]) -> None:
    for start in range(0, len(events), 100):
        ok(api.post("/api/v1/events/batch", {"events": events[start : start + 100]}, format="json"))


def event(transaction_id: str, at: datetime, code="api_calls", subscription="sub_1", **properties) -> dict:
    return {
        "transaction_id": transaction_id,
        "external_subscription_id": subscription,
        "code": code,
        "timestamp": int(at.timestamp()),
        "properties": properties,
    }


def bill(at: datetime, **options) -> str:
    out = StringIO()
    call_command("bill", at=at, stdout=out, verbosity=0, **options)
    return out.getvalue()


def invoices_of(external_subscription_id: str) -> list[Invoice]:
    return list(
        Invoice.objects.filter(invoice_subscriptions__subscription__external_id=external_subscription_id)
        .order_by("issuing_date", "sequential_id")
        .prefetch_related("fees", "invoice_subscriptions")
    )


def fee_amounts(invoice: Invoice) -> dict[tuple[str, str], Decimal]:
    return {(fee.fee_type, fee.item_code): fee.amount for fee in invoice.fees.all()}
