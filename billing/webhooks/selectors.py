"""Reads of outbound webhooks, and the per-process memo that keeps emitting free for organizations without them."""

import time
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet

from billing.errors import NotFound
from billing.models import Organization
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint

# Marks an endpoint that takes every webhook type.
ALL_TYPES = "*"
_MAX_MEMOIZED_ORGANIZATIONS = 4096

# Organization id -> (the webhook types its endpoints want, monotonic time of the lookup). Event ingestion asks this
# on every request: an organization without endpoints must cost no query. A change of endpoints clears the entry in
# the process that made it; other processes see it within WEBHOOK_ENDPOINTS_CACHE_SECONDS.
_wanted_types: dict[UUID, tuple[frozenset[str], float]] = {}


def webhook_wanted(*, organization_id: UUID, webhook_type: str) -> bool:
    """Whether an endpoint of the organization wants this type; cheap enough for the ingestion path."""
    wanted = _memoized_wanted_types(organization_id)
    return ALL_TYPES in wanted or webhook_type in wanted


def _memoized_wanted_types(organization_id: UUID) -> frozenset[str]:
    memo = _wanted_types.get(organization_id)
    if memo is not None and time.monotonic() - memo[1] <= settings.WEBHOOK_ENDPOINTS_CACHE_SECONDS:
        return memo[0]
    wanted: set[str] = set()
    for event_types in WebhookEndpoint.objects.filter(organization_id=organization_id).values_list(
        "event_types", flat=True
    ):
        wanted.update(event_types or [ALL_TYPES])
    if len(_wanted_types) >= _MAX_MEMOIZED_ORGANIZATIONS:
        _wanted_types.clear()
    _wanted_types[organization_id] = (frozenset(wanted), time.monotonic())
    return frozenset(wanted)


def webhook_wanted_forget(*, organization_id: UUID) -> None:
    _wanted_types.pop(organization_id, None)


def webhook_endpoint_list(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization=organization).order_by("-created_at", "id")


def webhook_endpoint_get(*, organization: Organization, lago_id: str) -> WebhookEndpoint:
    try:
        lago_id = UUID(lago_id)
    except ValueError:
        raise NotFound("webhook_endpoint") from None
    endpoint = webhook_endpoint_list(organization=organization).filter(pk=lago_id).first()
    if endpoint is None:
        raise NotFound("webhook_endpoint")
    return endpoint


def webhook_endpoints_wanting(*, organization: Organization, webhook_type: str) -> list[WebhookEndpoint]:
    return [endpoint for endpoint in webhook_endpoint_list(organization=organization) if endpoint.wants(webhook_type)]


def webhook_deliveries_due(*, at: datetime, limit: int) -> list[UUID]:
    """Pending deliveries whose next attempt is due (or whose sender vanished past its claim), oldest first."""
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=at)
    return list(due.order_by("next_attempt_at").values_list("id", flat=True)[:limit])
