"""Invoice lifecycle hooks: what happens after an invoice changes state (PDF rendering, webhooks, payment collection)
is registered here by the modules and apps that do it, so invoicing never imports payments.

Listeners run after the transaction that changed the invoices commits (never for a rolled-back change), once per
change with the ids of all the invoices it changed (a billing batch finalizes hundreds at once), so that they can
decide with one query and enqueue few tasks; they should only enqueue work (a Celery task), not do it. A listener
that fails (a broker outage) is logged and the others still run: each kind of work also has a periodic catch-up.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from enum import StrEnum
from uuid import UUID

import structlog
from django.db import transaction

logger = structlog.get_logger(__name__)


class InvoiceEvent(StrEnum):
    DRAFTED = "drafted"  # issued as a draft (grace period)
    FINALIZED = "finalized"  # issued finalized, or a draft finalized
    VOIDED = "voided"
    PAYMENT_STATUS_UPDATED = "payment_status_updated"
    GENERATED = "generated"  # its PDF was rendered


_listeners: dict[InvoiceEvent, list[Callable[[list[UUID]], None]]] = defaultdict(list)


def register_invoice_listener(event: InvoiceEvent, listener: Callable[[list[UUID]], None]) -> None:
    if listener not in _listeners[event]:
        _listeners[event].append(listener)


def invoices_changed(event: InvoiceEvent, invoice_ids: Iterable[UUID]) -> None:
    """Calls the event's listeners with the invoices' ids once the current transaction commits."""
    listeners = list(_listeners[InvoiceEvent(event)])
    invoice_ids = list(invoice_ids)
    if not listeners or not invoice_ids:
        return

    def notify() -> None:
        for listener in listeners:
            try:
                listener(invoice_ids)
            except Exception:  # noqa: BLE001 - the change is committed; one failing listener must not undo others
                logger.exception("invoice_listener_failed", invoice_event=str(event), invoices=len(invoice_ids))

    transaction.on_commit(notify)
