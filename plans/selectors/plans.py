"""Reads of plans (deleted plans are invisible), always scoped by organization."""

from django.db.models import Prefetch, QuerySet

from billing.errors import NotFound
from billing.models import Organization
from plans.models import Charge, Plan, Subscription
from taxes.selectors import taxes_prefetch

LIVE_SUBSCRIPTION_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.PENDING)


def plan_list(*, organization: Organization) -> QuerySet[Plan]:
    charges = (
        Charge.objects.select_related("billable_metric")
        .prefetch_related("filters", taxes_prefetch())
        .order_by("created_at", "id")
    )
    return (
        Plan.objects.alive()
        .filter(organization=organization)
        .select_related("minimum_commitment")
        .prefetch_related(Prefetch("charges", queryset=charges), taxes_prefetch())
        .order_by("-created_at", "-id")
    )


def plan_get(*, organization: Organization, code: str, for_update: bool = False) -> Plan:
    """The organization's live plan with this code, charges prefetched; NotFound("plan") otherwise.

    for_update locks the plan's row until the caller's transaction ends: subscribing under that lock cannot race
    plan_delete, which takes the same lock before checking for live subscriptions.
    """
    plans = plan_list(organization=organization).filter(code=code)
    if for_update:
        plans = plans.select_for_update(of=("self",))
    plan = plans.first()
    if plan is None:
        raise NotFound("plan")
    return plan


def plan_has_live_subscriptions(*, plan: Plan) -> bool:
    return Subscription.objects.filter(plan=plan, status__in=LIVE_SUBSCRIPTION_STATUSES).exists()
