"""Helpers for the tests of charges paid in advance: events posted through the API, with the billing task that
ingestion queues after commit run inline, and the fees read back through the official Lago client's models."""

from collections import defaultdict
from decimal import Decimal

from lago_python_client.models.fee import FeeResponse

from invoicing import hooks
from invoicing.event_listeners import bill_events_in_advance
from invoicing.models import Fee, Invoice
from tests.invoicing.billing_client import ok, send_events


def without_invoice_listeners(monkeypatch) -> None:
    """Leaves out the invoice lifecycle listeners (PDF, webhooks): they queue tasks of their own after commit."""
    monkeypatch.setattr(hooks, "_listeners", defaultdict(list))


def run_billing_tasks_inline(monkeypatch) -> list[tuple]:
    """Makes the queued billing task run in the test's process; returns the list of its calls as they happen."""
    without_invoice_listeners(monkeypatch)
    calls: list[tuple] = []

    def delay(*args):
        calls.append(args)
        return bill_events_in_advance(*args)

    monkeypatch.setattr(bill_events_in_advance, "delay", delay)
    return calls


def post_events(api, capture_on_commit, events: list[dict]) -> None:
    """Posts events as a product would, then runs what ingestion queued once its transaction commits."""
    with capture_on_commit(execute=True):
        send_events(api, events)


def fees_of_event(api, transaction_id: str) -> list[dict]:
    body = ok(api.get("/api/v1/fees", {"event_transaction_id": transaction_id}))
    for fee in body["fees"]:
        FeeResponse.parse_obj(fee)
    return body["fees"]


def event_fee(transaction_id: str) -> Fee:
    return Fee.objects.select_related("invoice").get(event_transaction_id=transaction_id)


def in_advance_amounts() -> dict[str, Decimal]:
    """{event transaction id: fee amount} of every fee of an event billed in advance."""
    return dict(Fee.objects.filter(event_transaction_id__isnull=False).values_list("event_transaction_id", "amount"))


def in_advance_invoices() -> list[Invoice]:
    return list(
        Invoice.objects.filter(invoice_subscriptions__reason="in_advance_charge")
        .order_by("sequential_id")
        .prefetch_related("fees")
    )
