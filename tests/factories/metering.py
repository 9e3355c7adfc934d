"""Events for metering tests: request payloads as Lago's clients send them, and stored rows made with the ORM."""

from datetime import UTC, datetime

import factory
from django.utils import timezone

from metering.models import Event
from tests.factories.billing import OrganizationFactory
from tests.factories.plans import BillableMetricFactory
from tests.factories.subscriptions import SubscriptionFactory

# Metering tests fix timezone.now() here (see `frozen_now`): timestamps are bounded relative to it.
NOW = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
NOW_SECONDS = int(NOW.timestamp())


def frozen_now(monkeypatch) -> datetime:
    """Fixes django.utils.timezone.now() at NOW; for an autouse fixture of a test module."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def event_payload(**overrides) -> dict:
    """One event as `POST /api/v1/events` takes it; a fresh transaction_id each call."""
    payload = {
        "transaction_id": f"tr_{next(_transaction_numbers)}",
        "external_subscription_id": "sub_1",
        "code": "api_calls",
        "timestamp": NOW_SECONDS - 60,
        "properties": {"calls": 3, "region": "eu"},
    }
    payload.update(overrides)
    return payload


_transaction_numbers = iter(range(1, 10**9))


class EventFactory(factory.django.DjangoModelFactory):
    """A stored event row, bypassing ingestion (for list, get and admin tests)."""

    class Meta:
        model = Event

    organization = factory.SubFactory(OrganizationFactory)
    transaction_id = factory.Sequence(lambda n: f"stored_{n}")
    external_subscription_id = "sub_1"
    code = "api_calls"
    timestamp = factory.Sequence(lambda n: datetime(2026, 1, 1, tzinfo=UTC).replace(minute=n % 60, hour=n // 60 % 24))
    properties = factory.LazyFunction(lambda: {"calls": 1})
    ingested_at = factory.LazyAttribute(lambda event: event.timestamp)
    diagnostics = ""


def usage_catalog(organization, *, code: str = "api_calls", aggregation_type: str = "sum_agg", field_name="calls"):
    """A billable metric and an active subscription `sub_1` started a day ago: events to them carry no diagnostic."""
    metric = BillableMetricFactory(
        organization=organization,
        code=code,
        aggregation_type=aggregation_type,
        field_name="" if aggregation_type == "count_agg" else field_name,
    )
    subscription = SubscriptionFactory(organization=organization, external_id="sub_1")
    return metric, subscription
