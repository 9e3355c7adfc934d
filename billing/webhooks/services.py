"""Writes of outbound webhooks: endpoints, emitting (one delivery per endpoint that wants the type) and resending.

Every app emits through `webhook_emit`, the platform layer's single entry point, so lower apps never import higher
ones. Deliveries are rows written in the caller's transaction and sent by Celery after it commits (billing/webhooks/
delivery.py).
"""

import json
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.errors import ValidationFailed
from billing.models import Organization
from billing.webhooks.models import WebhookDelivery, WebhookEndpoint
from billing.webhooks.selectors import webhook_endpoints_wanting, webhook_wanted, webhook_wanted_forget
from billing.webhooks.tasks import deliver_webhook
from billing.webhooks.types import SIGNATURE_ALGORITHMS, WEBHOOK_TYPES, SignatureAlgorithm

Status = WebhookDelivery.Status

_url_validator = URLValidator(schemes=["http", "https"])


class Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


def webhook_endpoint_create(
    *,
    organization: Organization,
    webhook_url: str,
    signature_algo: str | None = None,
    name: str | None = None,
    event_types: Sequence[str] | None = None,
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(organization=organization)
    return _endpoint_save(
        endpoint, webhook_url=webhook_url, signature_algo=signature_algo, name=name, event_types=event_types
    )


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    webhook_url: str | Unset = UNSET,
    signature_algo: str | None | Unset = UNSET,
    name: str | None | Unset = UNSET,
    event_types: Sequence[str] | None | Unset = UNSET,
) -> WebhookEndpoint:
    """Changes only the given fields."""
    return _endpoint_save(
        endpoint, webhook_url=webhook_url, signature_algo=signature_algo, name=name, event_types=event_types
    )


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Deletes the endpoint with its delivery log."""
    organization_id = endpoint.organization_id
    with transaction.atomic():
        endpoint.delete()
        _forget_wanted_types(organization_id)
    return endpoint


def _endpoint_save(endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    changes = {field: value for field, value in changes.items() if not isinstance(value, Unset)}
    if endpoint._state.adding or "webhook_url" in changes:
        endpoint.webhook_url = _checked_url(changes.get("webhook_url"))
    if "signature_algo" in changes:
        endpoint.signature_algo = _checked_signature_algo(changes["signature_algo"])
    if "name" in changes:
        endpoint.name = changes["name"] or ""
    if "event_types" in changes:
        endpoint.event_types = _checked_event_types(changes["event_types"])
    try:
        with transaction.atomic():
            endpoint.save()
            _forget_wanted_types(endpoint.organization_id)
    except IntegrityError:
        raise ValidationFailed.single("webhook_url", "value_already_exist") from None
    return endpoint


def webhook_endpoint_fields_check(
    *, webhook_url: str | None, signature_algo: str | None, event_types: Sequence[str] | None
) -> None:
    """The rules an endpoint's fields follow (ValidationFailed), for forms that show them before saving."""
    _checked_url(webhook_url)
    _checked_signature_algo(signature_algo)
    _checked_event_types(event_types)


def _checked_url(url: str | None) -> str:
    if not url:
        raise ValidationFailed.single("webhook_url", "value_is_mandatory")
    if len(url) > WebhookEndpoint._meta.get_field("webhook_url").max_length:
        raise ValidationFailed.single("webhook_url", "value_is_too_long")
    try:
        _url_validator(url)
    except ValidationError:
        raise ValidationFailed.single("webhook_url", "url_is_invalid") from None
    if urlsplit(url).username is not None:
        raise ValidationFailed.single("webhook_url", "url_is_invalid")  # credentials would leak into the delivery log
    return url


def _checked_signature_algo(algo: str | None) -> str:
    if algo is None:
        return SignatureAlgorithm.HMAC
    if algo not in SIGNATURE_ALGORITHMS:
        # Lago's "jwt" is refused: receivers here verify the organization's HMAC key only.
        raise ValidationFailed.single("signature_algo", "value_is_invalid")
    return algo


def _checked_event_types(event_types: Sequence[str] | None) -> list[str]:
    if not event_types:
        return []
    if any(event_type not in WEBHOOK_TYPES for event_type in event_types):
        raise ValidationFailed.single("event_types", "value_is_invalid")
    return sorted(set(event_types))


def _forget_wanted_types(organization_id) -> None:
    # Now, so that this transaction's own emits see the change, and after commit, in case a concurrent reader
    # memoized the old endpoints meanwhile.
    webhook_wanted_forget(organization_id=organization_id)
    transaction.on_commit(lambda: webhook_wanted_forget(organization_id=organization_id))


def webhook_body(*, organization: Organization, webhook_type: str, object_type: str, payload: dict) -> str:
    """Lago's webhook body, as the JSON text that is signed and sent byte for byte."""
    body = {
        "webhook_type": webhook_type,
        "object_type": object_type,
        "organization_id": str(organization.id),
        object_type: payload,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def webhook_emit(*, organization: Organization, webhook_type: str, object_type: str, payload: dict) -> None:
    """Records one delivery per endpoint of the organization that wants `webhook_type`, in the caller's
    transaction, and sends them once it commits. Costs no query when the organization has no such endpoint."""
    if webhook_type not in WEBHOOK_TYPES:
        raise ValueError(f"unknown webhook type {webhook_type!r}")
    if not webhook_wanted(organization_id=organization.id, webhook_type=webhook_type):
        return
    endpoints = webhook_endpoints_wanting(organization=organization, webhook_type=webhook_type)
    if not endpoints:
        return
    body = webhook_body(organization=organization, webhook_type=webhook_type, object_type=object_type, payload=payload)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            organization=organization,
            endpoint=endpoint,
            webhook_type=webhook_type,
            object_type=object_type,
            body=body,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    delivery_ids = [str(delivery.pk) for delivery in deliveries]
    # Robust: the rows are committed; if the broker refuses the task, the retry sweep sends them later.
    transaction.on_commit(lambda: _enqueue(delivery_ids), robust=True)


def _enqueue(delivery_ids: list[str]) -> None:
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)


def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new attempt now, whatever the delivery's state; the attempts before it stay in the log."""
    delivery.status = Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    delivery_ids = [str(delivery.pk)]
    transaction.on_commit(lambda: _enqueue(delivery_ids), robust=True)
    return delivery
