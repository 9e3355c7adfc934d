"""Writes of events: ingestion, from raw client dicts to stored, diagnosed events."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from billing.errors import ValidationFailed
from billing.models import Organization
from metering.diagnostics import diagnosis_reads, event_diagnosis
from metering.ingest_listeners import events_ingested
from metering.ingestion import events_parse
from metering.selectors import EventDetail
from metering.stores import get_event_store
from metering.usage_versions import usage_changed


@dataclass(frozen=True)
class IngestResult:
    """The stored events, in the order received."""

    events: list[EventDetail]


def events_ingest(
    *, organization: Organization, raw_events: Sequence[Any], at: datetime | None = None, keyed_by_index: bool = True
) -> IngestResult:
    """Validates, diagnoses and stores events all or nothing.

    Refuses with ValidationFailed: a batch over settings.EVENTS_BATCH_MAX, any invalid event, and a transaction_id
    already stored for its subscription or repeated in the batch (`value_already_exist`). Error paths are prefixed by
    the event's index unless keyed_by_index is False (the single-event endpoint). `at`: the time of receipt.
    """
    if len(raw_events) > settings.EVENTS_BATCH_MAX:
        raise ValidationFailed.single("events", "too_many_events")
    if not raw_events:
        raise ValidationFailed.single("events", "value_is_mandatory")
    now = at or timezone.now()
    parsed = events_parse(raw_events, organization_id=organization.id, now=now, keyed_by_index=keyed_by_index)
    if parsed.errors:
        raise ValidationFailed(parsed.errors)

    records = parsed.records
    spans, metrics = diagnosis_reads(
        organization_id=organization.id,
        external_ids={record.external_subscription_id for record in records},
        codes={record.code for record in records},
    )
    covering = []
    for record in records:
        record.diagnostics, span = event_diagnosis(record, metrics=metrics, subscriptions=spans)
        covering.append(span)
    outcome = get_event_store().insert(records)
    if not outcome.accepted:
        paths = (f"{index}.transaction_id" if keyed_by_index else "transaction_id" for index in outcome.duplicates)
        raise ValidationFailed({path: ["value_already_exist"] for path in paths})
    usage_changed(
        organization_id=organization.id,
        external_subscription_ids=(record.external_subscription_id for record in records),
    )
    events_ingested(organization_id=organization.id, events=records)

    return IngestResult(events=[EventDetail.of(record, span) for record, span in zip(records, covering, strict=True)])
