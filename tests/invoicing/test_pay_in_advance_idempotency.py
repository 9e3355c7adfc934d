"""Billing in advance never bills an event twice: a retried or duplicated task, a task that raced past the check for
fees already stored, and concurrent tasks (PostgreSQL) all leave one fee per event and no gap in invoice numbers."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, connections

from invoicing.event_listeners import bill_events_in_advance
from invoicing.models import Fee, Invoice
from invoicing.services import in_advance
from tests.invoicing.billing_client import create_metric, create_plan, event, send_events, subscribe
from tests.invoicing.pay_in_advance_client import (
    in_advance_amounts,
    post_events,
    run_billing_tasks_inline,
    without_invoice_listeners,
)

D = Decimal
EVENTS = [event(f"t{day}", datetime(2026, 3, day, tzinfo=UTC), calls=day) for day in range(2, 8)]


def catalog(api, clock, *, invoiceable: bool) -> None:
    cache.clear()
    metric = create_metric(api)
    charge = {
        "billable_metric_id": metric["lago_id"],
        "charge_model": "standard",
        "properties": {"amount": "1"},
        "pay_in_advance": True,
        "invoiceable": invoiceable,
    }
    create_plan(api, amount_cents=0, charges=[charge])
    subscribe(api, at=datetime(2026, 3, 1, tzinfo=UTC))
    clock.set(2026, 3, 20)


def billed_once() -> None:
    assert in_advance_amounts() == {f"t{day}": D(day) for day in range(2, 8)}
    numbers = sorted(Invoice.objects.values_list("sequential_id", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, no duplicate


@pytest.mark.django_db
@pytest.mark.parametrize("invoiceable", [True, False])
def test_a_retried_task_bills_nothing_twice(api, clock, monkeypatch, django_capture_on_commit_callbacks, invoiceable):
    tasks = run_billing_tasks_inline(monkeypatch)
    catalog(api, clock, invoiceable=invoiceable)
    post_events(api, django_capture_on_commit_callbacks, EVENTS)
    invoices = Invoice.objects.count()

    for arguments in tasks:
        assert bill_events_in_advance(*arguments) == 0

    billed_once()
    assert Invoice.objects.count() == invoices == (6 if invoiceable else 0)


@pytest.mark.django_db
@pytest.mark.parametrize("invoiceable", [True, False])
def test_a_task_that_missed_the_fees_stored_meanwhile_is_stopped_by_the_constraint(
    api, clock, monkeypatch, django_capture_on_commit_callbacks, invoiceable
):
    tasks = run_billing_tasks_inline(monkeypatch)
    catalog(api, clock, invoiceable=invoiceable)
    post_events(api, django_capture_on_commit_callbacks, EVENTS[:3])
    # Another task stored these fees after this one looked: only the unique constraint can tell.
    monkeypatch.setattr(in_advance, "_billed_keys", lambda drafts: set())
    post_events(api, django_capture_on_commit_callbacks, EVENTS[3:])

    for arguments in tasks:
        assert bill_events_in_advance(*arguments) == 0

    billed_once()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)")
@pytest.mark.parametrize("invoiceable", [True, False])
def test_concurrent_tasks_bill_each_event_once(api, clock, monkeypatch, invoiceable):
    without_invoice_listeners(monkeypatch)
    queued: list[tuple] = []
    monkeypatch.setattr(bill_events_in_advance, "delay", lambda *arguments: queued.append(arguments))
    catalog(api, clock, invoiceable=invoiceable)
    send_events(api, EVENTS)
    [arguments] = queued
    start = threading.Barrier(3)
    failures = []

    def run() -> None:
        try:
            start.wait()
            bill_events_in_advance(*arguments)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    billed_once()
    assert Fee.objects.count() == 6
