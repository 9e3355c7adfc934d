"""Celery entry points of outbound webhooks: thin wrappers that take ids and call the services."""

from celery import shared_task
from django.utils import timezone

from billing.webhooks.delivery import webhook_delivery_attempt
from billing.webhooks.selectors import webhook_deliveries_due

RETRY_SWEEP_LIMIT = 1000


@shared_task(name="billing.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: str) -> str | None:
    """One attempt of a due delivery; a rerun for a delivery already sent sends nothing."""
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task(name="billing.retry_webhooks", ignore_result=True)
def retry_webhooks() -> int:
    """Queues the deliveries whose retry is due (and any whose first task was lost); each task claims its delivery,
    so an overlap with a running attempt sends nothing twice."""
    delivery_ids = webhook_deliveries_due(at=timezone.now(), limit=RETRY_SWEEP_LIMIT)
    for delivery_id in delivery_ids:
        deliver_webhook.delay(str(delivery_id))
    return len(delivery_ids)
