"""Writes of subscriptions: creation, plan changes, updates, termination, cancellation and scheduled transitions.

A plan change never edits the plan of a started subscription: an upgrade terminates it and starts a new row at once;
a downgrade adds a pending row that takes over when the current billing period ends. Both rows share the external_id
and the new one points at the old one through `previous_subscription`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.errors import NotAllowed, ValidationFailed
from billing.models import Organization
from billing.webhooks.types import WebhookType
from customers.models import Customer
from customers.services import customer_assign_currency, customer_get_or_create
from plans.models import Plan, Subscription
from plans.selectors.plans import plan_get
from plans.selectors.subscriptions import subscription_billing_period, subscription_pending_plan_change
from plans.services.trials import subscription_trials_end
from plans.webhooks import subscription_webhook_emit

Status = Subscription.Status


class Unset:
    """Marks an argument that was not given, where None is a meaningful value (clearing ending_at)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


class ExternalIdTaken(ValidationFailed):
    """Another transaction holds a live row for this external_id."""

    def __init__(self):
        super().__init__({"external_id": ["value_already_exist"]})


@dataclass(frozen=True)
class DueTransitions:
    """What subscriptions_activate_due changed."""

    activated: int
    terminated: int
    canceled: int
    trials_ended: int = 0


@transaction.atomic
def subscription_create(
    *,
    organization: Organization,
    external_customer_id: str,
    plan_code: str,
    external_id: str,
    name: str = "",
    billing_time: str = Subscription.BillingTime.CALENDAR,
    subscription_at: datetime | None = None,
    ending_at: datetime | None = None,
    at: datetime | None = None,
) -> Subscription:
    """Subscribes a customer (created when unknown) to a plan, or changes the plan of the live external_id.

    Returns the subscription the caller should see: the new one, the unchanged one when the plan is the same, or the
    current one with its pending downgrade.
    """
    # Whole seconds, as the API renders times and clients send event timestamps: an event sent in the second a
    # subscription starts must fall inside it.
    now = (at or timezone.now()).replace(microsecond=0)
    if billing_time not in Subscription.BillingTime.values:
        raise ValidationFailed.single("billing_time", "value_is_invalid")
    plan = plan_get(organization=organization, code=plan_code, for_update=True)  # cannot race plan_delete
    customer = customer_get_or_create(organization=organization, external_id=external_customer_id)
    customer_assign_currency(customer=customer, currency=str(plan.amount.currency))

    current = _live_subscription_for_update(organization=organization, external_id=external_id)
    if current is None:
        start = subscription_at or now
        _check_ending_at(ending_at, starts_at=start, now=now)
        try:
            return _subscription_start(
                customer=customer,
                plan=plan,
                external_id=external_id,
                name=name,
                billing_time=billing_time,
                subscription_at=start,
                ending_at=ending_at,
                now=now,
            )
        except ExternalIdTaken:
            # A concurrent request created it first: this request is then a repost or a plan change of that one.
            current = _live_subscription_for_update(organization=organization, external_id=external_id)
            if current is None:
                raise ValidationFailed.single("external_id", "value_already_exist") from None
    return _subscription_change_plan(
        current=current, customer=customer, plan=plan, name=name, ending_at=ending_at, now=now
    )


def _subscription_change_plan(
    *, current: Subscription, customer: Customer, plan: Plan, name: str, ending_at: datetime | None, now: datetime
) -> Subscription:
    if current.customer_id != customer.id:
        raise ValidationFailed.single("external_id", "value_already_exist")
    if current.plan_id == plan.id:
        return current
    if ending_at is not None:
        _check_ending_at(ending_at, starts_at=current.subscription_at, now=now)
    if current.status == Status.PENDING:
        return _pending_subscription_switch_plan(subscription=current, plan=plan, name=name, ending_at=ending_at)
    if plan.yearly_amount >= current.plan.yearly_amount:
        return _subscription_upgrade(current=current, plan=plan, name=name, ending_at=ending_at, now=now)
    return _subscription_downgrade(current=current, plan=plan, name=name, ending_at=ending_at, now=now)


def _live_subscription_for_update(*, organization: Organization, external_id: str) -> Subscription | None:
    """The active subscription of an external_id, else its pending one (not started yet), locked."""
    rows = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "customer__organization")
        .filter(organization=organization, external_id=external_id, status__in=[Status.ACTIVE, Status.PENDING])
        .order_by("created_at")
    )
    live = {row.status: row for row in rows}
    return live.get(Status.ACTIVE) or live.get(Status.PENDING)


def _check_ending_at(ending_at: datetime | None, *, starts_at: datetime, now: datetime) -> None:
    if ending_at is not None and (ending_at <= starts_at or ending_at <= now):
        raise ValidationFailed.single("ending_at", "invalid_date")


def _insert(subscription: Subscription) -> Subscription:
    """Saves a new row; the unique constraints refuse a second live row for the external_id (a concurrent request)."""
    try:
        with transaction.atomic():
            subscription.save(force_insert=True)
    except IntegrityError:
        raise ExternalIdTaken() from None
    return subscription


