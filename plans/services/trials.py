"""The end of free trials, noticed by the periodic activation (plans.activate_due_subscriptions): each subscription's
trial_ended_at is set once, and subscription.trial_ended is sent once."""

from datetime import datetime

from django.db import transaction

from billing.webhooks.types import WebhookType
from plans.models import Subscription
from plans.selectors.billing_terms import subscription_trial_ends_at
from plans.webhooks import subscription_webhook_emit

Status = Subscription.Status


def subscription_trials_end(*, at: datetime) -> int:
    """Marks the active subscriptions whose trial is over at `at`; returns how many. Safe to rerun."""
    in_trial = Subscription.objects.filter(
        status=Status.ACTIVE, trial_ended_at__isnull=True, plan__trial_period__gt=0
    ).select_related("plan")
    ended = 0
    for subscription in in_trial.iterator():
        trial_ends_at = subscription_trial_ends_at(subscription=subscription)
        if trial_ends_at is not None and trial_ends_at <= at:
            ended += _subscription_trial_end(subscription_id=subscription.pk, at=at)
    return ended


@transaction.atomic
def _subscription_trial_end(*, subscription_id, at: datetime) -> bool:
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(pk=subscription_id, status=Status.ACTIVE, trial_ended_at__isnull=True)
        .first()
    )
    trial_ends_at = subscription_trial_ends_at(subscription=subscription) if subscription else None
    if trial_ends_at is None or trial_ends_at > at:
        return False
    subscription.trial_ended_at = trial_ends_at
    subscription.save(update_fields=["trial_ended_at", "updated_at"])
    # The trial runs from the subscription date, which a plan change keeps: a row that replaced another after the
    # trial was over records its end but does not announce it a second time.
    if trial_ends_at >= subscription.started_at:
        subscription_webhook_emit(subscription=subscription, webhook_type=WebhookType.SUBSCRIPTION_TRIAL_ENDED)
    return True
