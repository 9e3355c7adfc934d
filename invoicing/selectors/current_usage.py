"""Current usage: what a subscription's open charges period has cost so far, priced with the invoice's own functions
(so the estimate and the bill never disagree), in Lago's `customer_usage` shape.

Cached per subscription, period and usage version: ingestion bumps the version (metering.usage_versions), so a cached
answer is reused only while no event has arrived since.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from billing.errors import NotFound
from billing.models import Organization
from billing.money import plain_decimal, to_cents
from customers.selectors import customer_get
from invoicing.rating import FeeDraft, UsageWindow
from invoicing.rating.charges import charge_fee_drafts_started
from invoicing.rating.taxes import taxes_apply
from invoicing.selectors.billing import charges_load, subscriptions_with_schedule
from metering.usage_versions import usage_version
from plans.billing_schedule import charges_period_containing
from plans.models import Subscription
from plans.selectors.billing_terms import subscription_terms
from taxes.selectors import tax_resolver

CACHE_SECONDS = 300


def current_usage(
    *,
    organization: Organization,
    external_customer_id: str,
    external_subscription_id: str,
    apply_taxes: bool = True,
    at: datetime | None = None,
) -> dict[str, Any]:
    subscription = _open_subscription(organization, external_customer_id, external_subscription_id)
    terms = subscription_terms(subscription=subscription)
    at = at or timezone.now()
    if terms.ends_at is not None and at >= terms.ends_at:
        at = terms.ends_at - timedelta(microseconds=1)  # ended, not yet marked terminated: its last window
    period = charges_period_containing(terms, at=max(at, terms.started_at))
    version = usage_version(organization_id=organization.id, external_subscription_id=subscription.external_id)
    key = f"current-usage:{subscription.id}:{period.start.timestamp()}:{int(apply_taxes)}:{version}"
    if version is not None and (cached := cache.get(key)) is not None:
        return cached
    charges_load([subscription])
    priced = charge_fee_drafts_started([UsageWindow(subscription=subscription, period=period)], paid_in_advance=True)
    resolver = tax_resolver(organization=organization)
    if apply_taxes:  # read while the event store answers
        resolver.preload_with_organization([subscription.customer, subscription.plan, *subscription.plan.charges.all()])
    drafts = priced().get(subscription.id, [])
    if apply_taxes:
        taxes_apply(drafts, resolver=resolver)
    usage = _customer_usage(subscription, period, drafts)
    if version is not None:
        cache.set(key, usage, timeout=CACHE_SECONDS)
    return usage


def _open_subscription(
    organization: Organization, external_customer_id: str, external_subscription_id: str
) -> Subscription:
    """The customer's active subscription, with what its schedule reads, in one query; its charges are read only
    when the answer is not cached."""
    if "\x00" in external_customer_id or "\x00" in external_subscription_id:
        raise NotFound("customer" if "\x00" in external_customer_id else "subscription")  # PostgreSQL refuses NUL
    subscriptions = subscriptions_with_schedule(Subscription.objects.filter(organization=organization)).filter(
        customer__external_id=external_customer_id,
        customer__deleted_at__isnull=True,
        external_id=external_subscription_id,
        status=Subscription.Status.ACTIVE,
    )
    # One active subscription per external_id: no ORDER BY for first() to add (and for Django to compile).
    subscription = next(iter(subscriptions.order_by()[:1]), None)
    if subscription is None:
        customer_get(organization=organization, external_id=external_customer_id)  # NotFound("customer") first
        raise NotFound("subscription")
    return subscription


def _customer_usage(subscription: Subscription, period, drafts: list[FeeDraft]) -> dict[str, Any]:
    currency = subscription.plan.amount_currency
    tz = ZoneInfo(subscription.customer.applicable_timezone)
    amount = sum((draft.amount for draft in drafts), Decimal(0))
    taxes = sum((draft.taxes_amount for draft in drafts), Decimal(0))
    per_charge: dict[Any, list[FeeDraft]] = defaultdict(list)
    for draft in drafts:
        per_charge[draft.charge.id].append(draft)
    return {
        "from_datetime": _iso(period.start),
        "to_datetime": _iso(period.end),
        "issuing_date": period.end.astimezone(tz).date().isoformat(),
        "lago_invoice_id": None,
        "currency": currency,
        "amount_cents": to_cents(amount, currency),
        "taxes_amount_cents": to_cents(taxes, currency),
        "total_amount_cents": to_cents(amount + taxes, currency),
        "charges_usage": [_charge_usage(charge_drafts, currency) for charge_drafts in per_charge.values()],
    }


def _charge_usage(drafts: list[FeeDraft], currency: str) -> dict[str, Any]:
    charge = drafts[0].charge
    metric = charge.billable_metric
    ungrouped = [draft for draft in drafts if not draft.grouped_by]
    grouped: dict[tuple, list[FeeDraft]] = defaultdict(list)
    for draft in drafts:
        if draft.grouped_by:
            grouped[tuple(sorted(draft.grouped_by.items(), key=lambda item: item[0]))].append(draft)
    units = sum((draft.units for draft in drafts), Decimal(0))
    return {
        "units": _decimal(units),
        "total_aggregated_units": _decimal(units),
        "events_count": sum(draft.events_count for draft in drafts),
        "amount_cents": to_cents(sum((draft.amount for draft in drafts), Decimal(0)), currency),
        "amount_currency": currency,
        "charge": {
            "lago_id": str(charge.id),
            "charge_model": charge.charge_model,
            "invoice_display_name": charge.invoice_display_name or None,
        },
        "billable_metric": {
            "lago_id": str(metric.id),
            "name": metric.name,
            "code": metric.code,
            "aggregation_type": metric.aggregation_type,
        },
        "filters": _filters_usage(ungrouped, currency),
        "grouped_usage": [
            {
                "amount_cents": to_cents(sum((draft.amount for draft in group), Decimal(0)), currency),
                "events_count": sum(draft.events_count for draft in group),
                "units": _decimal(sum((draft.units for draft in group), Decimal(0))),
                "total_aggregated_units": _decimal(sum((draft.units for draft in group), Decimal(0))),
                "grouped_by": group[0].grouped_by,
                "filters": _filters_usage(group, currency),
            }
            for group in grouped.values()
        ],
    }


def _filters_usage(drafts: list[FeeDraft], currency: str) -> list[dict[str, Any]]:
    """Per filter of a charge that has filters (the default bucket has no values); empty for a charge without."""
    if not any(draft.charge_filter is not None for draft in drafts):
        return []
    return [
        {
            "invoice_display_name": draft.invoice_display_name or None,
            "values": draft.filter_values or None,
            "units": _decimal(draft.units),
            "total_aggregated_units": _decimal(draft.units),
            "amount_cents": to_cents(draft.amount, currency),
            "events_count": draft.events_count,
        }
        for draft in drafts
    ]


def _decimal(value: Decimal) -> str:
    return plain_decimal(value)


def _iso(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