def _subscription_start(
    *,
    customer: Customer,
    plan: Plan,
    external_id: str,
    name: str,
    billing_time: str,
    subscription_at: datetime,
    ending_at: datetime | None,
    now: datetime,
) -> Subscription:
    started = subscription_at <= now  # a backdated subscription is active from its subscription date
    subscription = _insert(
        Subscription(
            organization=customer.organization,
            customer=customer,
            plan=plan,
            external_id=external_id,
            name=name,
            billing_time=billing_time,
            subscription_at=subscription_at,
            ending_at=ending_at,
            status=Status.ACTIVE if started else Status.PENDING,
            started_at=subscription_at if started else None,
        )
    )
    if started:
        subscription_webhook_emit(subscription=subscription, webhook_type=WebhookType.SUBSCRIPTION_STARTED)
    return subscription


def _pending_subscription_switch_plan(
    *, subscription: Subscription, plan: Plan, name: str, ending_at: datetime | None
) -> Subscription:
    subscription.plan = plan
    subscription.name = name or subscription.name
    subscription.ending_at = ending_at or subscription.ending_at
    subscription.save(update_fields=["plan", "name", "ending_at", "updated_at"])
    return subscription


def _subscription_upgrade(
    *, current: Subscription, plan: Plan, name: str, ending_at: datetime | None, now: datetime
) -> Subscription:
    _pending_plan_change_cancel(subscription=current, at=now)
    _mark_terminated(current, at=now)
    # The new row keeps the subscription date, so anniversary billing keeps its day.
    successor = _insert(
        _successor(
            current,
            plan=plan,
            name=name,
            subscription_at=current.subscription_at,
            ending_at=ending_at or current.ending_at,
            status=Status.ACTIVE,
            started_at=now,
        )
    )
    subscription_webhook_emit(subscription=successor, webhook_type=WebhookType.SUBSCRIPTION_STARTED)
    return successor


def _successor(current: Subscription, *, plan: Plan, name: str, **fields) -> Subscription:
    """The row that continues `current` on another plan, under the same external_id."""
    return Subscription(
        organization=current.organization,
        customer=current.customer,
        plan=plan,
        previous_subscription=current,
        external_id=current.external_id,
        name=name or current.name,
        billing_time=current.billing_time,
        **fields,
    )


def _subscription_downgrade(
    *, current: Subscription, plan: Plan, name: str, ending_at: datetime | None, now: datetime
) -> Subscription:
    takes_over_at = subscription_billing_period(subscription=current, at=now).end
    ending_at = ending_at or current.ending_at
    if ending_at is not None and ending_at <= takes_over_at:
        raise ValidationFailed.single("ending_at", "invalid_date")
    earlier = subscription_pending_plan_change(subscription=current)
    if earlier is not None and earlier.plan_id == plan.id:
        return current
    _pending_plan_change_cancel(subscription=current, at=now)
    _insert(
        _successor(
            current, plan=plan, name=name, subscription_at=takes_over_at, ending_at=ending_at, status=Status.PENDING
        )
    )
    return current


def _pending_plan_change_cancel(*, subscription: Subscription, at: datetime) -> int:
    return Subscription.objects.filter(previous_subscription=subscription, status=Status.PENDING).update(
        status=Status.CANCELED, canceled_at=at, updated_at=timezone.now()
    )


def _mark_terminated(subscription: Subscription, *, at: datetime) -> None:
    subscription.status = Status.TERMINATED
    subscription.terminated_at = at
    subscription.save(update_fields=["status", "terminated_at", "updated_at"])
    subscription_webhook_emit(subscription=subscription, webhook_type=WebhookType.SUBSCRIPTION_TERMINATED)


def _mark_active(subscription: Subscription, *, started_at: datetime) -> None:
    subscription.status = Status.ACTIVE
    subscription.started_at = started_at
    subscription.save(update_fields=["status", "started_at", "subscription_at", "updated_at"])
    subscription_webhook_emit(subscription=subscription, webhook_type=WebhookType.SUBSCRIPTION_STARTED)


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "customer__organization")
        .get(pk=subscription.pk)
    )


@transaction.atomic
def subscription_update(
    *,
    subscription: Subscription,
    name: str | Unset = UNSET,
    ending_at: datetime | None | Unset = UNSET,
    subscription_at: datetime | Unset = UNSET,
    at: datetime | None = None,
) -> Subscription:
    """Renames, sets or clears the end date, or moves the start of a subscription that has not started."""
    now = at or timezone.now()
    subscription = _locked(subscription)
    if subscription.status in (Status.TERMINATED, Status.CANCELED):
        raise NotAllowed("subscription_not_editable")
    fields = ["updated_at"]
    if not isinstance(name, Unset):
        subscription.name = name
        fields.append("name")
    if not isinstance(subscription_at, Unset) and subscription_at != subscription.subscription_at:
        if subscription.status != Status.PENDING:
            raise NotAllowed("subscription_not_pending")
        if subscription.previous_subscription_id is not None:
            # A downgrade takes over when the current period ends; that date is not the client's to choose.
            raise NotAllowed("pending_plan_change_date_is_fixed")
        subscription.subscription_at = subscription_at
        fields.append("subscription_at")
    if not isinstance(ending_at, Unset):
        _check_ending_at(ending_at, starts_at=subscription.subscription_at, now=now)
        subscription.ending_at = ending_at
        fields.append("ending_at")
    elif subscription.ending_at is not None and subscription.ending_at <= subscription.subscription_at:
        raise ValidationFailed.single("subscription_at", "invalid_date")
    subscription.save(update_fields=fields)
    is_plan_change = subscription.previous_subscription_id is not None  # those take over in subscriptions_activate_due
    if subscription.status == Status.PENDING and not is_plan_change and subscription.subscription_at <= now:
        _mark_active(subscription, started_at=subscription.subscription_at)
    return subscription


