"""Invoice lifecycle hooks fire after commit, once per invoice and event."""

from datetime import UTC, datetime

import pytest

from invoicing import hooks
from invoicing.hooks import InvoiceEvent, register_invoice_listener
from invoicing.models import Invoice
from invoicing.services.invoices import invoice_update, invoice_void
from tests.invoicing.billing_client import bill, create_plan, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    monkeypatch.setattr(hooks, "_listeners", hooks.defaultdict(list))
    events = []
    for event in InvoiceEvent:
        register_invoice_listener(
            event, lambda invoice_ids, event=event: events.extend((event, invoice_id) for invoice_id in invoice_ids)
        )
    return events


def test_listeners_hear_each_invoice_state_change_after_commit(api, heard, django_capture_on_commit_callbacks):
    create_plan(api, amount_cents=1000)
    subscribe(api, at=datetime(2022, 3, 1, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        bill(datetime(2022, 4, 1, 1, tzinfo=UTC))
    invoice = Invoice.objects.get()
    assert heard == [(InvoiceEvent.FINALIZED, invoice.id)]

    with django_capture_on_commit_callbacks(execute=True):
        invoice_update(invoice=invoice, payment_status="failed")
        invoice_void(invoice=invoice)
    assert heard[1:] == [(InvoiceEvent.PAYMENT_STATUS_UPDATED, invoice.id), (InvoiceEvent.VOIDED, invoice.id)]


def test_a_rolled_back_change_notifies_nobody(api, heard, django_capture_on_commit_callbacks):
    create_plan(api, amount_cents=1000)
    subscribe(api, at=datetime(2022, 3, 1, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bill(datetime(2022, 4, 1, 1, tzinfo=UTC))
    assert len(callbacks) == 1 and heard == []  # queued for the commit, not run before it


def test_a_failing_listener_does_not_stop_the_others(api, heard, django_capture_on_commit_callbacks):
    def broken(invoice_ids):
        raise ConnectionError("broker down")

    hooks._listeners[InvoiceEvent.FINALIZED].insert(0, broken)
    create_plan(api, amount_cents=1000)
    subscribe(api, at=datetime(2022, 3, 1, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        bill(datetime(2022, 4, 1, 1, tzinfo=UTC))

    assert heard == [(InvoiceEvent.FINALIZED, Invoice.objects.get().id)]
