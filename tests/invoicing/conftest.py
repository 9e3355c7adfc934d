from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.invoicing.billing_client import create_metric, create_plan, event, send_events, standard_charge, subscribe
from tests.invoicing.pay_in_advance_client import post_events, run_billing_tasks_inline


class Clock:
    """A settable `timezone.now()`, from the real time until `set`: billing periods and event ages depend on it.

    Each reading moves a microsecond on, so that rows keep the order they were created in; responses render whole
    seconds, so the drift never shows in them.
    """

    def __init__(self, at: datetime):
        self.at = at

    def set(self, *parts: int) -> None:
        self.at = datetime(*parts, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(microseconds=1)
        return self.at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


@pytest.fixture
def huge_and_fine(api):
    """Two subscriptions of one organization on a 1,000-per-call plan, from March 2022: sub_huge sent 10**18 calls (a
    usage value events and fees hold, but its amount has 22 integer digits where invoices hold 14), sub_fine 3."""
    metric = create_metric(api)
    create_plan(api, charges=[standard_charge(metric, amount="1000")])
    for name in ("huge", "fine"):
        subscribe(api, external_id=f"sub_{name}", customer=f"cust_{name}", at=datetime(2022, 3, 1, tzinfo=UTC))
    send_events(
        api,
        [
            event("t1", datetime(2022, 3, 20, tzinfo=UTC), subscription="sub_huge", calls=10**18),
            event("t2", datetime(2022, 3, 20, tzinfo=UTC), subscription="sub_fine", calls=3),
        ],
    )


@pytest.fixture
def in_advance_failure(api, monkeypatch, django_capture_on_commit_callbacks, request):
    """Events billed in advance at 1,000 each (invoiceable or not: the parameter), t_huge with 10**18 calls, whose fee
    cannot be billed, and t_fine with 2. Returns the metric."""
    run_billing_tasks_inline(monkeypatch)
    cache.clear()  # the codes billed in advance are cached per organization
    metric = create_metric(api)
    charge = {
        "billable_metric_id": metric["lago_id"],
        "charge_model": "standard",
        "properties": {"amount": "1000"},
        "pay_in_advance": True,
        "invoiceable": request.param,
    }
    create_plan(api, charges=[charge])
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    day = datetime(2026, 3, 5, tzinfo=UTC)
    post_events(
        api, django_capture_on_commit_callbacks, [event("t_huge", day, calls=10**18), event("t_fine", day, calls=2)]
    )
    return metric
