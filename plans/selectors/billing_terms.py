"""A subscription's terms as the pure billing schedule reads them: plan cadence, timezone, trial and end."""

from datetime import datetime, timedelta

from plans.billing_schedule import SubscriptionTerms
from plans.models import Subscription
from plans.selectors.subscriptions import subscription_pending_plan_change

SECONDS_PER_DAY = 86_400


def subscription_trial_ends_at(*, subscription: Subscription) -> datetime | None:
    """When the plan's free trial ends; None without a trial.

    Counted from the subscription date, which a plan change keeps (as Lago does): an upgrade during the trial does
    not start a new one, and one after it gets none.
    """
    trial_days = subscription.plan.trial_period
    if not trial_days or subscription.started_at is None:
        return None
    return subscription.subscription_at + timedelta(seconds=int(trial_days * SECONDS_PER_DAY))


def subscription_ends_at(*, subscription: Subscription) -> datetime | None:
    """The last instant billed: a termination, else a scheduled ending, else the takeover of a pending downgrade."""
    if subscription.terminated_at is not None:
        return subscription.terminated_at
    candidates = [subscription.ending_at]
    plan_change = subscription_pending_plan_change(subscription=subscription)
    if plan_change is not None:
        candidates.append(plan_change.subscription_at)
    known = [at for at in candidates if at is not None]
    return min(known) if known else None


def subscription_terms(*, subscription: Subscription) -> SubscriptionTerms:
    """Needs the plan, the customer (with its organization) and the pending plan changes loaded: see
    subscriptions_with_details."""
    plan = subscription.plan
    return SubscriptionTerms(
        interval=plan.interval,
        billing_time=subscription.billing_time,
        anchor=subscription.subscription_at,
        started_at=subscription.started_at,
        tz=subscription.customer.applicable_timezone,
        pay_in_advance=plan.pay_in_advance,
        trial_ends_at=subscription_trial_ends_at(subscription=subscription),
        ends_at=subscription_ends_at(subscription=subscription),
        bill_charges_monthly=bool(plan.bill_charges_monthly),
    )
