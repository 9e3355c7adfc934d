"""What invoicing does when metering stores events: bill at once the events that a charge paid in advance counts.

Registered with metering (which never imports invoicing) in InvoicingConfig.ready. Ingestion's hot path pays one
cache read per batch for an organization without such charges; the cached codes are forgotten whenever a charge or
a metric changes.
"""

from collections.abc import Sequence
from uuid import UUID

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from invoicing.selectors.in_advance import in_advance_metric_codes, in_advance_metric_codes_forget
from invoicing.tasks import bill_events_in_advance
from metering.ingest_listeners import register_events_listener
from metering.stores.base import EventRecord
from plans.models import BillableMetric, Charge


def events_in_advance_enqueue(*, organization_id: UUID, events: Sequence[EventRecord]) -> None:
    """Queues the billing of the events whose metric a charge paid in advance bills, once ingestion commits."""
    codes = in_advance_metric_codes(organization_id=organization_id)
    if not codes:
        return
    keys = [
        [event.external_subscription_id, event.transaction_id, event.code, event.timestamp.isoformat()]
        for event in events
        if event.code in codes
    ]
    if keys:
        # Robust: the events are stored and acknowledged whatever the broker says; a failure to queue is logged.
        transaction.on_commit(lambda: bill_events_in_advance.delay(str(organization_id), keys), robust=True)


def _catalog_changed(sender, instance, **kwargs) -> None:
    in_advance_metric_codes_forget(organization_id=instance.organization_id)


def register_event_listeners() -> None:
    register_events_listener(events_in_advance_enqueue)
    for model in (Charge, BillableMetric):
        post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"in_advance_codes_saved_{model.__name__}")
        post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"in_advance_codes_deleted_{model.__name__}")
