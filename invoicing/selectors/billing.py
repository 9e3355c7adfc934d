"""Reads for the billing cycle: which subscriptions owe a billing moment, loaded with everything rating reads."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, prefetch_related_objects

from billing.models import Organization
from invoicing.models import Fee, Invoice, InvoiceSubscription
from plans.billing_schedule import BillingMoment, billing_moments
from plans.models import Charge, Subscription
from plans.selectors.billing_terms import subscription_terms
from plans.selectors.subscriptions import subscriptions_with_terms

Status = Subscription.Status
MOMENT_REASONS = [
    reason for reason in InvoiceSubscription.Reason.values if reason != InvoiceSubscription.Reason.IN_ADVANCE_CHARGE
]


def subscriptions_for_billing(queryset: QuerySet[Subscription] | None = None) -> QuerySet[Subscription]:
    """Subscriptions with their plan's charges, metrics, filters and commitment, their customer and the moment they
    were last billed (`last_billed_at`), in a fixed number of queries."""
    return subscriptions_with_schedule(queryset).select_related("plan__minimum_commitment").prefetch_related(_charges())


def subscriptions_with_schedule(queryset: QuerySet[Subscription] | None = None) -> QuerySet[Subscription]:
    """What a subscription's billing schedule reads (plan, customer, pending plan change) and `last_billed_at`.

    `last_billed_at` is a correlated subquery, not Max() over a join: an aggregate would GROUP BY every selected
    column of five tables, costlier to compile in Django than to run."""
    last_moment = (
        InvoiceSubscription.objects.filter(
            subscription=OuterRef("pk"),
            # Events billed in advance are not billing moments: the cycle goes on from the last moment.
            reason__in=MOMENT_REASONS,
        )
        .order_by("-billed_at")
        .values("billed_at")[:1]
    )
    return subscriptions_with_terms(queryset).annotate(last_billed_at=Subquery(last_moment))


def charges_load(subscriptions: Sequence[Subscription]) -> None:
    """Fetches the plan charges (metrics and filters) rating reads into subscriptions loaded without them."""
    prefetch_related_objects(list(subscriptions), _charges())


def _charges() -> Prefetch:
    charges = Charge.objects.select_related("billable_metric").prefetch_related("filters")
    return Prefetch("plan__charges", queryset=charges)


def _billable(organization: Organization | None) -> QuerySet[Subscription]:
    """Active subscriptions, and terminated ones whose termination has not been billed yet."""
    queryset = Subscription.objects.filter(status__in=[Status.ACTIVE, Status.TERMINATED], started_at__isnull=False)
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset


def subscription_moments_due(*, subscription: Subscription, at: datetime) -> list[BillingMoment]:
    """The moments of `subscription` after the last one billed and up to `at`, in order."""
    if subscription.started_at is None or subscription.started_at > at:
        return []
    terms = subscription_terms(subscription=subscription)
    return billing_moments(terms, after=subscription.last_billed_at, until=at)


def subscription_ids_due(
    *, at: datetime, organization: Organization | None = None, chunk: int = 2000
) -> Iterator[UUID]:
    """Ids of the subscriptions owing at least one billing moment at `at`, by organization and external id. Reads only
    what the schedule needs: the batches that bill them load the charges."""
    queryset = subscriptions_with_schedule(_billable(organization)).filter(
        Q(status=Status.ACTIVE) | Q(last_billed_at__isnull=True) | Q(terminated_at__gt=F("last_billed_at"))
    )
    # In the event store's key order (organization, external id): a batch then reads a few contiguous granules of
    # ClickHouse's tables instead of one granule per subscription scattered over all of them.
    for subscription in queryset.order_by("organization_id", "external_id", "started_at").iterator(chunk_size=chunk):
        if subscription_moments_due(subscription=subscription, at=at):
            yield subscription.id


def subscriptions_load(*, subscription_ids: Iterable[UUID]) -> list[Subscription]:
    return list(subscriptions_for_billing(Subscription.objects.filter(id__in=list(subscription_ids))).order_by("id"))


def commitment_billed_before(
    pairs: Sequence[tuple[Subscription, BillingMoment]], *, excluding_invoice: Invoice | None = None
) -> dict[tuple, Decimal]:
    """{(subscription id, moment.at): precise fees of the commitment period already invoiced} for pairs that true up
    a minimum commitment; voided invoices do not count, nor the invoice being refreshed."""
    wanted = [(s, m) for s, m in pairs if m.commitment is not None and hasattr(s.plan, "minimum_commitment")]
    if not wanted:
        return {}
    rows = (
        Fee.objects.filter(
            subscription_id__in=[s.id for s, _ in wanted],
            fee_type__in=[Fee.FeeType.SUBSCRIPTION, Fee.FeeType.CHARGE],
        )
        .exclude(invoice__status=Invoice.Status.VOIDED)
        .exclude(invoice=excluding_invoice)
        .values("subscription_id", "from_datetime")
        .annotate(total=Sum("precise_amount"))
    )
    billed: dict[UUID, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for row in rows:
        billed[row["subscription_id"]].append((row["from_datetime"], row["total"]))
    return {
        (s.id, m.at): sum((total for start, total in billed[s.id] if start in m.commitment.billed), Decimal(0))
        for s, m in wanted
    }
