"""event.error: one webhook per stored event that carries diagnostics (it may never be billed), in Lago's shape
{"status": 422, "error": "Unprocessable entity", "message": ..., "event": {...}}.

Ingestion is the hot path: the listener costs no query unless an endpoint of the organization wants event.error.
"""

from collections.abc import Sequence
from uuid import UUID

from billing.models import Organization
from billing.webhooks import webhook_emit, webhook_wanted
from billing.webhooks.types import WebhookType
from metering.api.serializers import EventSerializer
from metering.ingest_listeners import register_events_listener
from metering.selectors import event_details
from metering.stores.base import EventRecord, StoredEvent


def event_errors_emit(*, organization_id: UUID, events: Sequence[EventRecord]) -> None:
    diagnosed = [record for record in events if record.diagnostics]
    if not diagnosed or not webhook_wanted(organization_id=organization_id, webhook_type=WebhookType.EVENT_ERROR):
        return
    organization = Organization.objects.get(pk=organization_id)
    details = event_details(organization=organization, events=[StoredEvent.from_record(record) for record in diagnosed])
    for detail in details:
        webhook_emit(
            organization=organization,
            webhook_type=WebhookType.EVENT_ERROR,
            object_type="event_error",
            payload={
                "status": 422,
                "error": "Unprocessable entity",
                "message": ", ".join(detail.event.diagnostics),
                "event": EventSerializer(detail).data,
            },
        )


def register_event_webhooks() -> None:
    register_events_listener(event_errors_emit)
