"""Inbound Stripe webhooks: verified with the organization's webhook secret, processed once per event id.

One URL serves every organization, so the signature tells whose account an event is: the first account whose
secret verifies it. A wrong secret, a stale timestamp or a tampered body verifies with none and changes nothing.
"""

from datetime import datetime

import stripe
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.errors import ValidationFailed
from payments.models import Payment, PaymentAttempt, Provider, ProviderEvent, StripeAccount
from payments.providers.base import ChargeOutcome, ChargeResult
from payments.services.collection import OPEN_ATTEMPT, attempt_record, payment_advanced, payment_locked

logger = structlog.get_logger(__name__)
INVALID_SIGNATURE = "invalid_signature"


def _verified_event(payload: bytes, signature: str) -> tuple[StripeAccount, stripe.Event]:
    if not signature:
        raise ValidationFailed.single("stripe_signature", INVALID_SIGNATURE)
    accounts = StripeAccount.objects.exclude(webhook_secret="").select_related("organization").order_by("created_at")
    for account in accounts:
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, account.webhook_secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError:
            continue
        except ValueError as error:  # verified, but not JSON
            raise ValidationFailed.single("body", "invalid_json") from error
        return account, event
    raise ValidationFailed.single("stripe_signature", INVALID_SIGNATURE)


def stripe_event_receive(*, payload: bytes, signature: str, now: datetime | None = None) -> ProviderEvent | None:
    """Processes a signed Stripe event; None when its id was processed before (a replay changes nothing)."""
    account, event = _verified_event(payload, signature)
    with transaction.atomic():
        try:
            with transaction.atomic():
                processed = ProviderEvent.objects.create(
                    organization=account.organization,
                    provider=Provider.STRIPE,
                    event_id=event.id,
                    event_type=event.type,
                )
        except IntegrityError:
            logger.info("stripe.event_replayed", event_id=event.id)
            return None
        handler = HANDLERS.get(event.type)
        if handler is not None:
            handler(account=account, intent=event.data.object.to_dict(), now=now or timezone.now())
    return processed


def _payment_of(account: StripeAccount, intent: dict) -> tuple[Payment, PaymentAttempt | None] | None:
    attempt = (
        PaymentAttempt.objects.filter(
            payment__organization=account.organization,
            payment__provider=Provider.STRIPE,
            provider_payment_id=intent["id"],
        )
        .order_by("-attempt_number")
        .first()
    )
    if attempt is not None:
        return payment_locked(payment_id=attempt.payment_id), attempt
    invoice_id = (intent.get("metadata") or {}).get("lago_invoice_id")
    payment = (
        Payment.objects.filter(
            organization=account.organization, provider=Provider.STRIPE, invoice_id=invoice_id
        ).first()
        if invoice_id
        else None
    )
    if payment is None:
        return None
    return payment_locked(payment_id=payment.id), payment.attempts.order_by("-attempt_number").first()


def _intent_succeeded(*, account: StripeAccount, intent: dict, now: datetime) -> None:
    found = _payment_of(account, intent)
    if found is None:
        return
    payment, attempt = found
    if attempt is not None and attempt.status in OPEN_ATTEMPT:
        attempt_record(
            attempt=attempt, result=ChargeResult(ChargeOutcome.SUCCEEDED, provider_payment_id=intent["id"]), now=now
        )
    elif payment.status not in (Payment.Status.SUCCEEDED, Payment.Status.REFUNDED):
        payment.provider_payment_id = intent["id"]
        payment_advanced(payment=payment, status=Payment.Status.SUCCEEDED)


def _intent_failed(*, account: StripeAccount, intent: dict, now: datetime) -> None:
    found = _payment_of(account, intent)
    if found is None:
        return
    payment, attempt = found
    if attempt is None or attempt.status not in OPEN_ATTEMPT:
        return  # its decline was recorded when the charge answered
    error = intent.get("last_payment_error") or {}
    result = ChargeResult(
        ChargeOutcome.DECLINED,
        provider_payment_id=intent["id"],
        error_code=error.get("code") or "payment_failed",
        error_message=error.get("message") or "",
    )
    attempt_record(attempt=attempt, result=result, now=now)


HANDLERS = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
}
