"""Sending a delivery: one claimed attempt, its log row, and the retry schedule.

A failed attempt is retried WEBHOOK_RETRY_DELAYS_SECONDS after it (one delay per retry), by the `billing.retry_webhooks`
sweep; after the last one the delivery is failed. The admin's "Resend" makes a new attempt at any time.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing.webhooks.models import WebhookAttempt, WebhookDelivery
from billing.webhooks.signing import hmac_signature
from billing.webhooks.transport import PostOutcome, post_json
from billing.webhooks.types import SignatureAlgorithm

Status = WebhookDelivery.Status

# A claimed attempt is given the request's timeout and this margin before the sweep may hand it to another worker.
CLAIM_MARGIN = timedelta(seconds=30)


def webhook_headers(*, delivery: WebhookDelivery) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "billing-platform-webhooks",
        "X-Lago-Signature": hmac_signature(body=delivery.body.encode(), key=delivery.organization.webhook_hmac_key),
        "X-Lago-Signature-Algorithm": SignatureAlgorithm.HMAC.value,
        "X-Lago-Unique-Key": str(delivery.unique_key),
    }


def webhook_delivery_attempt(*, delivery_id, at: datetime | None = None) -> WebhookDelivery | None:
    """Sends a pending delivery whose attempt is due and records the outcome; None when there was nothing to send
    (already succeeded or failed, not due, or claimed by another worker): a duplicated task sends nothing twice."""
    now = at or timezone.now()
    claimed_until = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS) + CLAIM_MARGIN
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=claimed_until, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "organization").get(pk=delivery_id)
    outcome = post_json(
        url=delivery.endpoint.webhook_url,
        body=delivery.body.encode(),
        headers=webhook_headers(delivery=delivery),
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )
    return _attempt_record(delivery=delivery, outcome=outcome, started_at=now)


def webhook_retry_delay(*, attempts: int) -> timedelta | None:
    """How long after its `attempts`-th failed attempt a delivery is tried again; None when it has had them all."""
    delays = settings.WEBHOOK_RETRY_DELAYS_SECONDS
    return timedelta(seconds=delays[attempts - 1]) if attempts <= len(delays) else None


@transaction.atomic
def _attempt_record(*, delivery: WebhookDelivery, outcome: PostOutcome, started_at: datetime) -> WebhookDelivery:
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        response_code=outcome.response_code,
        error=outcome.error,
        succeeded=outcome.succeeded,
    )
    finished_at = started_at + timedelta(milliseconds=outcome.duration_ms)
    delivery.last_response_code = outcome.response_code
    delivery.last_error = outcome.error
    if outcome.succeeded:
        delivery.status = Status.SUCCEEDED
        delivery.delivered_at = finished_at
        delivery.next_attempt_at = None
    else:
        delay = webhook_retry_delay(attempts=delivery.attempts)
        delivery.status = Status.PENDING if delay is not None else Status.FAILED
        delivery.next_attempt_at = finished_at + delay if delay is not None else None
    delivery.save(
        update_fields=["status", "last_response_code", "last_error", "next_attempt_at", "delivered_at", "updated_at"]
    )
    return delivery
