"""The billing cycle: bill every moment owed up to an instant, for a batch of subscriptions at a time.

Both the Celery path (tick, then one task per batch of subscription ids) and `manage.py bill` run these functions, so
the two can never disagree. Every step is idempotent: re-running a batch bills nothing twice (see issuing).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice
from uuid import UUID

import structlog
from django.utils import timezone

from billing.models import Organization
from invoicing.models import Invoice
from invoicing.rating import moments_rate
from invoicing.selectors.billing import (
    commitment_billed_before,
    subscription_ids_due,
    subscription_moments_due,
    subscriptions_load,
)
from invoicing.services.billing_failures import moment_failure_record, moment_failures_resolve
from invoicing.services.invoices import drafts_finalize_due
from invoicing.services.issuing import each_alone_on_failure, rated_moments_issue
from plans.services.subscriptions import subscriptions_activate_due
from taxes.selectors import tax_resolver

logger = structlog.get_logger(__name__)
BATCH_SIZE = 200


@dataclass(frozen=True)
class BillingFailure:
    """A subscription whose next billing moment could not be billed; its later moments wait for it."""

    subscription_id: UUID
    external_id: str
    organization_id: UUID
    moment_at: datetime
    reason: str


@dataclass
class BillingRunSummary:
    subscriptions: int = 0
    invoices: int = 0
    finalized_drafts: int = 0
    amount_by_currency: dict[str, object] = field(default_factory=dict)
    failures: list[BillingFailure] = field(default_factory=list)

    def add(self, invoices: Iterable[Invoice]) -> None:
        for invoice in invoices:
            self.invoices += 1
            self.amount_by_currency[invoice.currency] = (
                self.amount_by_currency.get(invoice.currency, 0) + invoice.total_amount
            )


def subscriptions_bill(
    *,
    subscription_ids: Sequence[UUID],
    at: datetime,
    now: datetime | None = None,
    on_failure: Callable[[BillingFailure], None] | None = None,
) -> list[Invoice]:
    """Bills every moment the subscriptions owe up to `at`, oldest first. Re-reads the rows: safe to retry.

    A subscription that cannot be billed (UNBILLABLE) is logged, kept as an open BillingFailure, reported to
    on_failure and left for the next run, with its later moments; the others are billed, and their failures up to
    `at` resolved."""
    now = now or timezone.now()
    issued = []
    subscriptions = subscriptions_load(subscription_ids=subscription_ids)
    by_id = {subscription.id: subscription for subscription in subscriptions}
    owed = {
        subscription.id: subscription_moments_due(subscription=subscription, at=at) for subscription in subscriptions
    }
    failed: set[UUID] = set()
    # One moment per subscription per round: a commitment true-up counts what the earlier moments billed.
    while any(owed.values()):
        by_organization: dict[UUID, list] = defaultdict(list)
        for subscription in subscriptions:
            if owed[subscription.id]:
                by_organization[subscription.organization_id].append((subscription, owed[subscription.id].pop(0)))
        for pairs in by_organization.values():
            invoices, failures = _moments_bill(pairs, now=now)
            issued.extend(invoices)
            for failure in failures:
                owed[failure.subscription_id] = []
                failed.add(failure.subscription_id)
                logger.error("billing.subscription_failed", **asdict(failure))
                moment_failure_record(
                    subscription=by_id[failure.subscription_id], at=failure.moment_at, reason=failure.reason
                )
                if on_failure is not None:
                    on_failure(failure)
    moment_failures_resolve(subscription_ids=by_id.keys() - failed, up_to=at)
    return issued


def _moments_bill(pairs: list, *, now: datetime) -> tuple[list[Invoice], list[BillingFailure]]:
    """One moment each of an organization's subscriptions, together; a subscription that cannot be billed is then
    found by billing them one at a time."""
    failures: list[BillingFailure] = []
    invoices = each_alone_on_failure(
        lambda part: _rated_and_issued(part, now=now),
        pairs,
        lambda pair, error: failures.append(_failure(*pair, error)),
    )
    return invoices, failures


def _rated_and_issued(pairs: list, *, now: datetime) -> list[Invoice]:
    organization = pairs[0][0].organization
    rated = moments_rate(
        pairs,
        resolver=tax_resolver(organization=organization),
        commitment_billed_before=commitment_billed_before(pairs),
    )
    return rated_moments_issue(organization=organization, rated=rated, now=now)


def _failure(subscription, moment, error: Exception) -> BillingFailure:
    return BillingFailure(
        subscription_id=subscription.id,
        external_id=subscription.external_id,
        organization_id=subscription.organization_id,
        moment_at=moment.at,
        reason=str(error) or type(error).__name__,
    )


def billing_run(
    *,
    at: datetime,
    organization: Organization | None = None,
    batch_size: int = BATCH_SIZE,
    on_start: Callable[[int], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> BillingRunSummary:
    """Starts and ends the subscriptions due at `at`, bills every moment owed up to it and finalizes the drafts whose
    grace period is over. on_start(subscriptions due) and on_batch(subscriptions, invoices) report progress."""
    subscriptions_activate_due(at=at)
    summary = BillingRunSummary()
    due = list(subscription_ids_due(at=at, organization=organization))
    if on_start is not None:
        on_start(len(due))
    for batch in batched(due, batch_size):
        invoices = subscriptions_bill(subscription_ids=batch, at=at, on_failure=summary.failures.append)
        summary.subscriptions += len(batch)
        summary.add(invoices)
        if on_batch is not None:
            on_batch(len(batch), len(invoices))
    summary.finalized_drafts = drafts_finalize_due(at=at, organization=organization)
    return summary


def batched(items: Iterable, size: int) -> Iterable[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
