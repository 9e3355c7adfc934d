"""Billing again what failed (open BillingFailures), once its usage or its price is corrected: the same services the
billing cycle and the events' task run, so a retry bills exactly what they would, and nothing twice."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from invoicing.models import BillingFailure
from invoicing.services.cycle import subscriptions_bill
from invoicing.services.in_advance import EventKey, in_advance_events_bill


@dataclass(frozen=True)
class RetryOutcome:
    billed: int
    still_failing: int


def billing_failures_retry(*, failures: Iterable[BillingFailure], now: datetime | None = None) -> RetryOutcome:
    """Bills the subscriptions' owed moments up to now, and the events' fees paid in advance; resolved failures are
    left alone."""
    now = now or timezone.now()
    open_failures = [failure for failure in failures if failure.resolved_at is None]
    moments = {failure.subscription_id for failure in open_failures if failure.kind == BillingFailure.Kind.MOMENT}
    if moments:
        subscriptions_bill(subscription_ids=sorted(moments), at=now, now=now)
    events_by_organization = defaultdict(set)
    for failure in open_failures:
        if failure.kind == BillingFailure.Kind.EVENT_FEE:
            events_by_organization[failure.organization].add(
                EventKey(
                    external_subscription_id=failure.subscription.external_id,
                    transaction_id=failure.event_transaction_id,
                    code=failure.code,
                    timestamp=failure.at,
                )
            )
    for organization, events in events_by_organization.items():
        in_advance_events_bill(organization=organization, events=sorted(events, key=_event_order), now=now)
    still_failing = BillingFailure.objects.filter(
        pk__in=[failure.pk for failure in open_failures], resolved_at__isnull=True
    ).count()
    return RetryOutcome(billed=len(open_failures) - still_failing, still_failing=still_failing)


def _event_order(event: EventKey) -> tuple:
    return event.timestamp, event.transaction_id
