"""Invoice lifecycle hooks: what happens after an invoice changes state (PDF rendering, webhooks, payment collection)
is registered here by the modules and apps that do it, so invoicing never imports payments.

Listeners run after the transaction that changed the invoice commits (never for a rolled-back change), with the
invoice's id; they should only enqueue work (a Celery task), not do it.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from enum import StrEnum
from uuid import UUID

from django.db import transaction


class InvoiceEvent(StrEnum):
    DRAFTED = "drafted"  # issued as a draft (grace period)
    FINALIZED = "finalized"  # issued finalized, or a draft finalized
    VOIDED = "voided"
    PAYMENT_STATUS_UPDATED = "payment_status_updated"
    GENERATED = "generated"  # its PDF was rendered


_listeners: dict[InvoiceEvent, list[Callable[[UUID], None]]] = defaultdict(list)


def register_invoice_listener(event: InvoiceEvent, listener: Callable[[UUID], None]) -> None:
    if listener not in _listeners[event]:
        _listeners[event].append(listener)


def invoices_changed(event: InvoiceEvent, invoice_ids: Iterable[UUID]) -> None:
    """Calls the event's listeners for each invoice once the current transaction commits."""
    listeners = list(_listeners[InvoiceEvent(event)])
    invoice_ids = list(invoice_ids)
    if not listeners or not invoice_ids:
        return

    def notify() -> None:
        for invoice_id in invoice_ids:
            for listener in listeners:
                listener(invoice_id)

    transaction.on_commit(notify)