@transaction.atomic
def subscription_terminate(*, subscription: Subscription, at: datetime | None = None) -> Subscription:
    """Ends an active subscription now (or at `at`), and cancels the downgrade it was waiting for."""
    at = at or timezone.now()
    subscription = _locked(subscription)
    if subscription.status != Status.ACTIVE:
        raise NotAllowed("subscription_not_active")
    _pending_plan_change_cancel(subscription=subscription, at=at)
    _mark_terminated(subscription, at=at)
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, at: datetime | None = None) -> Subscription:
    """Cancels a subscription that has not started (a future one or a pending downgrade)."""
    subscription = _locked(subscription)
    if subscription.status != Status.PENDING:
        raise NotAllowed("subscription_not_pending")
    subscription.status = Status.CANCELED
    subscription.canceled_at = at or timezone.now()
    subscription.save(update_fields=["status", "canceled_at", "updated_at"])
    return subscription


def subscriptions_end_for_customer(*, customer: Customer, at: datetime) -> None:
    """Customer deletion hook: terminates the customer's active subscriptions and cancels the pending ones."""
    for subscription in Subscription.objects.filter(customer=customer, status=Status.ACTIVE):
        subscription_terminate(subscription=subscription, at=at)
    for subscription in Subscription.objects.filter(customer=customer, status=Status.PENDING):
        subscription_cancel(subscription=subscription, at=at)


def subscriptions_activate_due(*, at: datetime | None = None) -> DueTransitions:
    """Starts the pending subscriptions whose date has come, terminates those whose ending_at has passed and marks
    the end of trials.

    Each transition runs in its own transaction on locked rows and re-checks their status, so a rerun or a
    concurrent run changes nothing twice.
    """
    at = at or timezone.now()
    activated = canceled = terminated = 0
    due = Subscription.objects.filter(status=Status.PENDING, subscription_at__lte=at).order_by("subscription_at")
    for subscription_id in due.values_list("id", flat=True):
        outcome = _pending_subscription_start(subscription_id=subscription_id, at=at)
        activated += outcome == Status.ACTIVE
        canceled += outcome == Status.CANCELED
    ended = Subscription.objects.filter(status=Status.ACTIVE, ending_at__lte=at).order_by("ending_at")
    for subscription_id in ended.values_list("id", flat=True):
        terminated += _ended_subscription_terminate(subscription_id=subscription_id, at=at)
    trials_ended = subscription_trials_end(at=at)
    return DueTransitions(activated=activated, terminated=terminated, canceled=canceled, trials_ended=trials_ended)


@transaction.atomic
def _pending_subscription_start(*, subscription_id, at: datetime) -> str | None:
    """Activates one due pending subscription; a downgrade takes over from the subscription it replaces."""
    pending = Subscription.objects.filter(pk=subscription_id).values("previous_subscription_id").first()
    previous = None
    if pending and pending["previous_subscription_id"]:
        # Lock in the order plan changes and terminations do: the replaced subscription first.
        previous = Subscription.objects.select_for_update().get(pk=pending["previous_subscription_id"])
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id, status=Status.PENDING).first()
    if subscription is None or subscription.subscription_at > at:
        return None
    takes_over_at = subscription.subscription_at
    if previous is None:
        _mark_active(subscription, started_at=takes_over_at)
        return Status.ACTIVE
    if previous.status != Status.ACTIVE or (previous.ending_at is not None and previous.ending_at <= takes_over_at):
        subscription.status = Status.CANCELED
        subscription.canceled_at = at
        subscription.save(update_fields=["status", "canceled_at", "updated_at"])
        return Status.CANCELED
    _mark_terminated(previous, at=takes_over_at)
    # Back to the replaced subscription's date, so that anniversary billing keeps its day (a 31st stays a 31st).
    subscription.subscription_at = previous.subscription_at
    _mark_active(subscription, started_at=takes_over_at)
    return Status.ACTIVE


@transaction.atomic
def _ended_subscription_terminate(*, subscription_id, at: datetime) -> bool:
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id, status=Status.ACTIVE).first()
    if subscription is None or subscription.ending_at is None or subscription.ending_at > at:
        return False
    _pending_plan_change_cancel(subscription=subscription, at=at)
    # A plan change may have started this row after the end date it inherited; it then ends as soon as it started.
    _mark_terminated(subscription, at=max(subscription.ending_at, subscription.started_at))
    return True
