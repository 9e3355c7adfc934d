"""Billing charges paid in advance (Lago's "instant" charges): every stored event that such a charge counts is billed
right away, with a fee of its own, on an invoice of its own when the charge is invoiceable.

Idempotent: a fee names its event, and a unique constraint on (charge, subscription, event_transaction_id) refuses a
second one, so a retried, duplicated or concurrent task bills nothing twice (see issuing).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog
from django.utils import timezone

from billing.models import Organization
from invoicing.models import Fee, Invoice, InvoiceSubscription
from invoicing.rating import FeeDraft, RatedMoment, UsageWindow
from invoicing.rating.in_advance import EventFee, in_advance_fee_drafts
from invoicing.rating.taxes import taxes_apply
from invoicing.selectors.billing import subscriptions_load
from invoicing.selectors.in_advance import subscription_events
from invoicing.services.billing_failures import event_fee_failure_record, event_fee_failures_resolve
from invoicing.services.issuing import each_alone_on_failure, rated_moments_issue, uninvoiced_fees_create
from metering.diagnostics import SubscriptionSpans
from plans.billing_schedule import BillingMoment, charges_period_containing
from plans.models import Charge, Subscription
from plans.periods import Period
from plans.selectors.billing_terms import subscription_terms
from taxes.selectors import tax_resolver

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class EventKey:
    """What names a stored event and routes it: the task re-reads the event itself."""

    external_subscription_id: str
    transaction_id: str
    code: str
    timestamp: datetime


@dataclass(frozen=True)
class InAdvanceBilling:
    invoices: list[Invoice]
    uninvoiced_fees: list[Fee]


def _charges_in_advance(subscription: Subscription, code: str) -> list[Charge]:
    return [
        charge
        for charge in subscription.plan.charges.all()
        if charge.pay_in_advance and charge.billable_metric.code == code
    ]


def in_advance_events_bill(
    *, organization: Organization, events: Sequence[EventKey], now: datetime | None = None
) -> InAdvanceBilling:
    """Bills each event for every charge paid in advance of its subscription's plan that counts it; events billed
    already are skipped. Events without a subscription covering their timestamp, or without such a charge, bill
    nothing."""
    now = now or timezone.now()
    drafted = _event_fees(organization, events)
    billed = _billed_keys(fee.draft for fee in drafted)
    fees = [fee for fee in drafted if _key(fee.draft) not in billed]
    taxes_apply([fee.draft for fee in fees], resolver=tax_resolver(organization=organization))
    rated = [
        RatedMoment(subscription=fee.draft.subscription, moment=_moment(fee), fees=[fee.draft])
        for fee in sorted(fees, key=lambda fee: (fee.timestamp, fee.draft.event_transaction_id))
        if fee.draft.charge.invoiceable
    ]
    uninvoiced = [fee.draft for fee in fees if not fee.draft.charge.invoiceable]

    def issue(part: list[RatedMoment]) -> list[Invoice]:
        return rated_moments_issue(organization=organization, rated=part, now=now)

    timestamps = {id(fee.draft): fee.timestamp for fee in fees}

    def failed(item: RatedMoment | FeeDraft, error: Exception) -> None:
        draft = item.fees[0] if isinstance(item, RatedMoment) else item
        _unbillable_fee_record(draft, timestamps[id(draft)], error)

    billing = InAdvanceBilling(
        invoices=each_alone_on_failure(issue, rated, failed),
        uninvoiced_fees=each_alone_on_failure(lambda part: uninvoiced_fees_create(drafts=part), uninvoiced, failed),
    )
    if drafted:  # without a fee to bill, no failure of these events can have been billed
        event_fee_failures_resolve(
            organization_id=organization.id, event_transaction_ids={fee.draft.event_transaction_id for fee in drafted}
        )
    return billing


def _unbillable_fee_record(draft: FeeDraft, timestamp: datetime, error: Exception) -> None:
    """The event keeps no fee, and an open BillingFailure says so until it has one (a retry, once the price or the
    usage is corrected); the batch's other events keep theirs."""
    reason = str(error) or type(error).__name__
    logger.error(
        "billing.in_advance_fee_failed",
        subscription_id=str(draft.subscription.id),
        event_transaction_id=draft.event_transaction_id,
        amount=str(draft.amount),
        reason=reason,
    )
    event_fee_failure_record(
        subscription=draft.subscription,
        charge=draft.charge,
        event_transaction_id=draft.event_transaction_id,
        at=timestamp,
        reason=reason,
    )


def _event_fees(organization: Organization, events: Sequence[EventKey]) -> list[EventFee]:
    """Fees for the events, priced per (subscription, metric code, charges period) from one read of the
    period's events up to the last one billed."""
    spans = SubscriptionSpans.load(
        organization_id=organization.id, external_ids={event.external_subscription_id for event in events}
    )
    covering = {event: spans.covering(event.external_subscription_id, event.timestamp) for event in events}
    subscriptions = {
        subscription.id: subscription
        for subscription in subscriptions_load(
            subscription_ids={span.subscription_id for span in covering.values() if span is not None}
        )
    }
    groups: dict[tuple[UUID, str, Period], list[EventKey]] = defaultdict(list)
    for event, span in covering.items():
        subscription = subscriptions.get(span.subscription_id) if span is not None else None
        if subscription is None or not _charges_in_advance(subscription, event.code):
            continue
        try:
            period = charges_period_containing(subscription_terms(subscription=subscription), at=event.timestamp)
        except ValueError:  # after the subscription's end: no charges period holds it
            continue
        groups[(subscription.id, event.code, period)].append(event)

    fees = []
    for (subscription_id, code, period), keys in groups.items():
        subscription = subscriptions[subscription_id]
        charges = _charges_in_advance(subscription, code)
        recurring = any(charge.billable_metric.recurring for charge in charges)
        stored = list(
            subscription_events(
                organization=organization,
                external_subscription_id=subscription.external_id,
                code=code,
                since=min(period.start, subscription.subscription_at) if recurring else period.start,
                until=max(key.timestamp for key in keys),
            )
        )
        window = UsageWindow(subscription=subscription, period=period)
        billed = {key.transaction_id for key in keys}
        for charge in charges:
            fees.extend(in_advance_fee_drafts(window=window, charge=charge, events=stored, billed=billed))
    return fees


def _key(draft: FeeDraft) -> tuple[UUID, UUID, str | None]:
    return draft.subscription.id, draft.charge.id, draft.event_transaction_id


def _billed_keys(drafts: Iterable[FeeDraft]) -> set[tuple[UUID, UUID, str | None]]:
    """The (subscription, charge, event) of the drafts that have a fee already, in one query."""
    drafts = list(drafts)
    if not drafts:
        return set()
    rows = Fee.objects.filter(
        subscription_id__in={draft.subscription.id for draft in drafts},
        charge_id__in={draft.charge.id for draft in drafts},
        event_transaction_id__in={draft.event_transaction_id for draft in drafts},
    ).values_list("subscription_id", "charge_id", "event_transaction_id")
    return set(rows)


def _moment(fee: EventFee) -> BillingMoment:
    """The invoice of one event: issued at the event's time, for the charges period that holds it."""
    draft = fee.draft
    return BillingMoment(
        at=fee.timestamp,
        reason=InvoiceSubscription.Reason.IN_ADVANCE_CHARGE,
        plan_fee=None,
        plan_fee_in_advance=False,
        charges=Period(start=draft.from_datetime, end=draft.to_datetime),
        commitment=None,
    )
