"""Keeping BillingFailure rows: opened (or counted again) when a moment or an event's fee cannot be billed, resolved
once it is billed."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from invoicing.models import BillingFailure, Fee
from plans.models import Charge, Subscription


def moment_failure_record(*, subscription: Subscription, at: datetime, reason: str) -> BillingFailure:
    return _record(subscription, {"kind": BillingFailure.Kind.MOMENT, "at": at}, reason=reason)


def event_fee_failure_record(
    *, subscription: Subscription, charge: Charge, event_transaction_id: str, at: datetime, reason: str
) -> BillingFailure:
    identity = {"kind": BillingFailure.Kind.EVENT_FEE, "charge": charge, "event_transaction_id": event_transaction_id}
    return _record(subscription, identity, reason=reason, at=at, code=charge.billable_metric.code)


def _record(subscription: Subscription, identity: dict, *, reason: str, **details) -> BillingFailure:
    """One row per moment or event fee, however often it fails: a failure seen again is counted, and reopened if it
    had been resolved."""
    now = timezone.now()
    with transaction.atomic():
        failure, created = BillingFailure.objects.select_for_update().get_or_create(
            subscription=subscription,
            **identity,
            defaults={
                "organization_id": subscription.organization_id,
                "reason": reason,
                "first_failed_at": now,
                "last_failed_at": now,
                **details,
            },
        )
        if not created:
            BillingFailure.objects.filter(pk=failure.pk).update(
                attempts=F("attempts") + 1, reason=reason, last_failed_at=now, resolved_at=None
            )
            failure.refresh_from_db()
    return failure


def moment_failures_resolve(*, subscription_ids: Iterable[UUID], up_to: datetime) -> int:
    """The subscriptions were billed up to `up_to` without failing: none of their moments until then is unbilled."""
    return BillingFailure.objects.filter(
        kind=BillingFailure.Kind.MOMENT, subscription_id__in=list(subscription_ids), at__lte=up_to,
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now())  # fmt: skip


def event_fee_failures_resolve(*, organization_id: UUID, event_transaction_ids: Iterable[str]) -> int:
    """Resolves the open failures of these events whose fee now exists."""
    open_failures = BillingFailure.objects.filter(
        organization_id=organization_id,
        kind=BillingFailure.Kind.EVENT_FEE,
        event_transaction_id__in=set(event_transaction_ids),
        resolved_at__isnull=True,
    )
    billed = [
        failure.pk
        for failure in open_failures
        if Fee.objects.filter(
            subscription_id=failure.subscription_id,
            charge_id=failure.charge_id,
            event_transaction_id=failure.event_transaction_id,
        ).exists()
    ]
    return BillingFailure.objects.filter(pk__in=billed).update(resolved_at=timezone.now()) if billed else 0
