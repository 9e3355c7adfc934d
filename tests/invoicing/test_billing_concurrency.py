"""Idempotency under concurrency and failure: database constraints, not reads, decide what was billed."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from invoicing.models import Fee, Invoice
from invoicing.services import issuing
from invoicing.services.cycle import subscriptions_bill
from plans.models import Subscription
from tests.invoicing.billing_client import bill, create_plan, subscribe

AT = datetime(2022, 6, 1, 1, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)")
def test_concurrent_runs_bill_each_moment_exactly_once(api):
    create_plan(api, amount_cents=1000)
    for number in range(6):
        subscribe(api, external_id=f"sub_{number}", customer=f"cust_{number}", at=datetime(2022, 3, 1, tzinfo=UTC))
    ids = list(Subscription.objects.values_list("id", flat=True))
    start = threading.Barrier(3)
    failures = []

    def run() -> None:
        try:
            start.wait()
            subscriptions_bill(subscription_ids=ids, at=AT)
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
    assert Invoice.objects.count() == 6 * 3  # March, April, May for each
    sequential_ids = sorted(Invoice.objects.values_list("sequential_id", flat=True))
    assert sequential_ids == list(range(1, 19))  # no gap, no duplicate


@pytest.mark.django_db
def test_a_failed_batch_gives_its_invoice_numbers_back(api, monkeypatch):
    create_plan(api, amount_cents=1000)
    subscribe(api, at=datetime(2022, 3, 1, tzinfo=UTC))
    real_create = issuing.fee_rows_create
    calls = {"count": 0}

    def failing_once(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 1:
            raise RuntimeError("the database went away")
        return real_create(*args, **kwargs)

    monkeypatch.setattr(issuing, "fee_rows_create", failing_once)
    with pytest.raises(RuntimeError):
        bill(datetime(2022, 4, 1, 1, tzinfo=UTC))
    assert Invoice.objects.count() == 0

    bill(datetime(2022, 5, 1, 1, tzinfo=UTC))

    assert list(Invoice.objects.order_by("sequential_id").values_list("sequential_id", flat=True)) == [1, 2]
    assert Fee.objects.count() == 2
