"""Reads of subscriptions: lookups by external_id, lists, and the dates derived from a subscription's schedule."""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from billing.errors import NotFound
from billing.models import Organization
from plans.models import Subscription
from plans.periods import Period, billing_period_containing

Status = Subscription.Status


def subscriptions_with_details(queryset: QuerySet[Subscription] | None = None) -> QuerySet[Subscription]:
    """Subscriptions with what their API representation reads, fetched in a fixed number of queries."""
    return subscriptions_with_terms(queryset).select_related("previous_subscription__plan")


def subscriptions_with_terms(queryset: QuerySet[Subscription] | None = None) -> QuerySet[Subscription]:
    """Subscriptions with what their billing terms read (plans.selectors.billing_terms): plan, customer and its
    organization, pending plan change."""
    queryset = Subscription.objects.all() if queryset is None else queryset
    pending_plan_changes = Subscription.objects.filter(status=Status.PENDING).select_related("plan")
    return queryset.select_related("customer__organization", "plan").prefetch_related(
        Prefetch("next_subscriptions", queryset=pending_plan_changes)
    )


def subscription_get(*, organization: Organization, external_id: str, status: str | None = None) -> Subscription:
    """The subscription an external_id names: with no status, the active one, else the pending one.

    With a status, the most recent subscription in that status (a plan change leaves terminated rows behind).
    """
    rows = subscriptions_with_details().filter(organization=organization, external_id=external_id)
    if status is None:
        live = {row.status: row for row in rows.filter(status__in=[Status.ACTIVE, Status.PENDING])}
        subscription = live.get(Status.ACTIVE) or live.get(Status.PENDING)
    else:
        subscription = rows.filter(status=status).order_by("-created_at", "-id").first()
    if subscription is None:
        raise NotFound("subscription")
    return subscription


def subscription_list(
    *,
    organization: Organization,
    external_customer_id: str | None = None,
    plan_code: str | None = None,
    statuses: Iterable[str] = (),
) -> QuerySet[Subscription]:
    """An organization's subscriptions, the active ones unless statuses are given, newest first."""
    queryset = Subscription.objects.filter(organization=organization, status__in=list(statuses) or [Status.ACTIVE])
    if external_customer_id:
        queryset = queryset.filter(customer__external_id=external_customer_id, customer__deleted_at__isnull=True)
    if plan_code:
        queryset = queryset.filter(plan__code=plan_code)
    return subscriptions_with_details(queryset).order_by("-created_at", "-id")


def subscription_timezone(*, subscription: Subscription) -> ZoneInfo:
    return ZoneInfo(subscription.customer.applicable_timezone)


def subscription_billing_period(*, subscription: Subscription, at: datetime) -> Period:
    """The billing period of a started subscription that contains `at`, in its customer's timezone."""
    return billing_period_containing(
        interval=subscription.plan.interval,
        billing_time=subscription.billing_time,
        anchor=subscription.subscription_at,
        started_at=subscription.started_at,
        at=at,
        tz=subscription.customer.applicable_timezone,
    )


def subscription_current_billing_period(*, subscription: Subscription, at: datetime | None = None) -> Period | None:
    """The period being billed now, for an active subscription only."""
    if subscription.status != Status.ACTIVE:
        return None
    at = at or timezone.now()
    started_at = subscription.started_at or subscription.subscription_at
    return subscription_billing_period(subscription=subscription, at=max(at, started_at))


def subscription_pending_plan_change(*, subscription: Subscription) -> Subscription | None:
    """The pending subscription that will replace this one at the end of its period (a downgrade), if any."""
    return next((row for row in subscription.next_subscriptions.all() if row.status == Status.PENDING), None)


def subscription_downgrade_date(*, subscription: Subscription) -> date | None:
    """The customer's local date on which a pending downgrade takes over."""
    plan_change = subscription_pending_plan_change(subscription=subscription)
    if plan_change is None:
        return None
    return plan_change.subscription_at.astimezone(subscription_timezone(subscription=subscription)).date()
