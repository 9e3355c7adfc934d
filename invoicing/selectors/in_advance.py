"""Reads for billing charges paid in advance: which metric codes an organization bills in advance (asked on every
ingested batch, so cached), and which stored events of a subscription a charge's fees are priced from."""

import contextlib
from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

import structlog
from django.core.cache import cache
from django.db import transaction

from billing.models import Organization
from metering.selectors import event_list
from metering.stores.base import EventListFilters, StoredEvent
from plans.models import Charge

logger = structlog.get_logger(__name__)
CODES_TTL_SECONDS = 3600
EVENTS_PAGE = 1000


def _codes_key(organization_id: UUID) -> str:
    return f"in-advance-codes:{organization_id}"


def in_advance_metric_codes(*, organization_id: UUID) -> frozenset[str]:
    """The codes of the metrics that a charge paid in advance of one of the organization's plans bills.

    Cached per organization (most have none: ingestion then costs one cache read, no query) and forgotten whenever
    a charge or metric changes; a cache outage falls back to the query."""
    key = _codes_key(organization_id)
    with contextlib.suppress(Exception):
        cached = cache.get(key)
        if cached is not None:
            return frozenset(cached)
    codes = frozenset(
        Charge.objects.filter(organization_id=organization_id, pay_in_advance=True, plan__deleted_at__isnull=True)
        .values_list("billable_metric__code", flat=True)
        .distinct()
    )
    try:
        cache.set(key, sorted(codes), timeout=CODES_TTL_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is an optimisation
        logger.warning("in_advance_codes.cache_failed", organization_id=str(organization_id), exc_info=True)
    return codes


def in_advance_metric_codes_forget(*, organization_id: UUID) -> None:
    """Drops the cached codes now and again once the change commits: an ingestion running meanwhile may have cached
    the codes as they were before it."""
    key = _codes_key(organization_id)

    def forget() -> None:
        try:
            cache.delete(key)
        except Exception:  # noqa: BLE001
            logger.warning("in_advance_codes.forget_failed", organization_id=str(organization_id), exc_info=True)

    forget()
    transaction.on_commit(forget)


def subscription_events(
    *, organization: Organization, external_subscription_id: str, code: str, since: datetime, until: datetime
) -> Iterator[StoredEvent]:
    """The subscription's events of a metric with since <= timestamp <= until, newest first, read page by page (an
    event arriving meanwhile may shift a page: it is then read twice and yielded once)."""
    events = event_list(
        organization=organization,
        filters=EventListFilters(
            external_subscription_id=external_subscription_id, code=code, timestamp_from=since, timestamp_to=until
        ),
    )
    seen: set[str] = set()
    offset = 0
    while page := events[offset : offset + EVENTS_PAGE]:
        for detail in page:
            if detail.event.transaction_id not in seen:
                seen.add(detail.event.transaction_id)
                yield detail.event
        offset += len(page)
