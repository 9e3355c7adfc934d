from django.db import models

from billing.ids import time_ordered_uuid
from billing.models import Organization


class Event(models.Model):
    """A usage event as received: the SQL store's table, and the durable idempotent inbox of the ClickHouse store.

    `diagnostics` lists why the event may not be counted (see metering.diagnostics), comma-separated and sorted, so
    that both SQLite and PostgreSQL can filter on it with a plain LIKE.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    # No index of its own: every index of the table starts with the organization.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events", db_index=False)
    transaction_id = models.CharField(max_length=255)
    external_subscription_id = models.CharField(max_length=255)
    code = models.CharField(max_length=255)
    timestamp = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    precise_total_amount_cents = models.DecimalField(max_digits=40, decimal_places=15, null=True, blank=True)
    ingested_at = models.DateTimeField()
    diagnostics = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-timestamp"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_subscription_id", "transaction_id"],
                name="unique_event_transaction_per_subscription",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "external_subscription_id", "code", "timestamp"]),
            models.Index(fields=["organization", "code", "timestamp"]),
            models.Index(fields=["organization", "transaction_id"]),
            # The event list's order (newest timestamp first): its first pages without sorting every event.
            models.Index(fields=["organization", "-timestamp"], name="event_newest_first_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.transaction_id} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


class PendingEvent(models.Model):
    """An event the ClickHouse store has still to forward.

    A narrow queue beside the event table: forwarding deletes a small row here instead of rewriting the wide event
    row and all of its indexes. Ingestion inserts both in one statement; the SQL store never writes here.
    """

    event_id = models.UUIDField(primary_key=True)
    organization_id = models.UUIDField()
    ingested_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organization_id", "ingested_at"]), models.Index(fields=["ingested_at"])]

    def __str__(self) -> str:
        return str(self.event_id)
