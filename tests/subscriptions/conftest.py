from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from lago_python_client.models.subscription import SubscriptionResponse

from tests.factories.subscriptions import PlanFactory, SubscriptionCustomerFactory

NOW = datetime(2026, 3, 15, 10, 30, tzinfo=UTC)


class Clock:
    """A settable `timezone.now()`: billing periods depend on the date, so tests fix it.

    Each reading moves a microsecond on, so that rows keep the order they were created in; responses render whole
    seconds, so the drift never shows in them.
    """

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        self.at += timedelta(microseconds=1)
        return self.at


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    clock = Clock(NOW)
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


@pytest.fixture
def plans(organization) -> dict:
    """Monthly plans of Acme by code: starter < basic < premium (yearly), and a yearly plan cheaper per year."""
    return {
        plan.code: plan
        for plan in [
            PlanFactory(organization=organization, code="starter", amount_cents=500),
            PlanFactory(organization=organization, code="basic", amount_cents=1000),
            PlanFactory(organization=organization, code="premium", amount_cents=2500),
            PlanFactory(organization=organization, code="yearly_saver", amount_cents=9000, interval="yearly"),
            PlanFactory(organization=organization, code="basic_eur", amount_cents=1000, currency="EUR"),
        ]
    }


@pytest.fixture
def customer(organization):
    return SubscriptionCustomerFactory(organization=organization, external_id="cust_1", currency="USD")


def subscribe(client, **subscription):
    return client.post("/api/v1/subscriptions", {"subscription": subscription}, format="json")


def parsed(response) -> dict:
    """The response's subscription, checked against the official client's model first."""
    body = response.json()["subscription"]
    SubscriptionResponse.parse_obj(body)
    return body
